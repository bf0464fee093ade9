import type { Logger } from 'pino';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { InboundEvent, InboundMessageEvent, InboundStatusEvent } from '../../domain/inbound-event';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { OrphanStatusRepository } from '../../domain/repositories/orphan-status.repository.interface';
import type { IncomingItem, MessageRepository, StatusItem, StatusOutcome, StoredIncoming } from '../../domain/repositories/message.repository.interface';
import { NO_METRICS, type ServiceMetrics } from '../ports/service-metrics.port';
import { GroupCommit } from '../services/group-commit';

/** Counts of what one ingest call did. */
export interface IngestResult {
  stored: number;
  duplicates: number;
  statusesApplied: number;
  statusesIgnored: number;
}

/** Events per statement at most, and statements of each kind running at once. */
const MAX_BATCH = 500;
const MAX_CONCURRENT = 2;

/**
 * The one inbound path for every provider: store each event idempotently (the database decides
 * duplicates), then emit only what was newly stored or really changed. Events of concurrent
 * webhooks are written together (group commit): one statement for many messages, one for many
 * statuses, instead of a transaction each.
 */
export class InboundIngestUseCase {
  private readonly incoming: GroupCommit<IncomingItem, StoredIncoming | null>;
  private readonly statuses: GroupCommit<StatusItem, StatusOutcome>;

  constructor(
    private readonly messages: MessageRepository,
    private readonly publisher: RealtimePublisher,
    private readonly logger: Logger,
    private readonly orphans: OrphanStatusRepository,
    private readonly metrics: ServiceMetrics = NO_METRICS,
  ) {
    this.incoming = new GroupCommit({
      runBatch: (items) => messages.storeIncomingBatch(items),
      runOne: ({ channel, event }) => messages.storeIncoming(channel, event),
      maxBatch: MAX_BATCH,
      maxConcurrent: MAX_CONCURRENT,
    });
    this.statuses = new GroupCommit({
      runBatch: (items) => this.updateInRounds(items),
      runOne: ({ channelId, externalId, update }) => messages.updateStatusByExternalId(channelId, externalId, update),
      maxBatch: MAX_BATCH,
      maxConcurrent: MAX_CONCURRENT,
    });
  }

  async ingest(channel: ChannelEntity, events: InboundEvent[]): Promise<IngestResult> {
    const result: IngestResult = { stored: 0, duplicates: 0, statusesApplied: 0, statusesIgnored: 0 };
    // Submitted together, so one webhook's events share a batch and keep their order in it.
    const outcomes = await Promise.all(events.map((event) => (event.kind === 'message' ? this.store(channel, event) : this.statuses.submit(statusItem(channel, event)))));
    for (const [i, event] of events.entries()) {
      if (event.kind === 'message') await this.afterStore(channel, event, outcomes[i] as StoredIncoming | null, result);
      else await this.afterStatus(channel, event, outcomes[i] as StatusOutcome, result);
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

  /** Messages with attachments keep their own transaction (the attachment rows go with the message). */
  private store(channel: ChannelEntity, event: InboundMessageEvent): Promise<StoredIncoming | null> {
    return event.attachments.length ? this.messages.storeIncoming(channel, event) : this.incoming.submit({ channel, event });
  }

  private async afterStore(channel: ChannelEntity, event: InboundMessageEvent, stored: StoredIncoming | null, result: IngestResult): Promise<void> {
    if (!stored) {
      result.duplicates++;
      // Stored but maybe never acknowledged (a crash before the answer): its event webhook may be missing.
      if (this.publisher.messageRedelivered) {
        const existing = await this.messages.findIncomingByExternalId(channel.id, event.externalId);
        if (existing) this.publisher.messageRedelivered(existing.message, existing.conversation);
      }
      return;
    }
    result.stored++;
    this.metrics.message(channel.id, 'incoming', stored.message.status);
    if (stored.conversationCreated) this.publisher.conversationUpdated(stored.conversation, 'created');
    this.publisher.messageReceived(stored.message, stored.conversation);
  }

  private async afterStatus(channel: ChannelEntity, event: InboundStatusEvent, outcome: StatusOutcome, result: IngestResult): Promise<void> {
    let { change } = outcome;
    const update = statusItem(channel, event).update;
    // No message has that id yet (the send has not stored the provider's answer): keep the status for it.
    // One the rule refused (out of order, repeated) was found and is simply ignored.
    if (!outcome.found && (await this.orphans.parkUnlessKnown(channel.id, event.externalId, update)) === 'known') {
      ({ change } = await this.messages.updateStatusByExternalId(channel.id, event.externalId, update));
    }
    if (!change) {
      result.statusesIgnored++;
      return;
    }
    result.statusesApplied++;
    this.metrics.message(channel.id, 'outgoing', change.message.status);
    this.publisher.messageStatus(change.message, change.previousStatus);
  }

  /** A batch may hold several statuses of one message: each round updates every message at most once, in arrival order. */
  private async updateInRounds(items: StatusItem[]): Promise<StatusOutcome[]> {
    const outcomes: StatusOutcome[] = new Array(items.length);
    let rest = items.map((item, index) => ({ item, index }));
    while (rest.length) {
      const seen = new Set<string>();
      const round: typeof rest = [];
      const later: typeof rest = [];
      for (const entry of rest) {
        const key = `${entry.item.channelId}\u0000${entry.item.externalId}`;
        (seen.has(key) ? later : round).push(entry);
        seen.add(key);
      }
      const out = await this.messages.updateStatusesBatch(round.map((e) => e.item));
      round.forEach((e, j) => (outcomes[e.index] = out[j]));
      rest = later;
    }
    return outcomes;
  }
}

function statusItem(channel: ChannelEntity, event: InboundStatusEvent): StatusItem {
  return { channelId: channel.id, externalId: event.externalId, update: { status: event.status, errorCode: event.errorCode, errorMessage: event.errorMessage } };
}
