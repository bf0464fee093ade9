import { ProviderUnavailableError } from '../../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';
import type { InboundEvent } from '../../../domain/inbound-event';
import { BaseProvider, ProviderSendError, type Capability, type OutboundMessage, type SendResult, type ValidatedAccount } from '../base.provider';
import { InboundBatcher } from './inbound-batcher';
import type { WhatsappClientFactory, WhatsappMedia, WhatsappWebClient, WhatsappWebMessage, WhatsappWebReaction } from './whatsapp-web-client.port';
import { attachDownloadedMedia, toWhatsappMedia, type MediaStore } from './whatsapp-web-media';
import { toInboundMessage, toReactionMessage, toStatusEvent } from './whatsapp-web-message.mapper';
import { findOwnMessage } from './whatsapp-web-sent-check';
import { TimeoutError, withTimeout } from './with-timeout';

/** Settings of WhatsApp Web providers. */
export interface WhatsappWebOptions {
  createClient: WhatsappClientFactory;
  /** Start-up (browser launch and page load). */
  startTimeoutMs: number;
  /** Every other call into the browser (send, state, destroy, media download). */
  callTimeoutMs: number;
  /** How long a send waits for one reconnect before it fails. */
  reconnectTimeoutMs: number;
  /** Window in which bursts of messages and acks are collected into one ingest call (0: none). */
  batchWindowMs: number;
  /** Removes the channel's saved session from the store (before the browser is touched). */
  forgetSession?: (channelId: string) => Promise<void>;
  /** Removes the channel's unpacked session from disk (after the browser is gone); may throw EBUSY. */
  cleanupSession?: (channelId: string) => Promise<void>;
  /** Files of received and sent media; without it media is announced but not saved or sent. */
  media?: MediaStore;
  /** Where a problem that reaches no caller (a media download, a failed store) is reported. */
  onError?: (operation: string, err: unknown) => void;
}

/** The next step of a QR login: a QR to scan, or already logged in (restored session). */
export type LoginStep = { qr: string } | { authenticated: true };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Puppeteer's errors when the page or browser went away under a call. */
const BROWSER_GONE = /Session closed|Target closed|Protocol error|Execution context was destroyed|detached Frame/i;

/** WhatsApp Web adapter over a whatsapp-web.js client: QR login, pushed messages and acks, reconnect before send. */
export class WhatsappWebProvider extends BaseProvider {
  readonly capabilities: ReadonlySet<Capability>;
  override readonly announcesReady = true;
  override readonly ownerOnly = true;
  private client?: WhatsappWebClient;
  private lastQr?: string;
  private authenticated = false;
  private phone?: string;
  private loginWaiters: Array<(step: LoginStep) => void> = [];
  private readonly batcher: InboundBatcher;
  /** Set by destroy(): the runtime never reuses a stopped provider, so nothing may start a browser on it again. */
  private disposed = false;
  /** The tail of the queue of received events (see enqueue). */
  private inbound: Promise<void> = Promise.resolve();
  /** The logout clean-up in progress: a restart waits for it, or it would delete the new login's session folder. */
  private cleanup?: Promise<void>;

  constructor(
    channel: ChannelEntity,
    credentials: Record<string, unknown>,
    private readonly options: WhatsappWebOptions,
  ) {
    super(channel, credentials);
    this.capabilities = new Set<Capability>(options.media ? ['send_text', 'send_media', 'qr_login'] : ['send_text', 'qr_login']);
    this.batcher = new InboundBatcher((events) => this.push(events), options.batchWindowMs);
  }

  /** Starts the browser; a failed start destroys it so no Chromium outlives the attempt. */
  async initialize(): Promise<void> {
    if (this.client) return;
    // A send in flight when the channel was stopped (its browser gone) must not start an orphan browser.
    if (this.disposed) throw new ProviderUnavailableError('WhatsApp Web channel was stopped');
    const client = this.options.createClient(this.channel.id);
    this.client = client;
    this.state = 'initializing';
    this.listen(client);
    try {
      await withTimeout(client.initialize(), this.options.startTimeoutMs, 'WhatsApp Web start-up');
    } catch (err) {
      if (this.client === client) this.client = undefined;
      this.state = 'error';
      await this.safeDestroy(client);
      // The browser profile of a failed start holds nothing the store cannot give back (RemoteAuth re-extracts a saved session).
      await this.options.cleanupSession?.(this.channel.id).catch((e) => this.options.onError?.('start_cleanup', e));
      throw new ProviderUnavailableError(`WhatsApp Web could not start: ${messageOf(err)}`);
    }
  }

  /** Stops the browser; never throws (a hung or crashed browser is abandoned after the timeout). */
  async destroy(): Promise<void> {
    this.disposed = true;
    this.batcher.flush();
    const client = this.client;
    this.resetLocal('stopped');
    if (client) await this.safeDestroy(client);
    await this.cleanup?.catch(() => undefined);
  }

  /**
   * The channel is deleted: the device is unlinked from the phone when logged in (bounded, best
   * effort), the browser stopped, and the saved session and its folder removed, so no login outlives it.
   */
  override async retire(): Promise<void> {
    const client = this.client;
    if (client && this.authenticated) await withTimeout(client.logout(), this.options.callTimeoutMs, 'WhatsApp Web logout').catch((e) => this.options.onError?.('logout', e));
    await this.destroy();
    await this.options.forgetSession?.(this.channel.id).catch((e) => this.options.onError?.('forget_session', e));
    await this.options.cleanupSession?.(this.channel.id).catch((e) => this.options.onError?.('cleanup_session', e));
  }

  /** QR channels have no credentials to check: the login happens by scanning. */
  async validateCredentials(): Promise<ValidatedAccount> {
    return { providerAccount: this.phone ?? this.channel.providerAccount ?? '', details: { kind: 'whatsapp_web' } };
  }

  /**
   * Sends through the browser. A client that is not connected gets one bounded reconnect; a browser
   * that died under the call is restarted once and the send tried again. Otherwise a clear refusal.
   */
  async sendMessage(message: OutboundMessage): Promise<SendResult> {
    const chatId = message.to.includes('@') ? message.to : `${message.to.replace(/^\+/, '')}@c.us`;
    const content = await this.content(message);
    let client = await this.connectedClient();
    const startedAt = Date.now();
    try {
      return await this.sendOnce(client, chatId, content, message.text);
    } catch (err) {
      if (!(err instanceof ProviderSendError) || err.code !== 'BROWSER_GONE') throw err;
      await this.dropClient(client);
      client = await this.connectedClient();
      // The dying browser may have handed it to WhatsApp before it went: look in the chat before sending again.
      const already = await findOwnMessage(client, { chatId, text: message.text, media: typeof content !== 'string', since: startedAt }, this.options.callTimeoutMs);
      if (already) return { externalId: already };
      return this.sendOnce(client, chatId, content, message.text);
    }
  }

  private async sendOnce(client: WhatsappWebClient, chatId: string, content: string | WhatsappMedia, caption: string): Promise<SendResult> {
    try {
      const call = typeof content === 'string' ? client.sendMessage(chatId, content) : client.sendMessage(chatId, content, caption ? { caption } : {});
      const sent = await withTimeout(call, this.options.callTimeoutMs, 'WhatsApp Web send');
      return { externalId: sent.id._serialized };
    } catch (err) {
      // A timed-out send may still go out: it is not retried here, so it is never sent twice.
      // The browser may have sent it: WhatsApp Web has no idempotency key, so the queue does not retry it blindly.
      if (err instanceof TimeoutError) throw new ProviderSendError('TIMEOUT', err.message, true, true);
      if (BROWSER_GONE.test(messageOf(err))) throw new ProviderSendError('BROWSER_GONE', `WhatsApp Web browser went away: ${messageOf(err)}`, true);
      throw new ProviderSendError('WA_SEND_FAILED', `WhatsApp Web refused the message: ${messageOf(err)}`, false);
    }
  }

  /** The text, or the media fetched from its URL. */
  private async content(message: OutboundMessage): Promise<string | WhatsappMedia> {
    const [item, ...rest] = message.attachments ?? [];
    if (message.contentType === 'text' || !item) return message.text;
    if (rest.length) throw new ProviderSendError('TOO_MANY_ATTACHMENTS', 'WhatsApp Web sends one media item per message', false);
    if (!this.options.media) throw new ProviderSendError('MEDIA_NOT_SUPPORTED', 'No media store is configured', false);
    try {
      return await toWhatsappMedia(this.options.media, item);
    } catch (err) {
      throw new ProviderSendError('MEDIA_FETCH_FAILED', `The attachment could not be fetched: ${messageOf(err)}`, false);
    }
  }

  /** The ready client, after at most one bounded reconnect. */
  private async connectedClient(): Promise<WhatsappWebClient> {
    if (this.client && this.state === 'ready') return this.client;
    try {
      await withTimeout(this.reconnect(), this.options.reconnectTimeoutMs, 'WhatsApp Web reconnect');
    } catch (err) {
      const reason = err instanceof ProviderSendError ? err.message : `WhatsApp Web is not connected and did not reconnect: ${messageOf(err)}`;
      throw new ProviderSendError(err instanceof ProviderSendError ? err.code : 'NOT_CONNECTED', reason, true);
    }
    if (!this.client || this.state !== 'ready') throw new ProviderSendError('NOT_CONNECTED', 'WhatsApp Web is not connected', true);
    return this.client;
  }

  private async reconnect(): Promise<void> {
    const deadline = Date.now() + this.options.reconnectTimeoutMs;
    if (!this.client) await this.initialize();
    const step = await this.waitForLogin(this.options.reconnectTimeoutMs);
    if ('qr' in step) throw new ProviderSendError('NOT_AUTHENTICATED', 'WhatsApp Web is logged out: scan a new QR code (GET /api/channels/:id/qr)', false);
    // Between `authenticated` and `ready` the library loads the chats: wait for it, within the same bound.
    while (this.client && this.state !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  /** The browser's own connection state (`CONNECTED`, ...), or undefined when it does not answer. */
  async connectionState(): Promise<string | undefined> {
    if (!this.client) return undefined;
    return withTimeout(this.client.getState(), this.options.callTimeoutMs, 'WhatsApp Web state').then((s) => s ?? undefined, () => undefined);
  }

  /** True once WhatsApp accepted the login (scan done or session restored), before `ready`. */
  get isLoggedIn(): boolean {
    return this.authenticated;
  }

  /** The QR waiting to be scanned, if any. */
  get currentQr(): string | undefined {
    return this.lastQr;
  }

  /** The logged-in phone number, once ready. */
  get phoneNumber(): string | undefined {
    return this.phone;
  }

  /** The current QR, or the next login step within `ms` (the first QR or an authentication). */
  waitForLogin(ms: number): Promise<LoginStep> {
    if (this.authenticated) return Promise.resolve({ authenticated: true });
    if (this.lastQr) return Promise.resolve({ qr: this.lastQr });
    return withTimeout(new Promise<LoginStep>((resolve) => this.loginWaiters.push(resolve)), ms, 'WhatsApp Web QR');
  }

  private listen(client: WhatsappWebClient): void {
    // Events of a client we already dropped (destroyed, replaced) are ignored.
    const current = (fn: (...args: any[]) => void) => (...args: any[]) => {
      if (this.client === client) fn(...args);
    };
    client.on('qr', current((qr: string) => {
      this.lastQr = qr;
      this.reportLifecycle('auth.required', 'auth_required', { qr });
      this.settleLogin({ qr });
    }));
    client.on('authenticated', current(() => {
      this.authenticated = true;
      this.lastQr = undefined;
      this.settleLogin({ authenticated: true });
    }));
    client.on('ready', current(() => {
      this.authenticated = true;
      this.phone = client.info?.wid?.user;
      this.settleLogin({ authenticated: true });
      this.reportLifecycle('ready', 'ready', { phone: this.phone ?? null });
    }));
    client.on('disconnected', current((reason: unknown) => (this.cleanup = this.onLoggedOut(client, 'disconnected', { reason: String(reason ?? '') }))));
    client.on('auth_failure', current((msg: unknown) => (this.cleanup = this.onLoggedOut(client, 'auth_failure', { message: String(msg ?? '') }))));
    client.on('message', current((m: WhatsappWebMessage) => this.enqueue(this.prepareMessage(m))));
    client.on('message_ack', current((m: WhatsappWebMessage, ack: number) => this.enqueue(toStatusEvent(m, ack))));
    // The library reports reactions only with this event, never as a `message`.
    client.on('message_reaction', current((r: WhatsappWebReaction) => this.enqueue(toReactionMessage(r))));
  }

  /** Media downloads run in parallel, but events reach the batcher in the order WhatsApp sent them. */
  private enqueue(event: Promise<InboundEvent | undefined> | InboundEvent | undefined): void {
    const ready = Promise.resolve(event);
    this.inbound = this.inbound
      .then(() => ready)
      .then((e) => e && this.batcher.add(e))
      .catch((err) => this.options.onError?.('message', err));
  }

  private async prepareMessage(m: WhatsappWebMessage): Promise<InboundEvent | undefined> {
    const event = toInboundMessage(m);
    if (!event) return undefined;
    if (this.options.media) {
      const problem = await attachDownloadedMedia(event, m, this.channel.id, this.options.media, this.options.callTimeoutMs);
      if (problem) this.options.onError?.('media_download', new Error(problem));
    }
    return event;
  }

  /**
   * Logout from the phone or a rejected session. Local state and the saved session are cleared first,
   * so nothing calls into the dying browser and the next GET /qr starts a fresh login whatever happens
   * next; then the browser and the session folder are removed, best effort: EBUSY on a locked folder
   * or Puppeteer "Target closed" is reported, never thrown.
   */
  private async onLoggedOut(client: WhatsappWebClient, event: 'disconnected' | 'auth_failure', payload: Record<string, unknown>): Promise<void> {
    this.batcher.flush();
    this.resetLocal('disconnected');
    this.reportLifecycle(event, 'disconnected', payload);
    try {
      await this.options.forgetSession?.(this.channel.id);
      await withTimeout(client.destroy(), this.options.callTimeoutMs, 'WhatsApp Web destroy');
      await this.options.cleanupSession?.(this.channel.id);
      this.reportLifecycle('session_cleaned', 'disconnected', payload);
    } catch (err) {
      this.reportLifecycle(event === 'disconnected' ? 'disconnect_error' : 'auth_failure_error', 'disconnected', { ...payload, error: messageOf(err) });
    }
  }

  /** Forgets a client whose browser went away, so the next call starts a new one. */
  private async dropClient(client: WhatsappWebClient): Promise<void> {
    if (this.client !== client) return;
    this.client = undefined;
    this.authenticated = false;
    this.state = 'disconnected';
    await this.safeDestroy(client);
  }

  private resetLocal(state: 'stopped' | 'disconnected'): void {
    this.client = undefined;
    this.lastQr = undefined;
    this.authenticated = false;
    this.state = state;
    this.loginWaiters = [];
  }

  private settleLogin(step: LoginStep): void {
    const waiters = this.loginWaiters;
    this.loginWaiters = [];
    for (const resolve of waiters) resolve(step);
  }

  /** Hands pushed events to the runtime; a failed store is reported, never an unhandled rejection. */
  private push(events: InboundEvent[]): void {
    this.messageHandler?.(this.channel.id, events).catch((err) => this.options.onError?.('ingest', err));
  }

  private async safeDestroy(client: WhatsappWebClient): Promise<void> {
    await withTimeout(client.destroy(), this.options.callTimeoutMs, 'WhatsApp Web destroy').catch(() => undefined);
  }
}
