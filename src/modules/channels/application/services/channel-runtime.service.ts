import type { Logger } from 'pino';
import { AppError, ConflictError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { InboundEvent } from '../../domain/inbound-event';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { BaseProvider, ProviderLifecycleEvent, ProviderState } from '../../infrastructure/providers/base.provider';
import type { ProviderFactory } from '../../infrastructure/providers/provider.factory';
import type { ClusterBus, OwnerAnswer, OwnerCall } from '../../domain/ports/cluster-bus.port';
import type { LeasedChannelStatus } from '../ports/channel-lease.port';
import type { ChannelLeases } from './channel-leases';
import { LEASES_UNAVAILABLE, RemoteChannels, RUNS_ELSEWHERE, isRunsElsewhere, type OwnerOpHandler } from './remote-channels';

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

  private readonly remote: RemoteChannels;

  constructor(
    private readonly channels: ChannelRepository,
    private readonly factory: ProviderFactory,
    private readonly events: RealtimePublisher,
    private readonly logger: Logger,
    private readonly leases: ChannelLeases,
    cluster: ClusterBus,
  ) {
    this.remote = new RemoteChannels(cluster, (channelId) => this.providers.get(channelId), (channel) => this.buildDetached(channel));
  }

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
      const claimed = await this.leases.claim(channel.id).catch((err) => {
        throw new AppError(LEASES_UNAVAILABLE, 'Channel leases cannot be read (Redis unreachable)', 503, { cause: err });
      });
      if (!claimed) throw new ConflictError('Channel runs on another instance', RUNS_ELSEWHERE);
      // Logged before anything starts, so a log's start..stop span covers all the provider's life here.
      this.logger.info({ module: 'runtime', operation: 'startChannel', channel_id: channel.id, instance_id: this.leases.instanceId }, 'channel starting');
      const credentials = (await this.channels.getCredentials(channel)) ?? {};
      if (this.starting.get(channel.id) !== start) {
        await this.leases.release(channel.id);
        throw new ConflictError('Channel was stopped while it was starting', 'CHANNEL_STOPPED');
      }
      const provider = this.createProviderInstance(channel, credentials);
      provider.setMessageHandler((channelId, events) =>
        this.emitMessage(channelId, events).catch((err) => {
          this.logger.error({ module: 'runtime', operation: 'ingest', channel_id: channelId, events: events.length, err }, 'provider-pushed events could not be stored');
          throw err;
        }),
      );
      provider.setLifecycleHandler((_id, event, payload) => {
        void this.leases.publish(channel.id, this.leaseStatus(channel.id));
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
          await this.leases.publish(channel.id, this.leaseStatus(channel.id));
        }
        throw err;
      }
      this.failedStarts.delete(channel.id);
      // Stopped (deleted, deactivated) while its browser was starting: stopChannel already destroyed it.
      if (this.providers.get(channel.id) !== provider) throw new ConflictError('Channel was stopped while it was starting', 'CHANNEL_STOPPED');
      await this.leases.publish(channel.id, this.leaseStatus(channel.id));
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
   * Stops and forgets the channel's provider, if it runs here, then gives its lease up (unless
   * `keepLease`: a restart in place); `announce` false at shutdown (the channel is not stopping,
   * this instance is); `retire` when the channel is deleted (ends its login too).
   */
  async stopChannel(channel: Pick<ChannelEntity, 'id' | 'companyId'>, announce = true, retire = false, keepLease = false): Promise<void> {
    const channelId = channel.id;
    const provider = this.providers.get(channelId);
    // A start in progress is abandoned too, so the next start builds a fresh provider instead of joining it.
    this.starting.delete(channelId);
    this.failedStarts.delete(channelId);
    this.remote.forget(channelId);
    if (provider) {
      this.providers.delete(channelId);
      await (retire ? provider.retire() : provider.destroy()).catch((err) => this.logger.warn({ module: 'runtime', operation: 'stopChannel', channel_id: channelId, err }, 'provider destroy failed'));
      if (announce) this.events.channelEvent(channel, 'stopped', this.statusFields(channelId));
      this.logger.info({ module: 'runtime', operation: 'stopChannel', channel_id: channelId, instance_id: this.leases.instanceId, success: true }, 'channel stopped');
    }
    // Released only once the provider is down, so the next holder never overlaps with it.
    if (!keepLease) await this.leases.release(channelId);
  }

  /** The lease was lost (expired unrenewed, or taken): the channel stops here at once, silently. */
  async stopLost(channelId: string): Promise<void> {
    const provider = this.providers.get(channelId);
    await this.stopChannel(provider?.channelRef ?? { id: channelId, companyId: 0 }, false, false, true);
  }

  /** Starts the channel here unless another instance runs it (then that one keeps it) or leases cannot be read (the keeper starts it later). */
  async ensureStarted(channel: ChannelEntity): Promise<void> {
    await this.startChannel(channel).catch((err) => {
      if (!isRunsElsewhere(err)) throw err;
      if ((err as AppError).code === LEASES_UNAVAILABLE) this.logger.warn({ module: 'runtime', operation: 'startChannel', channel_id: channel.id, err }, 'channel not started: leases unreadable; the lease keeper starts it once Redis answers');
    });
  }

  /**
   * After a credentials or endpoint change: rebuilds the provider from the stored state if it runs
   * here (or starts it here if it runs nowhere); a runner on another instance rebuilds it on the
   * change notice, so this never fails because the channel runs elsewhere.
   */
  async rebuildChannel(channel: ChannelEntity): Promise<void> {
    await this.stopChannel(channel, true, false, true);
    await this.ensureStarted(channel);
  }

  /** Stops then starts the channel with its current stored state (after credential changes), keeping its lease. */
  async restartChannel(channel: ChannelEntity): Promise<BaseProvider> {
    await this.stopChannel(channel, true, false, true);
    return this.startChannel(channel);
  }

  /**
   * Another instance changed the channel: a provider running here is rebuilt from the stored state
   * (new credentials, or stopped if the channel is no longer active). Silent: the instance that made
   * the change already told the agents.
   */
  async refreshChannel(channelId: string): Promise<void> {
    this.remote.forget(channelId);
    const provider = this.providers.get(channelId);
    if (!provider) return;
    const channel = await this.channels.findById(channelId);
    // Gone: deleted on the other instance, so the login ends here, where its browser runs.
    await this.stopChannel(provider.channelRef, false, !channel, Boolean(channel?.isActive));
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
    try {
      return await this.startChannel(current);
    } catch (err) {
      // Another instance runs it: HTTP providers send from here, session providers through their runner.
      if (isRunsElsewhere(err)) return this.remote.sender(current);
      throw err;
    }
  }

  /** Answers a call from another instance for a channel running here (undefined: not here). */
  answerOwnerCall(call: OwnerCall): Promise<OwnerAnswer | undefined> {
    return this.remote.answer(call);
  }

  /** Adds what this instance does for `op` calls of other instances on channels it runs. */
  handleOwnerOp(op: string, handler: OwnerOpHandler): void {
    this.remote.handle(op, handler);
  }

  /** Calls `op` on the instance running the channel; null when none runs it. */
  callOwner(channelId: string, op: string, payload?: unknown): Promise<unknown> {
    return this.remote.call(channelId, op, payload);
  }

  /** A provider for sends only, not started (another instance runs the channel). */
  private async buildDetached(channel: ChannelEntity): Promise<BaseProvider> {
    const credentials = (await this.channels.getCredentials(channel)) ?? {};
    return this.createProviderInstance(channel, credentials);
  }

  /** The channel's runtime status and the instance running it, wherever that is. */
  async describe(channelId: string): Promise<ChannelRuntimeStatus & { ownerInstance: string | null }> {
    const local = this.getChannelStatus(channelId);
    if (local.running || this.leases.holds(channelId)) return { ...local, ownerInstance: this.leases.instanceId };
    const [owner] = await this.leases.owners([channelId]).catch(() => [null]);
    if (!owner || owner.instanceId === this.leases.instanceId) return { ...local, ownerInstance: null };
    const status = owner.status ?? { state: 'initializing', authenticated: false };
    return { channelId, running: true, state: status.state as ProviderState, authenticated: status.authenticated, ...(status.lastError ? { lastError: status.lastError } : {}), ownerInstance: owner.instanceId };
  }

  /** What the lease carries for the other instances. */
  leaseStatus(channelId: string): LeasedChannelStatus {
    const { state, authenticated, lastError } = this.getChannelStatus(channelId);
    return { state, authenticated, ...(lastError ? { lastError } : {}) };
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
    // Leases of channels that failed to start here are given up too, then this instance leaves the live set.
    await Promise.all(this.leases.heldIds().map((id) => this.leases.release(id)));
    await this.leases.leave();
  }
}
