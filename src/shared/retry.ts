/**
 * Runs `fn` up to `attempts` times, waiting `baseDelayMs * 2^n` between tries, and throws the last
 * error: for a step that must not be lost to a short database blip (bounded, so a real outage surfaces).
 */
export async function retryBlips<T>(fn: () => Promise<T>, opts: { attempts: number; baseDelayMs: number; onRetry?: (err: unknown, attempt: number) => void }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= opts.attempts) throw err;
      opts.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, opts.baseDelayMs * 2 ** attempt));
    }
  }
}
