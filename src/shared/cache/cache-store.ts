import Redis from 'ioredis';

/** Small key-value store: Redis when REDIS_URL is set, in-process otherwise. */
export interface CacheStore {
  readonly kind: 'redis' | 'memory' | 'file';
  get(key: string): Promise<string | null>;
  /** Sets `key`; with `ttlSeconds` it expires. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

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
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {
    this.entries.clear();
  }
}

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

/** Opens a Redis connection that fails fast instead of queueing commands forever while Redis is down; errors go to `onError`, never unhandled. */
export function createRedisClient(url: string, onError: (err: Error) => void): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 5000, lazyConnect: false });
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
