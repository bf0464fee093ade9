import type { Logger } from 'pino';
import { companyScope, type AuthUser } from '../../../../shared/auth/permissions';
import { NotFoundError, ValidationError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { ClusterBus } from '../../domain/ports/cluster-bus.port';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { CompanyRepository } from '../../domain/repositories/company.repository.interface';
import type { Page } from '../../domain/repositories/pagination';
import type { CreateChannelDto, ListChannelsQuery, UpdateChannelDto } from '../../shared/dtos/channel.dto';
import { metaCredentialsSchema } from '../../infrastructure/providers/meta/meta-credentials';
import { assertTwilioChannel, assertTwilioConfig } from '../../infrastructure/providers/twilio/twilio-credentials';
import type { AuthSessionService, PendingLogin } from '../services/auth-session.service';
import type { ChannelRuntimeService, ChannelRuntimeStatus } from '../services/channel-runtime.service';
import { isCustomWebhook } from '../../infrastructure/providers/custom/custom-channel';
import { isWhatsappWeb } from './channel-auth.use-cases';
import { assertAgentOfCompany, listScope, targetCompany } from './access';

/** Defaults for META channels whose credentials lack their own app secret. */
export interface ChannelDefaults {
  metaAppSecret?: string;
}

/** Channel stories: create (credentials checked with the provider first), read, change, activate, delete. */
export class ChannelUseCases {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly companies: CompanyRepository,
    private readonly runtime: ChannelRuntimeService,
    private readonly events: RealtimePublisher,
    private readonly cluster: ClusterBus,
    private readonly defaults: ChannelDefaults,
    private readonly logger: Logger,
    private readonly sessions: AuthSessionService,
  ) {}

  /**
   * Creates a channel; for token providers the credentials are checked before anything is stored,
   * then it is active at once. A WhatsApp Web channel (CUSTOM + WHATSAPP) has nothing to check: it
   * is stored inactive, not started, with a pending QR login session (`authSession`).
   */
  async create(user: AuthUser, dto: CreateChannelDto): Promise<ChannelEntity & { authSession?: PendingLogin }> {
    const companyId = targetCompany(user, dto.company_id);
    if (!(await this.companies.findCompany(companyId))) {
      throw new ValidationError('Invalid company', [{ field: 'company_id', message: 'company_id does not exist' }], 'COMPANY_NOT_FOUND');
    }
    await assertAgentOfCompany(this.companies, dto.default_agent_id, companyId, 'default_agent_id');
    const credentials = dto.credentials ?? null;
    const draft = this.draft(companyId, dto);
    const qrLogin = isWhatsappWeb(draft);
    const account = qrLogin ? undefined : await this.checkCredentials(draft, credentials);
    const started = Date.now();
    const channel = await this.channels.create({
      companyId,
      name: dto.name,
      type: dto.type,
      provider: dto.provider,
      config: { ...(dto.config ?? {}), ...(account ? { account: account.details } : {}) },
      isActive: !qrLogin,
      providerAccount: account?.providerAccount ?? dto.provider_account ?? null,
      defaultAgentId: dto.default_agent_id ?? null,
      credentials,
    });
    // Other instances may remember that no channel had this number (a webhook before the channel): they forget it now.
    await this.cluster.channelChanged(channel.id);
    if (qrLogin) {
      const authSession = await this.sessions.createPendingLogin(channel.id);
      this.logger.info({ module: 'channels', operation: 'create', channel_id: channel.id, duration_ms: Date.now() - started, success: true }, 'channel created, QR login pending');
      return { ...channel, authSession };
    }
    await this.runtime.ensureStarted(channel);
    this.logger.info({ module: 'channels', operation: 'create', channel_id: channel.id, duration_ms: Date.now() - started, success: true }, 'channel created');
    return channel;
  }

  async list(user: AuthUser, query: ListChannelsQuery): Promise<Page<ChannelEntity>> {
    const companyId = listScope(user, query.company_id);
    return this.channels.list({ companyId, type: query.type, provider: query.provider, isActive: query.is_active }, query);
  }

  /** A channel of the caller's company; another company's is a 404. */
  async get(user: AuthUser, id: string): Promise<ChannelEntity> {
    const channel = await this.channels.findById(id, companyScope(user));
    if (!channel) throw new NotFoundError('Channel');
    return channel;
  }

  /** A channel with its runtime status and the instance running it, as seen from any instance. */
  async getWithStatus(user: AuthUser, id: string): Promise<{ channel: ChannelEntity; runtime: ChannelRuntimeStatus & { ownerInstance: string | null } }> {
    const channel = await this.get(user, id);
    return { channel, runtime: await this.runtime.describe(channel.id) };
  }

  /**
   * Changes name, config, default agent or credentials. New credentials are merged over the stored
   * ones (so a token rotation keeps the app secret), checked with the provider, then the runtime restarts.
   */
  async update(user: AuthUser, id: string, dto: UpdateChannelDto): Promise<ChannelEntity> {
    const channel = await this.get(user, id);
    await assertAgentOfCompany(this.companies, dto.default_agent_id, channel.companyId, 'default_agent_id');
    if (dto.config && channel.provider === 'TWILIO') assertTwilioConfig(channel, dto.config);
    let credentials: Record<string, unknown> | undefined;
    // A custom webhook channel keeps its outboundUrl in config: a new config is checked and rebuilds the provider like new credentials.
    const customConfig = dto.config !== undefined && isCustomWebhook(channel);
    const target = customConfig ? { ...channel, config: dto.config! } : channel;
    if (dto.credentials) {
      credentials = { ...((await this.channels.getCredentials(channel)) ?? {}), ...dto.credentials };
      const account = await this.checkCredentials(target, credentials);
      if (account && channel.providerAccount && account.providerAccount !== channel.providerAccount) {
        throw new ValidationError('Credentials belong to another account', [{ field: 'credentials', message: 'new credentials must be for the same provider_account' }]);
      }
    } else if (customConfig) await this.checkCredentials(target, await this.channels.getCredentials(channel));
    // `config.account` is what the provider confirmed at creation; the client's config cannot drop it.
    const config = dto.config && channel.config.account ? { ...dto.config, account: channel.config.account } : dto.config;
    const updated = await this.channels.update(channel.id, { name: dto.name, config, defaultAgentId: dto.default_agent_id, credentials });
    const rebuild = Boolean(credentials) || customConfig;
    try {
      if (rebuild && updated.isActive) await this.runtime.rebuildChannel(updated);
    } finally {
      // Stored either way: every instance forgets its cached copy before the answer, and the runner
      // (wherever it is) rebuilds its provider when the credentials or the endpoint changed.
      await this.cluster.channelChanged(updated.id, rebuild);
    }
    return updated;
  }

  /**
   * Soft delete: sets deleted_at first, then stops the runtime, so a queued send re-reading the
   * channel meanwhile finds it gone instead of starting a new provider for it.
   */
  async remove(user: AuthUser, id: string): Promise<void> {
    const channel = await this.get(user, id);
    await this.channels.softDelete(channel.id);
    await this.runtime.stopChannel(channel, true, true);
    // A saved WhatsApp Web login of a channel not running here is dropped too: no session outlives its channel.
    if (isWhatsappWeb(channel)) await this.sessions.deleteSerializedSession(channel.id);
    this.announce(channel, false, 'deleted');
    // Answered once every instance has forgotten the channel: no webhook for it is taken after the 200.
    await this.cluster.channelChanged(channel.id);
  }

  async activate(user: AuthUser, id: string): Promise<ChannelEntity> {
    const channel = await this.get(user, id);
    const updated = channel.isActive ? channel : await this.channels.update(channel.id, { isActive: true });
    await this.runtime.ensureStarted(updated);
    if (!channel.isActive) {
      this.announce(updated, true, 'activated');
      // Webhook lookups cached on every instance still say inactive.
      await this.cluster.channelChanged(updated.id);
    }
    return updated;
  }

  /** Stores inactive first, then stops: a concurrent send re-reads the channel and cannot restart it. */
  async deactivate(user: AuthUser, id: string): Promise<ChannelEntity> {
    const channel = await this.get(user, id);
    const updated = channel.isActive ? await this.channels.update(channel.id, { isActive: false }) : channel;
    await this.runtime.stopChannel(channel);
    if (channel.isActive) {
      this.announce(updated, false, 'deactivated');
      await this.cluster.channelChanged(channel.id);
    }
    return updated;
  }

  /** channel.status.updated for a change of the stored state, with the runtime state after it. */
  private announce(channel: ChannelEntity, isActive: boolean, reason: string): void {
    this.events.channelEvent(channel, 'status.updated', { is_active: isActive, ...this.runtime.statusFields(channel.id), reason });
  }

  private draft(companyId: number, dto: CreateChannelDto): ChannelEntity {
    const now = new Date();
    return {
      id: '00000000-0000-4000-8000-000000000000',
      companyId,
      name: dto.name,
      type: dto.type,
      provider: dto.provider,
      config: dto.config ?? {},
      isActive: false,
      credentialsId: null,
      providerAccount: dto.provider_account ?? null,
      defaultAgentId: dto.default_agent_id ?? null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
  }

  /** Provider-specific rules, then the provider's own check (400 rejected, 502 unreachable); nothing is stored before. */
  private async checkCredentials(channel: ChannelEntity, credentials: Record<string, unknown> | null) {
    const provider = this.runtime.createProviderInstance(channel, credentials ?? {});
    if (channel.provider === 'TWILIO') assertTwilioChannel(channel, credentials);
    if (channel.provider === 'META') {
      const { error } = metaCredentialsSchema.required().validate(credentials ?? undefined, { abortEarly: false });
      if (error) throw new ValidationError('Invalid credentials', error.details.map((d) => ({ field: `credentials.${d.path.join('.')}`, message: d.message.replace(/"/g, "'") })));
      const phoneNumberId = String(credentials?.phoneNumberId ?? '');
      if (channel.providerAccount && channel.providerAccount !== phoneNumberId && !channel.credentialsId) {
        throw new ValidationError('Invalid provider_account', [{ field: 'provider_account', message: 'for META, provider_account is the phone number id (credentials.phoneNumberId)' }]);
      }
      if (!credentials?.appSecret && !this.defaults.metaAppSecret) {
        throw new ValidationError('Missing app secret', [{ field: 'credentials.appSecret', message: 'appSecret is required to verify webhooks (or set META_APP_SECRET)' }]);
      }
    }
    return provider.validateCredentials();
  }
}
