import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { CacheStore, CounterValue } from '../cache/cache-store';
import { RateBudget, type BudgetAnswer } from './rate-budget';
import { TooManyRequestsError } from '../errors/app-error';

/** A store that does not answer within this long lets the request through (see failOpen below). */
const STORE_TIMEOUT_MS = 250;

/** One fixed-window limit: `limit` requests per `windowSeconds` per key. */
export interface RateLimitOptions {
  /** Names the counter family in the store (`rest`, `webhook`). */
  scope: string;
  limit: number;
  windowSeconds: number;
  /** The bucket a request counts against (a token's subject, a channel id); undefined: not limited. */
  keyOf(req: Request): string | undefined;
  store: CacheStore;
  logger: Logger;
}

function withTimeout(p: Promise<CounterValue>): Promise<CounterValue> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('rate-limit store timeout')), STORE_TIMEOUT_MS).unref())]);
}

/**
 * Fixed-window rate limit counted in the CacheStore (Redis INCRBY + expiry, so every instance shares
 * the budget; the in-process store in embedded mode); large budgets are reserved in chunks (see
 * RateBudget). Every limited answer carries `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` and `RateLimit-Policy`; a request over the budget is a
 * 429 `RATE_LIMITED` with `Retry-After`. The limit fails open: a store outage must not take the
 * API or the webhooks down with it, so the request passes and the outage is logged (at most every 10 s).
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const { scope, limit, windowSeconds, store, logger } = options;
  const budget = new RateBudget(store, limit, windowSeconds, withTimeout);
  let lastWarning = 0;
  return async (req, res, next) => {
    const key = limit > 0 ? options.keyOf(req) : undefined;
    if (key === undefined) return next();
    let answer: BudgetAnswer;
    try {
      answer = await budget.take(`rl:${scope}:${key}`);
    } catch (err) {
      if (Date.now() - lastWarning > 10_000) {
        lastWarning = Date.now();
        logger.warn({ module: 'rate-limit', operation: scope, error: (err as Error).message }, 'rate limit store unavailable, request let through');
      }
      return next();
    }
    const resetSeconds = Math.max(1, Math.ceil(answer.resetMs / 1000));
    res.setHeader('RateLimit-Limit', String(limit));
    res.setHeader('RateLimit-Remaining', String(answer.remaining));
    res.setHeader('RateLimit-Reset', String(resetSeconds));
    res.setHeader('RateLimit-Policy', `${limit};w=${windowSeconds}`);
    if (!answer.allowed) return next(new TooManyRequestsError(resetSeconds));
    next();
  };
}
