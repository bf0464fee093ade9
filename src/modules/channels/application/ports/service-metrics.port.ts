/** What the use cases report for monitoring (implemented with prom-client; a no-op in tests that do not care). */
export interface ServiceMetrics {
  /** Inbound events of one ingest call, by provider and what became of them. */
  webhookEvents(provider: string, result: 'stored' | 'duplicate' | 'status_applied' | 'status_ignored', count: number): void;
  /** A message stored or moved to a status, by channel and direction. */
  message(channelId: string, direction: 'incoming' | 'outgoing', status: string): void;
  /** A failed provider call, by provider and error code. */
  providerError(provider: string, code: string): void;
}

/** Reports nothing. */
export const NO_METRICS: ServiceMetrics = {
  webhookEvents: () => undefined,
  message: () => undefined,
  providerError: () => undefined,
};
