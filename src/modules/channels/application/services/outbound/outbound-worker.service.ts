import type { Logger } from 'pino';
import type { MessageRepository } from '../../../domain/repositories/message.repository.interface';
import type { OutboundQueue } from '../../ports/outbound-queue.port';
import type { OutboundSendUseCase } from '../../use-cases/outbound-send.use-case';

/** How often and for how old PENDING messages the worker re-enqueues those that lost their job. */
export interface OutboundSweepOptions {
  sweepMs: number;
  sweepAgeMs: number;
}

/** Runs the outbound queue's worker: recovery at start and on a timer, every job to the send use case; stops gracefully. */
export class OutboundWorkerService {
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly queue: OutboundQueue,
    private readonly sender: OutboundSendUseCase,
    private readonly messages: MessageRepository,
    private readonly logger: Logger,
    private readonly sweep: OutboundSweepOptions,
  ) {}

  /** Re-enqueues PENDING outgoing messages (a process killed between insert and enqueue), then takes jobs. */
  async start(): Promise<void> {
    const recovered = await this.recover();
    await this.queue.start((job, control) => this.sender.handle(job, control));
    // A Redis restart without persistence loses BullMQ's jobs while their messages stay PENDING in the database.
    this.sweeper = setInterval(() => {
      if (!this.sweeping) this.sweeping = this.sweepLost().finally(() => (this.sweeping = undefined));
    }, this.sweep.sweepMs);
    this.sweeper.unref();
    this.logger.info({ module: 'outbound', operation: 'start', queue: this.queue.kind, recovered }, 'outbound worker started');
  }

  /** Enqueues every PENDING outgoing message (created before `createdBefore`); those that still have a job are no-ops (the message id is the job id). */
  async recover(createdBefore?: Date): Promise<number> {
    const pending = await this.messages.listPendingOutgoing(createdBefore);
    for (const m of pending) await this.queue.enqueue(m.id, m.channelId);
    return pending.length;
  }

  /**
   * Re-enqueues messages PENDING for longer than any send can take. Older than sweepAgeMs only, so a
   * send still in flight has stored its outcome before its message could be queued again.
   */
  private async sweepLost(): Promise<void> {
    try {
      const n = await this.recover(new Date(Date.now() - this.sweep.sweepAgeMs));
      if (n) this.logger.info({ module: 'outbound', operation: 'sweep', pending: n }, 'old PENDING messages re-enqueued (no-op for those with a job)');
    } catch (err) {
      this.logger.warn({ module: 'outbound', operation: 'sweep', err }, 'outbound sweep failed');
    }
  }

  /** Stops the sweep and taking jobs, and lets running sends finish within the deadline. */
  async stop(deadlineMs: number): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
    await this.queue.stop(deadlineMs);
    this.logger.info({ module: 'outbound', operation: 'stop' }, 'outbound worker stopped');
  }
}
