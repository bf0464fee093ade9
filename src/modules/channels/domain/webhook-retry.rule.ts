/** How failed event webhook deliveries are retried. */
export interface WebhookRetryPolicy {
  /** Delay after the first failed attempt; each further failure doubles it. */
  baseDelayMs: number;
  /** Ceiling of one delay. */
  maxDelayMs: number;
  /** Attempts in all; the delivery is dead after the last one fails. */
  maxAttempts: number;
}

/**
 * Delay before the next attempt once `attempts` attempts have failed: exponential with a ceiling,
 * plus up to 20% jitter. The jitter only adds, so the retry window is never shorter than planned.
 */
export function nextRetryDelayMs(attempts: number, policy: WebhookRetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (1 + 0.2 * random()));
}

/** The shortest time between the first attempt and the delivery going dead (no jitter). */
export function retryWindowMs(policy: WebhookRetryPolicy): number {
  let total = 0;
  for (let attempts = 1; attempts < policy.maxAttempts; attempts++) total += nextRetryDelayMs(attempts, policy, () => 0);
  return total;
}
