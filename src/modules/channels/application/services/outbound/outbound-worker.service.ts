import type { Logger } from 'pino';
import type { MessageRepository } from '../../../domain/repositories/message.repository.interface';
import type { OutboundQueue } from '../../ports/outbound-queue.port';
import type { OutboundSendUseCase } from '../../use-cases/outbound-send.use-case';

/** Runs the outbound queue's worker: recovery at start, then every job to the send use case; stops gracefully. */
export class OutboundWorkerService {
  constructor(
    private readonly queue: OutboundQueue,
    private readonly sender: OutboundSendUseCase,
    private readonly messages: MessageRepository,
    private readonly logger: Logger,
  ) {}

  /** Re-enqueues PENDING outgoing messages (a process killed between insert and enqueue), then takes jobs. */
  async start(): Promise<void> {
    const recovered = await this.recover();
    await this.queue.start((job, control) => this.sender.handle(job, control));
    this.logger.info({ module: 'outbound', operation: 'start', queue: this.queue.kind, recovered }, 'outbound worker started');
  }

  /** Enqueues every PENDING outgoing message; those that still have a job are no-ops (the message id is the job id). */
  async recover(): Promise<number> {
    const pending = await this.messages.listPendingOutgoing();
    for (const m of pending) await this.queue.enqueue(m.id, m.channelId);
    return pending.length;
  }

  /** Stops taking jobs and lets running sends finish within the deadline. */
  async stop(deadlineMs: number): Promise<void> {
    await this.queue.stop(deadlineMs);
    this.logger.info({ module: 'outbound', operation: 'stop' }, 'outbound worker stopped');
  }
}
