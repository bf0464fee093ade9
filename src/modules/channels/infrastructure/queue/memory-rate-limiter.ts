import type { SendRateLimiter } from '../../application/ports/send-rate-limiter.port';

/** The same token bucket in process, for embedded mode (one instance). */
export class MemorySendRateLimiter implements SendRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; ts: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, perSecond: number, burst: number): Promise<number> {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, ts: now };
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.ts) * perSecond) / 1000);
    b.ts = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 1000) / perSecond);
  }
}
