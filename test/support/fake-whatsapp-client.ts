import { EventEmitter } from 'node:events';
import type { WhatsappClientEvent, WhatsappMedia, WhatsappSendOptions, WhatsappWebClient, WhatsappWebMessage, WhatsappWebReaction } from '../../src/modules/channels/infrastructure/providers/whatsapp-web/whatsapp-web-client.port';

/**
 * A whatsapp-web.js `Client` stand-in with the same event names and method signatures; the test
 * emits the events (`qr`, `ready`, `disconnected`, ...) and scripts failures and hangs.
 */
export class FakeWhatsappClient extends EventEmitter implements WhatsappWebClient {
  info?: { wid: { user: string } };
  readonly sent: Array<{ chatId: string; content: string | WhatsappMedia; options?: WhatsappSendOptions }> = [];
  destroyed = 0;
  /** Scripted behaviour: an error to throw, or 'hang' to never settle. */
  initializeBehaviour: Error | 'hang' | undefined;
  destroyBehaviour: Error | 'hang' | undefined;
  sendBehaviour: Error | 'hang' | undefined;
  /** Emitted right after initialize() resolves (a QR, or `authenticated`+`ready` for a restored session). */
  onInitialize?: (client: FakeWhatsappClient) => void;
  state: string | null = null;
  private counter = 0;

  constructor(readonly channelId: string) {
    super();
  }

  override on(event: WhatsappClientEvent, handler: (...args: any[]) => void): this {
    return super.on(event, handler);
  }

  async initialize(): Promise<void> {
    await settle(this.initializeBehaviour);
    if (this.onInitialize) setImmediate(() => this.onInitialize?.(this));
  }

  async destroy(): Promise<void> {
    this.destroyed++;
    await settle(this.destroyBehaviour);
  }

  async getState(): Promise<string | null> {
    return this.state;
  }

  loggedOut = 0;
  async logout(): Promise<void> {
    this.loggedOut++;
    this.state = null;
  }

  async sendMessage(chatId: string, content: string | WhatsappMedia, options?: WhatsappSendOptions): Promise<WhatsappWebMessage> {
    await settle(this.sendBehaviour);
    this.sent.push({ chatId, content, options });
    this.counter++;
    const message: WhatsappWebMessage = { id: { _serialized: `true_${chatId}_FAKE${this.counter}`, fromMe: true }, from: 'me', to: chatId, body: typeof content === 'string' ? content : (options?.caption ?? ''), type: typeof content === 'string' ? 'chat' : 'image', timestamp: Math.floor(Date.now() / 1000), fromMe: true };
    this.delivered.push(message);
    return message;
  }

  /** What WhatsApp holds of this client's sends (a test may add a send the browser died after). */
  readonly delivered: WhatsappWebMessage[] = [];
  /** Every channel's sends as WhatsApp has them, across browsers (set by FakeWhatsappClients). */
  history: () => WhatsappWebMessage[] = () => this.delivered;
  /** Set to make reading a chat fail (the check before a resend cannot tell). */
  chatBehaviour: Error | undefined;

  async getChatById(chatId: string) {
    await settle(this.chatBehaviour);
    return { fetchMessages: async ({ limit }: { limit: number }) => this.history().filter((m) => m.to === chatId).slice(-limit) };
  }

  /** Logs in as `phone`: authenticated then ready, as the library does after a scan. */
  login(phone = '15550001111'): void {
    this.info = { wid: { user: phone } };
    this.state = 'CONNECTED';
    this.emit('authenticated', {});
    this.emit('ready');
  }
}

function settle(behaviour: Error | 'hang' | undefined): Promise<void> {
  if (behaviour === 'hang') return new Promise(() => undefined);
  if (behaviour) return Promise.reject(behaviour);
  return Promise.resolve();
}

/** Builds fake clients and remembers them by channel (the latest one is the live one). */
export class FakeWhatsappClients {
  readonly all: FakeWhatsappClient[] = [];
  /** Applied to each new client before the provider uses it. */
  setup?: (client: FakeWhatsappClient) => void;

  readonly create = (channelId: string): FakeWhatsappClient => {
    const client = new FakeWhatsappClient(channelId);
    client.history = () => this.all.filter((c) => c.channelId === channelId).flatMap((c) => c.delivered);
    this.setup?.(client);
    this.all.push(client);
    return client;
  };

  /** The latest client of a channel. */
  latest(channelId: string): FakeWhatsappClient {
    const c = [...this.all].reverse().find((x) => x.channelId === channelId);
    if (!c) throw new Error(`no fake WhatsApp client for ${channelId}`);
    return c;
  }
}

/** A whatsapp-web.js style incoming message. */
export function waMessage(overrides: Partial<WhatsappWebMessage> = {}): WhatsappWebMessage {
  return { id: { _serialized: `false_15557770123@c.us_${Math.random().toString(36).slice(2)}`, fromMe: false }, from: '15557770123@c.us', to: '15550001111@c.us', body: 'hola', type: 'chat', timestamp: Math.floor(Date.now() / 1000), _data: { notifyName: 'Ana' }, ...overrides };
}

/** A `message_reaction` payload shaped like whatsapp-web.js's `Reaction` (msgKey, reactionText, parentMsgKey, senderUserJid). */
export function waReaction(overrides: Partial<WhatsappWebReaction> = {}): WhatsappWebReaction {
  return {
    id: { _serialized: `false_15557770123@c.us_R${Math.random().toString(36).slice(2)}`, fromMe: false, remote: '15557770123@c.us' },
    reaction: '👍',
    timestamp: Math.floor(Date.now() / 1000),
    senderId: '15557770123@c.us',
    msgId: { _serialized: 'true_15557770123@c.us_OUT1' },
    ...overrides,
  };
}
