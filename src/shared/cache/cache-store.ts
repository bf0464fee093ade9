import Redis from 'ioredis';

/** Small key-value store: Redis when REDIS_URL is set, in-process otherwise. */
export interface CacheStore {
  readonly kind: 'redis' | 'memory';
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
  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** Opens a Redis connection that fails fast instead of queueing commands forever while Redis is down. */
export function createRedisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 5000, lazyConnect: false });
}
