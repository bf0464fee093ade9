import { companyScope, type AuthUser } from '../../../../shared/auth/permissions';
import { CapabilityNotSupportedError, ConflictError, ForbiddenError, NotFoundError, ProviderUnavailableError, ValidationError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import { renderQrSvg, type QrImageSigner } from '../../infrastructure/providers/whatsapp-web/qr-image';
import { WhatsappWebProvider, type LoginStep } from '../../infrastructure/providers/whatsapp-web/whatsapp-web.provider';
import { isRunsElsewhere } from '../services/remote-channels';
import type { AuthSessionService, PendingLogin } from '../services/auth-session.service';
import type { ChannelRuntimeService } from '../services/channel-runtime.service';
import type { WhatsappSessionEvents } from './whatsapp-session-events.use-case';

/** Answer of GET /api/channels/:id/qr. */
export type QrLoginAnswer =
  | { sessionRestored: true; status: 'authenticated' }
  | { sessionRestored: false; status: 'authenticated'; sessionId: string; expiresAt: string }
  | { status: 'pending'; qrCode: string; qrCodeUrl: string; sessionId: string; expiresAt: string };

/** What a running browser says about its login (crosses instances as JSON). */
interface LoginState {
  loggedIn: boolean;
  phone?: string;
  qr?: string;
}

function stateOf(provider: WhatsappWebProvider): LoginState {
  return { loggedIn: provider.isLoggedIn, phone: provider.phoneNumber, qr: provider.currentQr };
}

/** True for WhatsApp Web channels, the only ones with a QR login. */
export function isWhatsappWeb(channel: Pick<ChannelEntity, 'provider' | 'type'>): boolean {
  return channel.provider === 'CUSTOM' && channel.type === 'WHATSAPP';
}

/** QR login of WhatsApp Web channels: get the QR (or restore the saved session), complete the login, serve the QR image. */
export class ChannelAuthUseCases {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly runtime: ChannelRuntimeService,
    private readonly sessions: AuthSessionService,
    private readonly signer: QrImageSigner,
    private readonly events: RealtimePublisher,
    private readonly sessionEvents: WhatsappSessionEvents,
    private readonly qrWaitMs = 30_000,
  ) {}

  /** A WhatsApp Web channel of the caller's company: 404 for another company's, 400 for other channel kinds. */
  private async qrChannel(user: AuthUser, id: string): Promise<ChannelEntity> {
    const channel = await this.channels.findById(id, companyScope(user));
    if (!channel) throw new NotFoundError('Channel');
    if (!isWhatsappWeb(channel)) throw new CapabilityNotSupportedError('QR login', channel.provider);
    return channel;
  }

  /** Starts (or reuses) the channel's browser; a provider left logged out or failed is started afresh. */
  private async start(channel: ChannelEntity): Promise<WhatsappWebProvider> {
    let provider = await this.runtime.startChannel(channel);
    if (['disconnected', 'error', 'stopped'].includes(provider.getState())) provider = await this.runtime.restartChannel(channel);
    if (!(provider instanceof WhatsappWebProvider)) throw new CapabilityNotSupportedError('QR login', channel.provider);
    return provider;
  }

  /** The next login step from the browser, here or on the instance running the channel. */
  private async loginStep(channel: ChannelEntity): Promise<LoginStep> {
    try {
      const provider = await this.start(channel);
      return await provider.waitForLogin(this.qrWaitMs).catch((err: unknown) => {
        throw new ProviderUnavailableError(`WhatsApp Web gave no QR: ${err instanceof Error ? err.message : String(err)}`);
      });
    } catch (err) {
      if (!isRunsElsewhere(err)) throw err;
      const step = (await this.runtime.callOwner(channel.id, 'login')) as LoginStep | null;
      if (!step) throw new ProviderUnavailableError('The instance running the channel is not reachable; try again');
      return step;
    }
  }

  /** The browser's login state, here or on the instance running the channel (null: it runs nowhere). */
  private async loginState(channelId: string): Promise<LoginState | null> {
    const provider = this.runtime.runningProvider(channelId);
    if (provider instanceof WhatsappWebProvider) return stateOf(provider);
    if (provider) return null;
    return (await this.runtime.callOwner(channelId, 'login-state').catch(() => null)) as LoginState | null;
  }

  /** The runner's side of loginStep and loginState, for calls from the other instances. */
  registerRunnerOps(): void {
    this.runtime.handleOwnerOp('login', async (provider) => {
      const channel = await this.channels.findById(provider.channelRef.id);
      if (!channel) throw new NotFoundError('Channel');
      return this.loginStep(channel);
    });
    this.runtime.handleOwnerOp('login-state', async (provider) => (provider instanceof WhatsappWebProvider ? stateOf(provider) : null));
  }

  /**
   * The saved session is restored when one exists and WhatsApp takes it; otherwise (none saved, or
   * WhatsApp answers the restore with a QR: the session is stale and is dropped) the first QR.
   */
  async qr(user: AuthUser, id: string): Promise<QrLoginAnswer> {
    const channel = await this.qrChannel(user, id);
    const saved = await this.sessions.hasSerializedSession(channel.id);
    const step = await this.loginStep(channel);
    if (saved && 'authenticated' in step) return { sessionRestored: true, status: 'authenticated' };
    if (saved) await this.sessions.deleteSerializedSession(channel.id);
    const login = (await this.sessions.getPendingLogin(channel.id)) ?? (await this.sessions.createPendingLogin(channel.id));
    if ('authenticated' in step) return { sessionRestored: false, status: 'authenticated', sessionId: login.sessionId, expiresAt: login.expiresAt };
    return { status: 'pending', qrCode: step.qr, qrCodeUrl: this.signer.url(channel.id, login.sessionId), sessionId: login.sessionId, expiresAt: login.expiresAt };
  }

  /**
   * Completes the login once WhatsApp accepted the scan: the channel is active with its phone number
   * (usually already, by the client's `ready`); the caller's metadata is kept in the channel's config.
   */
  async complete(user: AuthUser, id: string, sessionId: string, metadata?: Record<string, unknown>): Promise<ChannelEntity> {
    const channel = await this.qrChannel(user, id);
    const login = await this.sessions.getPendingLogin(channel.id);
    if (!login || login.sessionId !== sessionId) {
      throw new ValidationError('Unknown QR session', [{ field: 'sessionId', message: 'sessionId is not the pending QR session of this channel' }], 'INVALID_SESSION');
    }
    const state = await this.loginState(channel.id);
    if (!state?.loggedIn) throw new ConflictError('The QR code has not been scanned yet', 'NOT_AUTHENTICATED');
    const current = (await this.channels.findById(channel.id)) ?? channel;
    let updated = await this.sessionEvents.activate(current, state.phone);
    if (metadata) updated = await this.channels.update(channel.id, { config: { ...updated.config, login_metadata: metadata } });
    await this.sessions.deletePendingLogin(channel.id);
    if (!current.isActive) this.events.channelEvent(updated, 'status.updated', { is_active: true, ...this.runtime.statusFields(channel.id), reason: 'authenticated' });
    return updated;
  }

  /** The current QR as SVG, for a signed URL (no Bearer): 403 for a bad or expired signature, 404 when no QR is waiting. */
  async qrImage(id: string, sessionId: string, exp: unknown, sig: unknown): Promise<string> {
    if (!this.signer.verify(id, sessionId, exp, sig)) throw new ForbiddenError('Invalid or expired QR link', 'INVALID_QR_SIGNATURE');
    const login: PendingLogin | null = await this.sessions.getPendingLogin(id);
    const qr = login?.sessionId === sessionId ? (await this.loginState(id))?.qr : undefined;
    if (!qr) throw new NotFoundError('QR session');
    return renderQrSvg(qr);
  }
}
