import Redis from 'ioredis';
import pino from 'pino';
import { ChannelLeaseKeeper } from '../../../src/modules/channels/application/services/channel-lease.keeper';
import { ChannelLeases } from '../../../src/modules/channels/application/services/channel-leases';
import type { ChannelLeaseStore, LeasedChannelStatus } from '../../../src/modules/channels/application/ports/channel-lease.port';
import type { ChannelRuntimeService } from '../../../src/modules/channels/application/services/channel-runtime.service';
import type { ChannelRepository } from '../../../src/modules/channels/domain/repositories/channel.repository.interface';
import { RedisChannelLeaseStore } from '../../../src/modules/channels/infrastructure/cluster/redis-lease.store';

const TTL_MS = 2000;
const RENEW_MS = 500;
const logger = pino({ level: 'silent' });

/** One instance's view of Redis that can stop answering (a black-holed connection). */
class HangableStore implements ChannelLeaseStore {
  readonly kind = 'redis' as const;
  hang = false;
  constructor(private readonly inner: ChannelLeaseStore) {}
  private call<T>(f: () => Promise<T>): Promise<T> {
    return this.hang ? new Promise<T>(() => undefined) : f();
  }
  acquire(c: string, i: string, t: number) { return this.call(() => this.inner.acquire(c, i, t)); }
  renew(l: { channelId: string; status: LeasedChannelStatus }[], i: string, t: number) { return this.call(() => this.inner.renew(l, i, t)); }
  release(c: string, i: string) { return this.call(() => this.inner.release(c, i)); }
  owners(ids: string[]) { return this.call(() => this.inner.owners(ids)); }
  heartbeat(i: string, t: number) { return this.call(() => this.inner.heartbeat(i, t)); }
  leave(i: string) { return this.call(() => this.inner.leave(i)); }
}

/** The runtime's lease-facing part: a start claims the lease, then takes `startMs` (a WhatsApp Web browser can take a minute). */
class RuntimeStandIn {
  readonly running = new Set<string>();
  readonly lostStops: string[] = [];
  /** How long stopping a lost channel takes (a browser that is slow to close). */
  stopLostMs: Record<string, number> = {};
  constructor(private readonly leases: ChannelLeases, private readonly startMs: Record<string, number> = {}) {}
  leaseStatus(): LeasedChannelStatus { return { state: 'ready', authenticated: true }; }
  async stopLost(id: string) {
    this.lostStops.push(id);
    await new Promise((r) => setTimeout(r, this.stopLostMs[id] ?? 0));
    this.running.delete(id);
  }
  async stopChannel(ch: { id: string }) { this.running.delete(ch.id); await this.leases.release(ch.id); }
  async startChannel(ch: { id: string }) {
    if (!(await this.leases.claim(ch.id))) throw new Error('runs elsewhere');
    this.running.add(ch.id);
    await new Promise((r) => setTimeout(r, this.startMs[ch.id] ?? 0));
  }
}

describe('the lease keeper never lets a channel run on two instances', () => {
  let redis: Redis;
  const prefix = `axi-test:keeper:${process.pid}:${Date.now()}`;
  const channels = (ids: string[]) => ({ listActive: async () => ids.map((id) => ({ id })) }) as unknown as ChannelRepository;

  function instance(name: string, store: ChannelLeaseStore, ids: string[], startMs: Record<string, number> = {}, ttlMs = TTL_MS) {
    const leases = new ChannelLeases(store, name, { ttlMs, renewMs: RENEW_MS }, logger);
    const runtime = new RuntimeStandIn(leases, startMs);
    return { runtime, keeper: new ChannelLeaseKeeper(leases, runtime as unknown as ChannelRuntimeService, channels(ids), logger) };
  }

  /** Milliseconds during which some channel ran on both instances, while `ms` pass. */
  async function overlapDuring(a: RuntimeStandIn, b: RuntimeStandIn, ids: string[], ms: number): Promise<number> {
    let overlap = 0;
    for (const end = Date.now() + ms; Date.now() < end; ) {
      if (ids.some((id) => a.running.has(id) && b.running.has(id))) overlap += 10;
      await new Promise((r) => setTimeout(r, 10));
    }
    return overlap;
  }

  beforeAll(() => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('when one channel takes three lease lifetimes to start, then the instance keeps renewing its other leases meanwhile', async () => {
    const ids = ['slow-1', 'quick-1'].map((id) => `${id}-a`);
    const a = instance('A', new RedisChannelLeaseStore(redis, `${prefix}:slow`), ids, { [ids[0]]: TTL_MS * 3 });
    const b = instance('B', new RedisChannelLeaseStore(redis, `${prefix}:slow`), ids);
    const boot = a.keeper.start();
    await new Promise((r) => setTimeout(r, 200));
    await b.keeper.start();
    try {
      expect(await overlapDuring(a.runtime, b.runtime, ids, TTL_MS * 4)).toBe(0);
      // Each runs somewhere, on one instance (B may have been handed one as its fair share).
      expect(ids.map((id) => Number(a.runtime.running.has(id)) + Number(b.runtime.running.has(id)))).toEqual([1, 1]);
    } finally {
      await boot;
      await a.keeper.stop();
      await b.keeper.stop();
    }
  }, 30_000);

  it("when an instance's Redis stops answering (renewal at its longest allowed period, TTL/2), then it stops the channel before its lease can expire and the other instance takes it", async () => {
    const ids = ['hang-1'];
    const ttlMs = RENEW_MS * 2;
    const hangable = new HangableStore(new RedisChannelLeaseStore(redis, `${prefix}:hang`));
    const a = instance('A', hangable, ids, {}, ttlMs);
    const b = instance('B', new RedisChannelLeaseStore(redis, `${prefix}:hang`), ids, {}, ttlMs);
    await a.keeper.start();
    await b.keeper.start();
    try {
      expect(a.runtime.running.has(ids[0])).toBe(true);
      await new Promise((r) => setTimeout(r, RENEW_MS * 3));
      hangable.hang = true;
      expect(await overlapDuring(a.runtime, b.runtime, ids, TTL_MS * 3)).toBe(0);
      expect(a.runtime.running.has(ids[0])).toBe(false);
      expect(b.runtime.running.has(ids[0])).toBe(true);
    } finally {
      await a.keeper.stop();
      await b.keeper.stop();
    }
  }, 30_000);

  it('when a lost channel takes three lease lifetimes to stop, then the instance keeps renewing its other leases meanwhile', async () => {
    const ids = ['lost-1', 'kept-1', 'kept-2'];
    const p = `${prefix}:slowstop`;
    const a = instance('A', new RedisChannelLeaseStore(redis, p), ids);
    a.runtime.stopLostMs = { [ids[0]]: TTL_MS * 3 };
    await a.keeper.start();
    try {
      expect([...a.runtime.running].sort()).toEqual([...ids].sort());
      // Another instance has taken the first channel (after a partition, say): A learns it at its next renewal.
      await redis.set(`${p}:lease:${ids[0]}`, 'X', 'PX', 60_000);
      await new Promise((r) => setTimeout(r, TTL_MS * 2));
      expect(a.runtime.lostStops).toEqual([ids[0]]);
      expect(await redis.get(`${p}:lease:${ids[1]}`)).toBe('A');
      expect(await redis.get(`${p}:lease:${ids[2]}`)).toBe('A');
    } finally {
      await a.keeper.stop();
    }
  }, 30_000);
});
