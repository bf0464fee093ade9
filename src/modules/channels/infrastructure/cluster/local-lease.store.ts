import type { ChannelLeaseStore, LeasedChannelStatus } from '../../application/ports/channel-lease.port';

/** Leases without Redis: this process is the only instance, so it holds every lease it asks for. */
export class LocalChannelLeaseStore implements ChannelLeaseStore {
  readonly kind = 'local' as const;
  private readonly held = new Map<string, LeasedChannelStatus | null>();
  private instanceId?: string;

  async acquire(channelId: string, instanceId: string): Promise<boolean> {
    this.instanceId = instanceId;
    if (!this.held.has(channelId)) this.held.set(channelId, null);
    return true;
  }

  async renew(leases: { channelId: string; status: LeasedChannelStatus }[]): Promise<Set<string>> {
    for (const l of leases) if (this.held.has(l.channelId)) this.held.set(l.channelId, l.status);
    return new Set(leases.filter((l) => this.held.has(l.channelId)).map((l) => l.channelId));
  }

  async release(channelId: string): Promise<void> {
    this.held.delete(channelId);
  }

  async owners(channelIds: string[]): Promise<({ instanceId: string; status: LeasedChannelStatus | null } | null)[]> {
    return channelIds.map((id) => (this.held.has(id) && this.instanceId ? { instanceId: this.instanceId, status: this.held.get(id) ?? null } : null));
  }

  async heartbeat(instanceId: string): Promise<string[]> {
    this.instanceId = instanceId;
    return [instanceId];
  }

  async leave(): Promise<void> {}
}
