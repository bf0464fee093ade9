import type { Logger } from 'pino';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { InboundEvent } from '../../domain/inbound-event';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { OrphanStatusRepository } from '../../domain/repositories/orphan-status.repository.interface';
import type { MessageRepository } from '../../domain/repositories/message.repository.interface';
import { NO_METRICS, type ServiceMetrics } from '../ports/service-metrics.port';

/** Counts of what one ingest call did. */
export interface IngestResult {
  stored: number;
  duplicates: number;
  statusesApplied: number;
  statusesIgnored: number;
}

/**
 * The one inbound path for every provider: store each event idempotently (the database decides
 * duplicates), then emit only what was newly stored or really changed.
 */
export class InboundIngestUseCase {
  constructor(
    private readonly messages: MessageRepository,
    private readonly publisher: RealtimePublisher,
    private readonly logger: Logger,
    private readonly orphans: OrphanStatusRepository,
    private readonly metrics: ServiceMetrics = NO_METRICS,
  ) {}

  async ingest(channel: ChannelEntity, events: InboundEvent[]): Promise<IngestResult> {
    const result: IngestResult = { stored: 0, duplicates: 0, statusesApplied: 0, statusesIgnored: 0 };
    for (const event of events) {
      if (event.kind === 'message') {
        const stored = await this.messages.storeIncoming(channel, event);
        if (!stored) {
          result.duplicates++;
          // Stored but maybe never acknowledged (a crash before the answer): its event webhook may be missing.
          if (this.publisher.messageRedelivered) {
            const existing = await this.messages.findIncomingByExternalId(channel.id, event.externalId);
            if (existing) this.publisher.messageRedelivered(existing.message, existing.conversation);
          }
          continue;
        }
        result.stored++;
        this.metrics.message(channel.id, 'incoming', stored.message.status);
        if (stored.conversationCreated) this.publisher.conversationUpdated(stored.conversation, 'created');
        this.publisher.messageReceived(stored.message, stored.conversation);
      } else {
        const update = { status: event.status, errorCode: event.errorCode, errorMessage: event.errorMessage };
        let { change, found } = await this.messages.updateStatusByExternalId(channel.id, event.externalId, update);
        // No message has that id yet (the send has not stored the provider's answer): keep the status for it.
        // One the rule refused (out of order, repeated) was found and is simply ignored.
        if (!found && (await this.orphans.parkUnlessKnown(channel.id, event.externalId, update)) === 'known') {
          ({ change } = await this.messages.updateStatusByExternalId(channel.id, event.externalId, update));
        }
        if (!change) {
          result.statusesIgnored++;
          continue;
        }
        result.statusesApplied++;
        this.metrics.message(channel.id, 'outgoing', change.message.status);
        this.publisher.messageStatus(change.message, change.previousStatus);
      }
    }
    // The provider's acknowledgement waits until the events' webhook deliveries are stored too.
    await this.publisher.durable?.();
    this.metrics.webhookEvents(channel.provider, 'stored', result.stored);
    this.metrics.webhookEvents(channel.provider, 'duplicate', result.duplicates);
    this.metrics.webhookEvents(channel.provider, 'status_applied', result.statusesApplied);
    this.metrics.webhookEvents(channel.provider, 'status_ignored', result.statusesIgnored);
    this.logger.debug({ module: 'ingest', operation: 'ingest', channel_id: channel.id, ...result }, 'events ingested');
    return result;
  }
}
