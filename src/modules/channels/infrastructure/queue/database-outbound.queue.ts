import type { Logger } from 'pino';
import type { PrismaClient } from '../../../../shared/database/prisma-client';
import type { OutboundJob, OutboundJobHandler, OutboundJobOutcome, OutboundQueue } from '../../application/ports/outbound-queue.port';
import { settleWithin } from './settle-within';

/** Settings of the database queue. */
export interface DatabaseQueueOptions {
  concurrency: number;
  lockMs: number;
  pollMs: number;
  /** Embedded mode runs one process: at start every lock is a dead process's and is released. */
  releaseLocksAtStart: boolean;
  /** Delay before a job whose run threw (database or provider start-up trouble) runs again. */
  errorDelayMs: number;
}

interface ClaimedRow {
  message_id: string;
  channel_id: string;
  attempts: number;
  sending_since: Date | null;
}

/**
 * Outbound queue in the database (embedded mode): one `outbound_jobs` row per message, claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease (`locked_until`, renewed while the job runs), so a crashed
 * worker's job is taken again once its lease lapses, and two workers never take the same job.
 */
export class DatabaseOutboundQueue implements OutboundQueue {
  readonly kind = 'database' as const;
  private readonly running = new Map<string, Promise<void>>();
  private handler?: OutboundJobHandler;
  private stopped = true;
  private wake?: () => void;
  private loop?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: DatabaseQueueOptions,
    private readonly logger: Logger,
  ) {}

  async enqueue(messageId: string, channelId: string): Promise<void> {
    await this.prisma.$executeRaw`INSERT INTO outbound_jobs (message_id, channel_id) VALUES (${messageId}::uuid, ${channelId}::uuid) ON CONFLICT (message_id) DO NOTHING`;
    this.wake?.();
  }

  async start(handler: OutboundJobHandler): Promise<void> {
    this.handler = handler;
    this.stopped = false;
    if (this.options.releaseLocksAtStart) await this.prisma.$executeRaw`UPDATE outbound_jobs SET locked_until = NULL WHERE locked_until IS NOT NULL`;
    // Leases of running jobs are renewed well before they lapse.
    this.heartbeat = setInterval(() => void this.renewLeases(), Math.floor(this.options.lockMs / 3));
    this.loop = this.pollLoop();
  }

  async stop(deadlineMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    await this.loop;
    const finished = await settleWithin([...this.running.values()], deadlineMs);
    if (!finished) this.logger.warn({ module: 'outbound', operation: 'stop', in_flight: this.running.size }, 'sends still running at the deadline; their jobs are taken again when the lease lapses');
    clearInterval(this.heartbeat);
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      const free = this.options.concurrency - this.running.size;
      let claimed: ClaimedRow[] = [];
      if (free > 0) {
        claimed = await this.claim(free).catch((err) => {
          this.logger.error({ module: 'outbound', operation: 'claim', err }, 'claiming outbound jobs failed');
          return [];
        });
        for (const row of claimed) this.run(row);
      }
      // A full batch means more may be due: look again at once; otherwise wait for a poll or an enqueue.
      if (claimed.length === 0 || claimed.length < free) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private claim(limit: number): Promise<ClaimedRow[]> {
    const lockMs = this.options.lockMs;
    return this.prisma.$queryRaw<ClaimedRow[]>`
      UPDATE outbound_jobs j SET locked_until = now() + ${lockMs}::float8 * interval '1 millisecond'
      FROM (SELECT message_id FROM outbound_jobs
            WHERE run_at <= now() AND (locked_until IS NULL OR locked_until < now())
            ORDER BY run_at LIMIT ${limit}::int FOR UPDATE SKIP LOCKED) due
      WHERE j.message_id = due.message_id
      RETURNING j.message_id, j.channel_id, j.attempts, j.sending_since`;
  }

  private run(row: ClaimedRow): void {
    const job: OutboundJob = { messageId: row.message_id, channelId: row.channel_id, attempts: row.attempts, wasSending: row.sending_since !== null };
    const control = { markSending: async () => void (await this.prisma.$executeRaw`UPDATE outbound_jobs SET sending_since = now() WHERE message_id = ${job.messageId}::uuid`) };
    const done = (async () => {
      let outcome: OutboundJobOutcome;
      let threw = false;
      try {
        outcome = await this.handler!(job, control);
      } catch (err) {
        this.logger.error({ module: 'outbound', operation: 'run', message_id: job.messageId, channel_id: job.channelId, err }, 'outbound job failed; it runs again later');
        outcome = { kind: 'retry', delayMs: this.options.errorDelayMs, countAttempt: false };
        threw = true;
      }
      await this.settle(job.messageId, outcome, threw).catch((err) => this.logger.error({ module: 'outbound', operation: 'settle', message_id: job.messageId, err }, 'could not update the outbound job; its lease lapses'));
    })().finally(() => {
      this.running.delete(job.messageId);
      this.wake?.();
    });
    this.running.set(job.messageId, done);
  }

  /** A run that threw keeps its sending mark: the provider may have taken the message before the throw. */
  private async settle(messageId: string, outcome: OutboundJobOutcome, threw = false): Promise<void> {
    if (outcome.kind === 'done') {
      await this.prisma.$executeRaw`DELETE FROM outbound_jobs WHERE message_id = ${messageId}::uuid`;
      return;
    }
    const add = outcome.countAttempt ? 1 : 0;
    await this.prisma.$executeRaw`
      UPDATE outbound_jobs SET run_at = now() + ${outcome.delayMs}::float8 * interval '1 millisecond', attempts = attempts + ${add},
        locked_until = NULL, sending_since = CASE WHEN ${threw} THEN sending_since ELSE NULL END
      WHERE message_id = ${messageId}::uuid`;
    this.wake?.();
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    await this.prisma.$executeRaw`UPDATE outbound_jobs SET locked_until = now() + ${this.options.lockMs}::float8 * interval '1 millisecond' WHERE message_id = ANY(${ids}::uuid[])`.catch((err) =>
      this.logger.warn({ module: 'outbound', operation: 'renewLeases', err }, 'renewing outbound leases failed'),
    );
  }
}
