import type { Logger } from 'pino';
import { AppError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { ProviderLifecycleEvent } from '../../infrastructure/providers/base.provider';
import type { QrImageSigner } from '../../infrastructure/providers/whatsapp-web/qr-image';
import type { AuthSessionService } from '../services/auth-session.service';
import type { ChannelRuntimeService } from '../services/channel-runtime.service';

/**
 * What a WhatsApp Web login or logout does to the channel: `ready` activates it with the phone
 * number, a logout or rejected session deactivates it; every step is pushed to the company's agents.
 */
export class WhatsappSessionEvents {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly runtime: ChannelRuntimeService,
    private readonly sessions: AuthSessionService,
    private readonly signer: QrImageSigner,
    private readonly events: RealtimePublisher,
    private readonly logger: Logger,
  ) {}

  /** Handles one lifecycle event of a channel's provider; never throws (it runs inside client event handlers). */
  handle(channel: ChannelEntity, event: ProviderLifecycleEvent, payload: Record<string, unknown>): void {
    this.dispatch(channel, event, payload).catch((err) =>
      this.logger.error({ module: 'whatsapp-web', operation: event, channel_id: channel.id, err }, 'lifecycle event handling failed'),
    );
  }

  private async dispatch(channel: ChannelEntity, event: ProviderLifecycleEvent, payload: Record<string, unknown>): Promise<void> {
    if (event === 'ready') return this.onReady(channel, typeof payload.phone === 'string' ? payload.phone : undefined);
    if (event === 'auth.required') return this.onQr(channel, String(payload.qr ?? ''));
    // Pushed before any await, so agents see `disconnected` before `session_cleaned` or an error.
    this.events.channelEvent(channel, event, payload);
    this.events.channelEvent(channel, 'status.updated', { ...this.runtime.statusFields(channel.id), reason: event });
    if (event === 'disconnected' || event === 'auth_failure') await this.deactivate(channel, event);
  }

  /** A new QR: pushed with a signed image URL, so a browser can show it without another request. */
  private async onQr(channel: ChannelEntity, qr: string): Promise<void> {
    const login = (await this.sessions.getPendingLogin(channel.id)) ?? (await this.sessions.createPendingLogin(channel.id));
    this.events.channelEvent(channel, 'auth.required', { qr, qrCodeUrl: this.signer.url(channel.id, login.sessionId), sessionId: login.sessionId, expiresAt: login.expiresAt });
    this.events.channelEvent(channel, 'status.updated', { ...this.runtime.statusFields(channel.id), reason: 'auth.required' });
  }

  /** Logged in (scan or restored session): the channel is active with its phone number. */
  private async onReady(channel: ChannelEntity, phone: string | undefined): Promise<void> {
    const current = await this.channels.findById(channel.id);
    if (!current) return;
    try {
      const updated = await this.activate(current, phone);
      this.events.channelEvent(updated, 'started', this.runtime.statusFields(channel.id));
      this.events.channelEvent(updated, 'status.updated', { is_active: true, ...this.runtime.statusFields(channel.id), reason: 'ready' });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // The number belongs to another live channel: this one stays inactive and the agents are told why.
      this.events.channelEvent(current, 'auth_failure', { code: err.code, message: err.message });
      this.logger.warn({ module: 'whatsapp-web', operation: 'ready', channel_id: channel.id, error_code: err.code }, 'login not activated');
    }
  }

  /** Sets the channel active with the logged-in number (409 CHANNEL_ACCOUNT_TAKEN when another live channel has it). */
  async activate(channel: ChannelEntity, phone: string | undefined): Promise<ChannelEntity> {
    const account = phone ?? channel.providerAccount;
    if (channel.isActive && channel.providerAccount === account) return channel;
    return this.channels.update(channel.id, { isActive: true, providerAccount: account });
  }

  /** Logged out: the channel is inactive until a new scan; its saved session is already being removed. */
  private async deactivate(channel: ChannelEntity, reason: 'disconnected' | 'auth_failure'): Promise<void> {
    const current = await this.channels.findById(channel.id);
    if (!current?.isActive) return;
    const updated = await this.channels.update(channel.id, { isActive: false });
    this.events.channelEvent(updated, 'status.updated', { is_active: false, ...this.runtime.statusFields(channel.id), reason });
  }
}
