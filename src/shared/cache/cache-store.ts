import Redis from 'ioredis';
import { runScript } from './redis-script';

/** Small key-value store: Redis when REDIS_URL is set, in-process otherwise. */
export interface CacheStore {
  readonly kind: 'redis' | 'memory' | 'file';
  get(key: string): Promise<string | null>;
  /** Sets `key`; with `ttlSeconds` it expires. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  /**
   * Adds `by` (1 unless given) to the counter `key` (created with a `ttlSeconds` expiry, which later
   * calls keep) and answers the new count and the milliseconds until it expires: a fixed-window counter.
   */
  incr(key: string, ttlSeconds: number, by?: number): Promise<CounterValue>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A counter after `incr`: its value and how long until its window ends. */
export interface CounterValue {
  count: number;
  ttlMs: number;
}

/** Above this many keys the memory store drops expired ones (rate-limit windows would pile up otherwise). */
const MEMORY_SWEEP_AT = 10_000;

/** In-process store for embedded mode (one instance only). */
export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, { value: string; expiresAt?: number }>();

  async get(key: string): Promise<string | null> {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return e.value;
  }
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : undefined });
  }
  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }
  async incr(key: string, ttlSeconds: number, by = 1): Promise<CounterValue> {
    const now = Date.now();
    const e = this.entries.get(key);
    if (!e || (e.expiresAt !== undefined && e.expiresAt <= now)) {
      if (this.entries.size >= MEMORY_SWEEP_AT) this.sweep(now);
      this.entries.set(key, { value: String(by), expiresAt: now + ttlSeconds * 1000 });
      return { count: by, ttlMs: ttlSeconds * 1000 };
    }
    e.value = String(Number(e.value) + by);
    return { count: Number(e.value), ttlMs: e.expiresAt === undefined ? ttlSeconds * 1000 : e.expiresAt - now };
  }
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {
    this.entries.clear();
  }
  private sweep(now: number): void {
    for (const [k, e] of this.entries) if (e.expiresAt !== undefined && e.expiresAt <= now) this.entries.delete(k);
  }
}

/** INCRBY and its first expiry in one atomic step, so no instance ever sees a counter without a window. */
const INCR_SCRIPT = `local n = redis.call('INCRBY', KEYS[1], ARGV[2])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {n, t}`;

/** Redis-backed store; keys are prefixed so several services can share a Redis. */
export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis' as const;
  constructor(
    readonly client: Redis,
    private readonly prefix = 'axi:',
  ) {}

  async get(key: string): Promise<string | null> {
    return this.client.get(this.prefix + key);
  }
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds) await this.client.set(this.prefix + key, value, 'EX', ttlSeconds);
    else await this.client.set(this.prefix + key, value);
  }
  async del(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }
  /** Fails at once while Redis is not connected, instead of queueing behind reconnects (callers decide to fail open). */
  async incr(key: string, ttlSeconds: number, by = 1): Promise<CounterValue> {
    if (this.client.status !== 'ready') throw new Error(`Redis not ready (${this.client.status})`);
    const [count, ttlMs] = (await runScript(this.client, INCR_SCRIPT, [this.prefix + key], [ttlSeconds * 1000, by])) as [number, number];
    return { count: Number(count), ttlMs: Number(ttlMs) };
  }
  /** Answers within a second: a readiness probe must not hang while Redis reconnects. */
  async ping(): Promise<boolean> {
    if (this.client.status !== 'ready') return false;
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), 1000).unref());
    return Promise.race([this.client.ping().then((r) => r === 'PONG', () => false), timeout]);
  }
  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/**
 * Opens a Redis connection that fails fast instead of queueing commands forever while Redis is down;
 * errors go to `onError`, never unhandled. `pipelined`: commands issued in the same tick share one
 * write (thousands of rate-limit checks and adapter publishes a second); not for a subscriber.
 */
export function createRedisClient(url: string, onError: (err: Error) => void, pipelined = false): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 5000, lazyConnect: false, enableAutoPipelining: pipelined });
  client.on('error', onError);
  return client;
}

/** The database number of a Redis URL (`redis://host:6379/15` -> 15). */
export function redisDatabase(url: string): number {
  return Number(new URL(url).pathname.slice(1) || 0);
}

/** Logs Redis connection errors at most once every 10 s, so an outage does not flood the log. */
export function redisErrorLogger(logger: { warn: (obj: object, msg: string) => void }): (err: Error) => void {
  let last = 0;
  return (err) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    logger.warn({ module: 'redis', operation: 'connection', error: err.message }, 'Redis unavailable');
  };
}
