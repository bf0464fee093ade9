/** A per-channel send rate shared by every instance of the service. */
export interface SendRateLimiter {
  /** Takes one send token of `key`; 0 when granted, otherwise the milliseconds until one is free (nothing taken). */
  take(key: string, perSecond: number, burst: number): Promise<number>;
}
