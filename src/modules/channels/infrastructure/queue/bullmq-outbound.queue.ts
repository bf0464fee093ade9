import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { OutboundJobHandler, OutboundQueue } from '../../application/ports/outbound-queue.port';
import { settleWithin } from './settle-within';

/** Settings of the BullMQ queue. */
export interface BullmqQueueOptions {
  redisUrl: string;
  /** Key prefix, so deployments sharing a Redis server stay apart. */
  prefix: string;
  /** Queue name: one queue per database, so services on different databases never take each other's jobs. */
  name: string;
  concurrency: number;
  lockMs: number;
  /** First delay of BullMQ's own retries of a run that threw (database or provider start-up trouble). */
  errorDelayMs: number;
}

/** How long a send request waits for Redis to take its job. */
const ENQUEUE_WAIT_MS = 2000;

interface JobData {
  messageId: string;
  channelId: string;
  attempts: number;
  sending?: boolean;
}

/**
 * Outbound queue on Redis with BullMQ. The job id is the message id (a second add is a no-op while
 * the job exists); retries and waits move the job to the delayed set by hand (`moveToDelayed`), so
 * only provider attempts count; a worker that dies mid-job leaves it stalled, and BullMQ hands it
 * to another worker once the lock lapses, with `sending` telling that the provider may have been called.
 */
export class BullmqOutboundQueue implements OutboundQueue {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue<JobData>;
  private readonly connections: Redis[] = [];
  private worker?: Worker<JobData>;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly options: BullmqQueueOptions,
    private readonly logger: Logger,
  ) {
    this.queue = new Queue<JobData>(options.name, { connection: this.connect(), prefix: options.prefix });
    this.queue.on('error', (err) => this.logger.warn({ module: 'outbound', operation: 'queue', err }, 'outbound queue error'));
  }

  /** BullMQ needs `maxRetriesPerRequest: null` so a Redis outage blocks instead of failing its commands. */
  private connect(): Redis {
    const c = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    c.on('error', () => undefined);
    this.connections.push(c);
    return c;
  }

  /**
   * Adds the job; with Redis away the add waits in ioredis's offline queue (and still lands when it
   * returns), so the caller is released after ENQUEUE_WAIT_MS and the worker's sweep backs it up.
   */
  async enqueue(messageId: string, channelId: string): Promise<void> {
    const adding = this.add(messageId, channelId);
    if (!(await settleWithin([adding], ENQUEUE_WAIT_MS))) throw new Error(`Redis did not take the job within ${ENQUEUE_WAIT_MS} ms`);
    await adding;
  }

  private async add(messageId: string, channelId: string): Promise<void> {
    await this.queue.add('send', { messageId, channelId, attempts: 0 }, {
      jobId: messageId,
      removeOnComplete: true,
      // A job that keeps throwing is dropped; the message stays PENDING and start-up recovery enqueues it again.
      removeOnFail: true,
      attempts: 20,
      backoff: { type: 'exponential', delay: this.options.errorDelayMs },
    });
  }

  async start(handler: OutboundJobHandler): Promise<void> {
    this.worker = new Worker<JobData>(this.options.name, (job, token) => this.track(this.process(handler, job, token)), {
      connection: this.connect(),
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(this.options.lockMs / 2)),
      // A stalled job is handed out again rather than failed: the handler decides with `wasSending`.
      maxStalledCount: 1000,
    });
    this.worker.on('error', (err) => this.logger.warn({ module: 'outbound', operation: 'worker', err }, 'outbound worker error'));
    this.worker.on('failed', (job, err) => this.logger.error({ module: 'outbound', operation: 'run', message_id: job?.data.messageId, err }, 'outbound job threw'));
    await this.worker.waitUntilReady();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    return p.finally(() => this.running.delete(p));
  }

  private async process(handler: OutboundJobHandler, job: Job<JobData>, token?: string): Promise<void> {
    const data = job.data;
    const control = { markSending: () => job.updateData({ ...data, sending: true }) };
    const outcome = await handler({ messageId: data.messageId, channelId: data.channelId, attempts: data.attempts, wasSending: Boolean(data.sending) }, control);
    if (outcome.kind === 'done') return;
    await job.updateData({ ...data, attempts: data.attempts + (outcome.countAttempt ? 1 : 0), sending: false });
    await job.moveToDelayed(Date.now() + outcome.delayMs, token);
    throw new DelayedError();
  }

  async stop(deadlineMs: number): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      // close() stops fetching and waits for active jobs; past the deadline the jobs are left to stall and run elsewhere.
      const closing = worker.close();
      const finished = await settleWithin([closing, ...this.running], deadlineMs);
      if (!finished) {
        this.logger.warn({ module: 'outbound', operation: 'stop', in_flight: this.running.size }, 'sends still running at the deadline; their jobs run again after the lock lapses');
        await worker.close(true).catch(() => undefined);
      }
    }
    await this.queue.close().catch(() => undefined);
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
