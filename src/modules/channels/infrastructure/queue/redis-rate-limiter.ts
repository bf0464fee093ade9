import type Redis from 'ioredis';
import type { SendRateLimiter } from '../../application/ports/send-rate-limiter.port';
import { runScript } from '../../../../shared/cache/redis-script';

// Token bucket in one atomic script, timed by the Redis server's clock so every instance shares one
// bucket and one clock. Returns 0 (token taken) or the milliseconds until a token is free.
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local waitMs = 0
if tokens >= 1 then tokens = tokens - 1 else waitMs = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return waitMs
`;

/**
 * Per-channel send rate shared by all instances: a token bucket in Redis (a Lua script). BullMQ's
 * own limiter is per queue (per-group limits are a Pro feature), so the bucket lives beside it.
 */
export class RedisSendRateLimiter implements SendRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async take(key: string, perSecond: number, burst: number): Promise<number> {
    return Number(await runScript(this.redis, TAKE, [`${this.prefix}:${key}`], [String(perSecond), String(burst)]));
  }
}
