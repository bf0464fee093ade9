import type { Logger } from 'pino';
import type { Config } from '../../../../config/config';
import { RedisCacheStore, type CacheStore } from '../../../../shared/cache/cache-store';
import type { PrismaClient } from '../../../../shared/database/prisma-client';
import type { OutboundQueue } from '../../application/ports/outbound-queue.port';
import type { SendRateLimiter } from '../../application/ports/send-rate-limiter.port';
import { BullmqOutboundQueue } from './bullmq-outbound.queue';
import { DatabaseOutboundQueue } from './database-outbound.queue';
import { MemorySendRateLimiter } from './memory-rate-limiter';
import { RedisSendRateLimiter } from './redis-rate-limiter';

/** The database's name as a Redis key part: deployments (and test runs) sharing one Redis stay apart. */
export function databaseKey(config: Pick<Config, 'databaseUrl'>): string {
  return config.databaseUrl ? new URL(config.databaseUrl).pathname.slice(1).replace(/[^\w-]/g, '_') : 'embedded';
}

/** The outbound queue and rate limiter of the deployment: BullMQ and a Redis bucket with REDIS_URL, the database and memory without. */
export function createOutboundQueue(config: Config, prisma: PrismaClient, cache: CacheStore, logger: Logger): { queue: OutboundQueue; limiter: SendRateLimiter } {
  const { concurrency, lockMs, pollMs, backoffMs } = config.outbound;
  if (config.redisUrl && cache instanceof RedisCacheStore) {
    const database = databaseKey(config);
    return {
      queue: new BullmqOutboundQueue({ redisUrl: config.redisUrl, prefix: 'axi', name: `outbound-${database}`, concurrency, lockMs, errorDelayMs: backoffMs }, logger),
      limiter: new RedisSendRateLimiter(cache.client, 'axi:rate'),
    };
  }
  return {
    queue: new DatabaseOutboundQueue(prisma, { concurrency, lockMs, pollMs, releaseLocksAtStart: !config.databaseUrl, errorDelayMs: backoffMs }, logger),
    limiter: new MemorySendRateLimiter(),
  };
}
