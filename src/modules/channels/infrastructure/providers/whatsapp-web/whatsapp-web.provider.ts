import { ProviderUnavailableError } from '../../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';
import type { InboundEvent } from '../../../domain/inbound-event';
import { BaseProvider, ProviderSendError, type Capability, type OutboundMessage, type SendResult, type ValidatedAccount } from '../base.provider';
import type { WhatsappClientFactory, WhatsappWebClient, WhatsappWebMessage } from './whatsapp-web-client.port';
import { toInboundMessage, toStatusEvent } from './whatsapp-web-message.mapper';
import { TimeoutError, withTimeout } from './with-timeout';

/** Settings of WhatsApp Web providers. */
export interface WhatsappWebOptions {
  createClient: WhatsappClientFactory;
  /** Start-up (browser launch and page load). */
  startTimeoutMs: number;
  /** Every other call into the browser (send, state, destroy). */
  callTimeoutMs: number;
  /** Removes the channel's saved session (store and disk); may throw EBUSY or protocol errors. */
  cleanupSession?: (channelId: string) => Promise<void>;
}

/** The next step of a QR login: a QR to scan, or already logged in (restored session). */
export type LoginStep = { qr: string } | { authenticated: true };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** WhatsApp Web adapter over a whatsapp-web.js client: QR login, pushed messages and acks. */
export class WhatsappWebProvider extends BaseProvider {
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['send_text', 'qr_login']);
  private client?: WhatsappWebClient;
  private lastQr?: string;
  private authenticated = false;
  private phone?: string;
  private loginWaiters: Array<(step: LoginStep) => void> = [];

  constructor(
    channel: ChannelEntity,
    credentials: Record<string, unknown>,
    private readonly options: WhatsappWebOptions,
  ) {
    super(channel, credentials);
  }

  /** Starts the browser; a failed start destroys it so no Chromium outlives the attempt. */
  async initialize(): Promise<void> {
    if (this.client) return;
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
      throw new ProviderUnavailableError(`WhatsApp Web could not start: ${messageOf(err)}`);
    }
  }

  /** Stops the browser; never throws (a hung or crashed browser is abandoned after the timeout). */
  async destroy(): Promise<void> {
    const client = this.client;
    this.resetLocal('stopped');
    if (client) await this.safeDestroy(client);
  }

  /** QR channels have no credentials to check: the login happens by scanning. */
  async validateCredentials(): Promise<ValidatedAccount> {
    return { providerAccount: this.phone ?? this.channel.providerAccount ?? '', details: { kind: 'whatsapp_web' } };
  }

  async sendMessage(message: OutboundMessage): Promise<SendResult> {
    const client = this.client;
    if (!client || this.state !== 'ready') throw new ProviderSendError('NOT_CONNECTED', 'WhatsApp Web is not connected', true);
    const chatId = message.to.includes('@') ? message.to : `${message.to.replace(/^\+/, '')}@c.us`;
    try {
      const sent = await withTimeout(client.sendMessage(chatId, message.text), this.options.callTimeoutMs, 'WhatsApp Web send');
      return { externalId: sent.id._serialized };
    } catch (err) {
      if (err instanceof TimeoutError) throw new ProviderSendError('TIMEOUT', err.message, true);
      throw new ProviderSendError('WA_SEND_FAILED', `WhatsApp Web refused the message: ${messageOf(err)}`, false);
    }
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
      this.state = 'ready';
      this.settleLogin({ authenticated: true });
    }));
    client.on('disconnected', current((reason: unknown) => void this.onLoggedOut(client, 'disconnected', { reason: String(reason ?? '') })));
    client.on('auth_failure', current((msg: unknown) => void this.onLoggedOut(client, 'auth_failure', { message: String(msg ?? '') })));
    client.on('message', current((m: WhatsappWebMessage) => {
      const event = toInboundMessage(m);
      if (event) this.push([event]);
    }));
    client.on('message_ack', current((m: WhatsappWebMessage, ack: number) => {
      const event = toStatusEvent(m, ack);
      if (event) this.push([event]);
    }));
  }

  /**
   * Logout from the phone or a rejected session. Local state is cleared first so nothing calls into
   * the dying browser; then the browser and the saved session are removed, best effort: EBUSY on a
   * locked folder or Puppeteer "Target closed" is reported, never thrown.
   */
  private async onLoggedOut(client: WhatsappWebClient, event: 'disconnected' | 'auth_failure', payload: Record<string, unknown>): Promise<void> {
    this.resetLocal('disconnected');
    this.reportLifecycle(event, 'disconnected', payload);
    try {
      await withTimeout(client.destroy(), this.options.callTimeoutMs, 'WhatsApp Web destroy');
      await this.options.cleanupSession?.(this.channel.id);
      this.reportLifecycle('session_cleaned', 'disconnected', payload);
    } catch (err) {
      this.reportLifecycle(event === 'disconnected' ? 'disconnect_error' : 'auth_failure_error', 'disconnected', { ...payload, error: messageOf(err) });
    }
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

  /** Hands pushed events to the runtime; a failed store is the runtime's to log, never an unhandled rejection. */
  private push(events: InboundEvent[]): void {
    this.messageHandler?.(this.channel.id, events).catch(() => undefined);
  }

  private async safeDestroy(client: WhatsappWebClient): Promise<void> {
    await withTimeout(client.destroy(), this.options.callTimeoutMs, 'WhatsApp Web destroy').catch(() => undefined);
  }
}
