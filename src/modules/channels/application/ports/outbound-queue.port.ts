/** One outgoing message's job as a worker sees it. */
export interface OutboundJob {
  messageId: string;
  channelId: string;
  /** Provider attempts already made before this run (rate-limit and circuit waits do not count). */
  attempts: number;
  /** True when an earlier run reached the provider call and never reported back (a crash or a lost lock). */
  wasSending: boolean;
}

/** What the worker decided: the job is finished, or it runs again later. */
export type OutboundJobOutcome = { kind: 'done' } | { kind: 'retry'; delayMs: number; countAttempt: boolean };

/** Durable bookkeeping a worker asks of the queue during a run. */
export interface OutboundJobControl {
  /** Recorded durably right before the provider call, so a crashed run is known to have maybe sent. */
  markSending(): Promise<void>;
}

/** The worker: sends one message and says what happens to its job. */
export type OutboundJobHandler = (job: OutboundJob, control: OutboundJobControl) => Promise<OutboundJobOutcome>;

/**
 * The durable queue of outgoing messages. The message id is the job id: enqueueing a message that
 * already has a job is a no-op. Adapters: BullMQ on Redis, or a database table in embedded mode.
 */
export interface OutboundQueue {
  readonly kind: 'bullmq' | 'database';
  enqueue(messageId: string, channelId: string): Promise<void>;
  /** Starts taking jobs and handing them to `handler`. */
  start(handler: OutboundJobHandler): Promise<void>;
  /** Stops taking jobs and waits up to `deadlineMs` for the running ones; unfinished ones are picked up again later. */
  stop(deadlineMs: number): Promise<void>;
}
