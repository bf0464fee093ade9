import type { Logger } from 'pino';
import type { ChannelLeaseStore, LeasedChannelStatus } from '../ports/channel-lease.port';

/** How long a lease lives and how often its holder renews it (LEASE_TTL_MS, LEASE_RENEW_MS). */
export interface LeaseTiming {
  ttlMs: number;
  renewMs: number;
}

/** Who runs a channel, as another instance sees it. */
export interface ChannelOwner {
  instanceId: string;
  status: LeasedChannelStatus | null;
}

/**
 * This instance's leases: which channels it may run, until when. A lease whose renewal cannot be
 * confirmed is given up locally before it could expire in Redis (`expiring`), so its channel is
 * stopped here before another instance can take it.
 */
export class ChannelLeases {
  /** Held channel id -> local time until which the lease is known to be ours. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly store: ChannelLeaseStore,
    readonly instanceId: string,
    readonly timing: LeaseTiming,
    private readonly logger: Logger,
  ) {}

  /** True when this instance holds the channel's lease. */
  holds(channelId: string): boolean {
    return this.held.has(channelId);
  }

  /** The channels whose leases this instance holds. */
  heldIds(): string[] {
    return [...this.held.keys()];
  }

  /** Takes the channel's lease unless another instance holds it. */
  async claim(channelId: string): Promise<boolean> {
    const sent = Date.now();
    const ok = await this.withTimeout(this.store.acquire(channelId, this.instanceId, this.timing.ttlMs));
    if (ok) this.held.set(channelId, sent + this.timing.ttlMs);
    return ok;
  }

  /** Gives the lease up (after the channel stopped here); a failure only delays the takeover to the lease's expiry. */
  async release(channelId: string): Promise<void> {
    if (!this.held.delete(channelId)) return;
    await this.withTimeout(this.store.release(channelId, this.instanceId)).catch((err) =>
      this.logger.warn({ module: 'leases', operation: 'release', channel_id: channelId, err }, 'lease not released; it expires by itself'),
    );
  }

  /** Renews every held lease with the channel's status; returns the channels that must stop here (lost or unconfirmed). */
  async renew(statusOf: (channelId: string) => LeasedChannelStatus): Promise<string[]> {
    const ids = this.heldIds();
    if (!ids.length) return [];
    const sent = Date.now();
    const lost: string[] = [];
    try {
      const kept = await this.withTimeout(this.store.renew(ids.map((channelId) => ({ channelId, status: statusOf(channelId) })), this.instanceId, this.timing.ttlMs));
      for (const id of ids) {
        if (!this.held.has(id)) continue;
        if (kept.has(id)) this.held.set(id, sent + this.timing.ttlMs);
        else lost.push(id);
      }
    } catch (err) {
      // Not lost yet: the watchdog (expiring) gives each lease up before its last confirmed expiry.
      this.logger.warn({ module: 'leases', operation: 'renew', err }, 'leases not renewed');
    }
    for (const id of lost) this.held.delete(id);
    return lost;
  }

  /**
   * Gives up, and returns, the leases that are not confirmed for more than `marginMs` from now: a
   * renewal that hangs, fails or comes too late must not leave a channel running here once its lease
   * may have expired in Redis and another instance may take it.
   */
  expiring(marginMs: number): string[] {
    const limit = Date.now() + marginMs;
    const gone = [...this.held].filter(([, until]) => until <= limit).map(([id]) => id);
    for (const id of gone) this.held.delete(id);
    return gone;
  }

  /** Publishes a held channel's status at once (started, failed, logged out) instead of at the next renewal. */
  async publish(channelId: string, status: LeasedChannelStatus): Promise<void> {
    if (!this.held.has(channelId)) return;
    await this.withTimeout(this.store.renew([{ channelId, status }], this.instanceId, this.timing.ttlMs)).catch((err) =>
      this.logger.warn({ module: 'leases', operation: 'publish', channel_id: channelId, err }, 'channel status not published; the next renewal does'),
    );
  }

  /** The holder of each channel's lease (null: free). */
  owners(channelIds: string[]): Promise<(ChannelOwner | null)[]> {
    return this.withTimeout(this.store.owners(channelIds));
  }

  /** Says this instance is alive; returns every live instance. */
  heartbeat(): Promise<string[]> {
    return this.withTimeout(this.store.heartbeat(this.instanceId, this.timing.ttlMs));
  }

  /** Leaves the live set at a clean stop, so the others rebalance at once. */
  async leave(): Promise<void> {
    await this.withTimeout(this.store.leave(this.instanceId)).catch(() => undefined);
  }

  /** True when leases are shared with other instances (Redis). */
  get shared(): boolean {
    return this.store.kind === 'redis';
  }

  // A Redis that stopped answering must not hold the loop past the point where leases have to be given up.
  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('lease store did not answer')), this.timing.renewMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}
