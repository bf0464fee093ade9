/** Exponential backoff settings of the outbound queue. */
export interface BackoffOptions {
  backoffMs: number;
  backoffMaxMs: number;
}

/**
 * Delay before the retry that follows attempt `attempt` (1-based): base * 2^(attempt-1), capped,
 * with "equal jitter" (half fixed, half random) so channels that failed together do not retry together.
 */
export function retryDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.backoffMaxMs, options.backoffMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
