import type { Logger } from 'pino';
import { ConflictError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { InboundEvent } from '../../domain/inbound-event';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { BaseProvider, ProviderLifecycleEvent, ProviderState } from '../../infrastructure/providers/base.provider';
import type { ProviderFactory } from '../../infrastructure/providers/provider.factory';

/** Runtime view of a channel for the API and sockets. */
export interface ChannelRuntimeStatus {
  channelId: string;
  running: boolean;
  state: ProviderState;
  authenticated: boolean;
  /** Why the last start failed here (state `error`), until the channel starts or stops. */
  lastError?: string;
}

/** Where provider-pushed events go (the ingest use case). */
export type IngestHandler = (channel: ChannelEntity, events: InboundEvent[]) => Promise<unknown>;

/** Turns provider lifecycle events into channel state and agent events (QR logins); false: not its channel, use the default. */
export type LifecycleListener = (channel: ChannelEntity, event: ProviderLifecycleEvent, payload: Record<string, unknown>) => boolean;

/** Holds the running provider of every active channel of this instance. */
export class ChannelRuntimeService {
  private readonly providers = new Map<string, BaseProvider>();
  private readonly starting = new Map<string, Promise<BaseProvider>>();
  /** Channels whose last start failed here, with the reason, so their status says `error` rather than `stopped`. */
  private readonly failedStarts = new Map<string, string>();
  private ingest?: IngestHandler;
  private lifecycle?: LifecycleListener;

  constructor(
    private readonly channels: ChannelRepository,
    private readonly factory: ProviderFactory,
    private readonly events: RealtimePublisher,
    private readonly logger: Logger,
  ) {}

  /** Sets where provider-pushed events are stored (wired by the container to avoid a cycle). */
  setIngestHandler(handler: IngestHandler): void {
    this.ingest = handler;
  }

  /** Sets who handles provider lifecycle events; events it declines are forwarded to agents as they are. */
  setLifecycleListener(listener: LifecycleListener): void {
    this.lifecycle = listener;
  }

  /** Builds a provider without starting it (credential checks before a channel is saved). */
  createProviderInstance(channel: ChannelEntity, credentials: Record<string, unknown>): BaseProvider {
    return this.factory.create(channel, credentials);
  }

  /** Starts every active channel at boot; one failing channel does not stop the others. */
  async initializeActiveChannels(): Promise<{ started: number; failed: number }> {
    const active = await this.channels.listActive();
    let failed = 0;
    await Promise.all(
      active.map((c) =>
        this.startChannel(c).catch((err) => {
          failed++;
          this.logger.error({ module: 'runtime', operation: 'initializeActiveChannels', channel_id: c.id, err }, 'channel failed to start');
        }),
      ),
    );
    return { started: active.length - failed, failed };
  }

  /** Starts the channel's provider once; concurrent callers share the same start. `announce` false for a silent refresh. */
  async startChannel(channel: ChannelEntity, announce = true): Promise<BaseProvider> {
    const running = this.providers.get(channel.id);
    if (running) return running;
    const pending = this.starting.get(channel.id);
    if (pending) return pending;
    // Declared first: the start checks, after its awaits, that it is still the channel's current one.
    let start: Promise<BaseProvider> | undefined = undefined;
    start = (async () => {
      const started = Date.now();
      const credentials = (await this.channels.getCredentials(channel)) ?? {};
      if (this.starting.get(channel.id) !== start) throw new ConflictError('Channel was stopped while it was starting', 'CHANNEL_STOPPED');
      const provider = this.createProviderInstance(channel, credentials);
      provider.setMessageHandler((channelId, events) =>
        this.emitMessage(channelId, events).catch((err) => {
          this.logger.error({ module: 'runtime', operation: 'ingest', channel_id: channelId, events: events.length, err }, 'provider-pushed events could not be stored');
          throw err;
        }),
      );
      provider.setLifecycleHandler((_id, event, payload) => {
        if (this.lifecycle?.(channel, event, payload)) return;
        if (event !== 'ready') this.events.channelEvent(channel, event, payload);
        this.events.channelEvent(channel, 'status.updated', { ...this.statusFields(channel.id), reason: event });
      });
      this.providers.set(channel.id, provider);
      try {
        await provider.initialize();
      } catch (err) {
        if (this.providers.get(channel.id) === provider) {
          this.providers.delete(channel.id);
          this.failedStarts.set(channel.id, err instanceof Error ? err.message : String(err));
          if (announce) this.events.channelEvent(channel, 'status.updated', { ...this.statusFields(channel.id), reason: 'start_failed', error: this.failedStarts.get(channel.id) });
        }
        throw err;
      }
      this.failedStarts.delete(channel.id);
      // Stopped (deleted, deactivated) while its browser was starting: stopChannel already destroyed it.
      if (this.providers.get(channel.id) !== provider) throw new ConflictError('Channel was stopped while it was starting', 'CHANNEL_STOPPED');
      // Session providers announce `started` once logged in (their `ready`), not when the browser opens.
      if (announce && !provider.announcesReady) this.events.channelEvent(channel, 'started', this.statusFields(channel.id));
      this.logger.info({ module: 'runtime', operation: 'startChannel', channel_id: channel.id, duration_ms: Date.now() - started, success: true }, 'channel started');
      return provider;
    })();
    this.starting.set(channel.id, start);
    try {
      return await start;
    } finally {
      if (this.starting.get(channel.id) === start) this.starting.delete(channel.id);
    }
  }

  /**
   * Stops and forgets the channel's provider, if it runs here; `announce` false at shutdown (the
   * channel is not stopping, this instance is); `retire` when the channel is deleted (ends its login too).
   */
  async stopChannel(channel: Pick<ChannelEntity, 'id' | 'companyId'>, announce = true, retire = false): Promise<void> {
    const channelId = channel.id;
    const provider = this.providers.get(channelId);
    // A start in progress is abandoned too, so the next start builds a fresh provider instead of joining it.
    this.starting.delete(channelId);
    this.failedStarts.delete(channelId);
    if (!provider) return;
    this.providers.delete(channelId);
    await (retire ? provider.retire() : provider.destroy()).catch((err) => this.logger.warn({ module: 'runtime', operation: 'stopChannel', channel_id: channelId, err }, 'provider destroy failed'));
    if (announce) this.events.channelEvent(channel, 'stopped', this.statusFields(channelId));
    this.logger.info({ module: 'runtime', operation: 'stopChannel', channel_id: channelId, success: true }, 'channel stopped');
  }

  /** Stops then starts the channel with its current stored state (after credential changes). */
  async restartChannel(channel: ChannelEntity): Promise<BaseProvider> {
    await this.stopChannel(channel);
    return this.startChannel(channel);
  }

  /**
   * Another instance changed the channel: a provider running here is rebuilt from the stored state
   * (new credentials, or stopped if the channel is no longer active). Silent: the instance that made
   * the change already told the agents.
   */
  async refreshChannel(channelId: string): Promise<void> {
    const provider = this.providers.get(channelId);
    if (!provider) return;
    const channel = await this.channels.findById(channelId);
    // Gone: deleted on the other instance, so the login ends here, where its browser runs.
    await this.stopChannel(provider.channelRef, false, !channel);
    if (channel?.isActive) await this.startChannel(channel, false);
  }

  /**
   * The running provider, started on demand; the channel is re-read first so a caller holding a
   * stale copy cannot restart a provider that a concurrent deactivation just stopped.
   */
  async getProvider(channel: ChannelEntity): Promise<BaseProvider> {
    const running = this.providers.get(channel.id);
    if (running) return running;
    const current = await this.channels.findById(channel.id);
    if (!current?.isActive) throw new ConflictError('Channel is not active', 'CHANNEL_INACTIVE');
    return this.startChannel(current);
  }

  /** The provider running here for the channel, without starting one. */
  runningProvider(channelId: string): BaseProvider | undefined {
    return this.providers.get(channelId);
  }

  /** Runtime fields carried by channel events. */
  statusFields(channelId: string) {
    const { state, running, authenticated } = this.getChannelStatus(channelId);
    return { status: state, running, authenticated };
  }

  getChannelStatus(channelId: string): ChannelRuntimeStatus {
    const provider = this.providers.get(channelId);
    const lastError = provider ? undefined : this.failedStarts.get(channelId);
    return {
      channelId,
      running: Boolean(provider),
      state: provider?.getState() ?? (lastError ? 'error' : 'stopped'),
      authenticated: provider?.isAuthenticated() ?? false,
      ...(lastError ? { lastError } : {}),
    };
  }

  /** Hands provider-pushed events of a channel to the ingest use case. */
  async emitMessage(channelId: string, events: InboundEvent[]): Promise<void> {
    const channel = await this.channels.findById(channelId);
    if (!channel || !this.ingest) return;
    await this.ingest(channel, events);
  }

  /** Number of providers running on this instance. */
  get size(): number {
    return this.providers.size;
  }

  /** Stops every provider (shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => this.stopChannel(p.channelRef, false)));
  }
}
