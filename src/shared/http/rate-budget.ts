import type { CacheStore, CounterValue } from '../cache/cache-store';

/** Budgets this large are counted in chunks; smaller ones one request at a time (exact). */
const CHUNKED_FROM = 200;
/** Largest chunk taken from the shared counter at once. */
const MAX_CHUNK = 100;
/** Above this many keys, windows that have ended are dropped. */
const SWEEP_AT = 10_000;

/** One request's verdict: let through or not, and what the RateLimit headers say. */
export interface BudgetAnswer {
  allowed: boolean;
  remaining: number;
  resetMs: number;
}

interface Window {
  /** Requests this instance may still let through from what it reserved. */
  tokens: number;
  /** The shared count right after this instance's last reservation. */
  count: number;
  endsAt: number;
}

/**
 * A fixed-window budget shared by every instance through the store's counter. A large budget (a
 * channel's thousands of webhooks a second) is reserved from the shared counter in chunks of about
 * 1% and spent locally, so the store is asked once per chunk instead of once per request; a small one
 * (an agent's REST budget) is counted one request at a time as before. Never more than `limit` pass
 * in a window in all: a reservation past the limit is granted only the part below it. The cost is
 * that an instance's unspent tokens count as used for the others (at most one chunk per instance).
 */
export class RateBudget {
  private readonly chunk: number;
  private readonly windows = new Map<string, Window>();
  private readonly reserving = new Map<string, Promise<void>>();

  constructor(
    private readonly store: CacheStore,
    private readonly limit: number,
    private readonly windowSeconds: number,
    /** Wraps each store call (a timeout): a store that fails makes `take` reject, the caller decides. */
    private readonly guard: (p: Promise<CounterValue>) => Promise<CounterValue> = (p) => p,
  ) {
    this.chunk = limit >= CHUNKED_FROM ? Math.min(MAX_CHUNK, Math.floor(limit / 100)) : 1;
  }

  /** Spends one request of `key`'s budget. */
  async take(key: string): Promise<BudgetAnswer> {
    if (this.chunk === 1) {
      const c = await this.guard(this.store.incr(key, this.windowSeconds));
      return { allowed: c.count <= this.limit, remaining: Math.max(0, this.limit - c.count), resetMs: c.ttlMs };
    }
    for (;;) {
      const now = Date.now();
      const w = this.windows.get(key);
      if (w && w.endsAt > now && (w.tokens > 0 || w.count >= this.limit)) {
        const allowed = w.tokens > 0;
        if (allowed) w.tokens--;
        return { allowed, remaining: Math.max(0, this.limit - (w.count - w.tokens)), resetMs: w.endsAt - now };
      }
      await this.reserve(key);
    }
  }

  // One reservation per key at a time: the requests that arrive meanwhile spend what it brings.
  private reserve(key: string): Promise<void> {
    let pending = this.reserving.get(key);
    if (!pending) {
      pending = this.guard(this.store.incr(key, this.windowSeconds, this.chunk))
        .then((c) => {
          const now = Date.now();
          if (this.windows.size >= SWEEP_AT) for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k);
          const granted = Math.max(0, this.chunk - Math.max(0, c.count - this.limit));
          // Reserved only once the window's tokens are spent or it has ended: the grant is all there is.
          this.windows.set(key, { tokens: granted, count: c.count, endsAt: now + c.ttlMs });
        })
        .finally(() => this.reserving.delete(key));
      this.reserving.set(key, pending);
    }
    return pending;
  }
}
