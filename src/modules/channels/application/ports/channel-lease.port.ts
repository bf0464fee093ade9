/** What an instance publishes about a channel it runs, for the other instances to answer with. */
export interface LeasedChannelStatus {
  state: string;
  authenticated: boolean;
  lastError?: string;
}

/**
 * Channel leases shared by every instance of a deployment: a channel's provider runs only on the
 * instance holding its lease, which expires unless renewed (so a dead instance's channels free up).
 */
export interface ChannelLeaseStore {
  /** 'redis' when shared between instances; 'local' when this process is the only one. */
  readonly kind: 'redis' | 'local';
  /** Takes the lease if nobody holds it (or `instanceId` already does); true when held by `instanceId` afterwards. */
  acquire(channelId: string, instanceId: string, ttlMs: number): Promise<boolean>;
  /** Extends the leases still held by `instanceId` (and stores their status); returns the ids it still holds. */
  renew(leases: { channelId: string; status: LeasedChannelStatus }[], instanceId: string, ttlMs: number): Promise<Set<string>>;
  /** Gives the lease up, only if `instanceId` holds it. */
  release(channelId: string, instanceId: string): Promise<void>;
  /** The holder of each channel's lease (null: nobody) and the status it published. */
  owners(channelIds: string[]): Promise<({ instanceId: string; status: LeasedChannelStatus | null } | null)[]>;
  /** Marks `instanceId` alive for `ttlMs` and returns every instance alive now (itself included). */
  heartbeat(instanceId: string, ttlMs: number): Promise<string[]>;
  /** Drops `instanceId` from the live set (a clean stop). */
  leave(instanceId: string): Promise<void>;
}
