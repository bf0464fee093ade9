import type { Redis } from 'ioredis';
import type { ChannelLeaseStore, LeasedChannelStatus } from '../../application/ports/channel-lease.port';
import { runScript } from '../../../../shared/cache/redis-script';

// SET NX, or a no-op success when the caller already holds it (a restart of its own provider).
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

// KEYS: lease1, status1, lease2, status2, ...; ARGV: instance, ttl, status1, status2, ...
const RENEW = `
local held = {}
for i = 1, #KEYS, 2 do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    redis.call('SET', KEYS[i + 1], ARGV[2 + (i + 1) / 2], 'PX', ARGV[2])
    held[#held + 1] = (i + 1) / 2
  end
end
return held`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
return 0`;

// The live set is a sorted set scored by expiry time (Redis's clock, so instances' clocks do not matter).
const HEARTBEAT = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** Leases as Redis keys with a PX expiry, changed only by Lua scripts that check the holder first. */
export class RedisChannelLeaseStore implements ChannelLeaseStore {
  readonly kind = 'redis' as const;

  constructor(
    private readonly redis: Redis,
    /** Keeps deployments that share one Redis server apart (the database name). */
    private readonly prefix: string,
  ) {}

  private lease(channelId: string): string {
    return `${this.prefix}:lease:${channelId}`;
  }

  private status(channelId: string): string {
    return `${this.prefix}:lease-status:${channelId}`;
  }

  async acquire(channelId: string, instanceId: string, ttlMs: number): Promise<boolean> {
    return (await runScript(this.redis, ACQUIRE, [this.lease(channelId)], [instanceId, ttlMs])) === 1;
  }

  async renew(leases: { channelId: string; status: LeasedChannelStatus }[], instanceId: string, ttlMs: number): Promise<Set<string>> {
    if (!leases.length) return new Set();
    const keys = leases.flatMap((l) => [this.lease(l.channelId), this.status(l.channelId)]);
    const held = (await runScript(this.redis, RENEW, keys, [instanceId, ttlMs, ...leases.map((l) => JSON.stringify(l.status))])) as number[];
    return new Set(held.map((i) => leases[i - 1].channelId));
  }

  async release(channelId: string, instanceId: string): Promise<void> {
    await runScript(this.redis, RELEASE, [this.lease(channelId), this.status(channelId)], [instanceId]);
  }

  async owners(channelIds: string[]): Promise<({ instanceId: string; status: LeasedChannelStatus | null } | null)[]> {
    if (!channelIds.length) return [];
    const values = await this.redis.mget(...channelIds.flatMap((id) => [this.lease(id), this.status(id)]));
    return channelIds.map((_, i) => {
      const instanceId = values[2 * i];
      if (!instanceId) return null;
      return { instanceId, status: parseStatus(values[2 * i + 1]) };
    });
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<string[]> {
    return (await runScript(this.redis, HEARTBEAT, [`${this.prefix}:instances`], [instanceId, ttlMs])) as string[];
  }

  async leave(instanceId: string): Promise<void> {
    await this.redis.zrem(`${this.prefix}:instances`, instanceId);
  }
}

function parseStatus(raw: string | null): LeasedChannelStatus | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as LeasedChannelStatus;
  } catch {
    return null;
  }
}
