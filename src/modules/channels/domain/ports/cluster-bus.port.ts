/** A request to whichever instance runs a channel's provider (a WhatsApp Web send or QR login step). */
export interface OwnerCall {
  channelId: string;
  op: string;
  payload?: unknown;
}

/** The runner's answer: a result, or an error with the fields needed to rebuild it on the caller's side. */
export type OwnerAnswer = { result: unknown } | { error: OwnerError };

/** An error crossing instances; name `OwnerTimeout` when the runner did not answer in time (it may have acted). */
export interface OwnerError {
  name: string;
  message: string;
  code?: string;
  status?: number;
  retryable?: boolean;
  outcomeUnknown?: boolean;
}

/** Notices between instances of the service (Socket.IO server-side events over the Redis adapter). */
export interface ClusterBus {
  /**
   * Tells the other instances that a channel's stored state changed, and resolves once each has
   * forgotten what it cached of it (or the cache's lifetime has passed): after that, no instance
   * serves the old channel. `restart` (credentials, active, deleted): they also rebuild a provider
   * they run for it; without it (name, agent, rate), only the cached lookups go.
   */
  channelChanged(channelId: string, restart?: boolean): Promise<void>;
  /** Tells the other instances that a company's event webhook subscriptions changed, resolving like channelChanged. */
  subscriptionsChanged(companyId: number): Promise<void>;
  /** Asks the other instances; the one running the channel answers, others decline. null: none of them runs it. */
  callOwner(call: OwnerCall): Promise<OwnerAnswer | null>;
  /** Sets how this instance answers calls for channels it runs (undefined: not running here). */
  onOwnerCall(handler: (call: OwnerCall) => Promise<OwnerAnswer | undefined>): void;
}
