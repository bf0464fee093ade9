import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { retryBlips } from '../../../../shared/retry';
import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type { MessageEntity, MessageStatus } from '../../domain/entities/message.entity';
import type { OrderedWebhookEvent, WebhookEventType } from '../../domain/entities/webhook.entity';
import type { ChannelEvent, RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { WebhookDeliveryRepository } from '../../domain/repositories/webhook.repository.interface';
import { toConversationDto, toMessageDto, toMessageStatusDto } from '../../infrastructure/mappers/dto.mapper';

/** The message.received event id of a message: derived from the message id (a name-based UUID), so a redelivery finds it. */
function receivedEventId(messageId: string): string {
  const h = crypto.createHash('sha256').update(`message.received:${messageId}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Tries to store an event's deliveries (about 1.5 s in all) before giving up. */
const STORE_ATTEMPTS = 5;

/**
 * A RealtimePublisher that passes every event on to the gateway and also stores it as event
 * webhook deliveries. Deliveries are stored one event after the other (in publish order, so a
 * conversation's events keep their order), off the caller's path; a database blip is retried a few
 * times. Callers that acknowledge something to a provider wait for `durable()` first.
 */
export class WebhookEventPublisher implements RealtimePublisher {
  private tail: Promise<void> = Promise.resolve();
  private pending: OrderedWebhookEvent[] = [];
  /** Events whose deliveries could not be stored, and the last reason. */
  private failures = 0;
  private lastFailure?: unknown;

  constructor(
    private readonly inner: RealtimePublisher,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly onStored: () => void,
    private readonly logger: Logger,
    /** Tells which companies listen to which event types; without it every event is recorded. */
    private readonly subscribers?: { covers(companyId: number, type: string): boolean },
  ) {}

  messageReceived(message: MessageEntity, conversation: ConversationEntity): void {
    this.inner.messageReceived(message, conversation);
    this.messageRedelivered(message, conversation);
  }

  /** Only the event webhook, under the same event id as the first time: a delivery already stored is kept once. */
  messageRedelivered(message: MessageEntity, conversation: ConversationEntity): void {
    this.record('message.received', message.companyId, `conversation:${conversation.id}`, { message: toMessageDto(message), conversation: toConversationDto(conversation) }, receivedEventId(message.id));
  }

  /** An agent's reply stored PENDING is not an event type of its own: its outcome comes as message.status. */
  messageCreated(message: MessageEntity, conversation: ConversationEntity): void {
    this.inner.messageCreated(message, conversation);
  }

  messageStatus(message: MessageEntity, previousStatus: MessageStatus): void {
    this.inner.messageStatus(message, previousStatus);
    this.record('message.status', message.companyId, `conversation:${message.conversationId}`, toMessageStatusDto(message, previousStatus));
  }

  conversationUpdated(conversation: ConversationEntity, change: string): void {
    this.inner.conversationUpdated(conversation, change);
    const data = { change, conversation: toConversationDto(conversation) };
    this.record(change === 'created' ? 'conversation.created' : 'conversation.updated', conversation.companyId, `conversation:${conversation.id}`, data);
  }

  channelEvent(channel: { id: string; companyId: number }, event: ChannelEvent, payload: Record<string, unknown> = {}): void {
    this.inner.channelEvent(channel, event, payload);
    if (event === 'status.updated') this.record('channel.status', channel.companyId, `channel:${channel.id}`, { ...payload, channel_id: channel.id });
  }

  /** Resolves once every event published so far is stored or given up (graceful stop, tests). */
  flush(): Promise<void> {
    return this.tail;
  }

  /** Like flush, but rejects (with the database's error) if an event published meanwhile was not stored. */
  async durable(): Promise<void> {
    const before = this.failures;
    await this.tail;
    if (this.failures > before) throw this.lastFailure;
  }

  private record(type: WebhookEventType, companyId: number, orderingKey: string, data: Record<string, unknown>, id?: string): void {
    if (this.subscribers && !this.subscribers.covers(companyId, type)) return;
    // JSON round trip now: the entities may change after this call returns.
    const event = { id: id ?? crypto.randomUUID(), type, created_at: new Date().toISOString(), company_id: companyId, data: JSON.parse(JSON.stringify(data)) };
    this.pending.push({ event, orderingKey });
    this.tail = this.tail.then(() => this.writePending());
  }

  /** Writes every event recorded so far in one statement (several at once under load), retrying a blip. */
  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    try {
      if ((await retryBlips(() => this.deliveries.enqueue(batch), { attempts: STORE_ATTEMPTS, baseDelayMs: 50 })) > 0) this.onStored();
    } catch (err) {
      this.failures += batch.length;
      this.lastFailure = err;
      this.logger.error({ module: 'event-webhooks', operation: 'enqueue', events: batch.length, attempts: STORE_ATTEMPTS, err }, 'event webhook deliveries not stored');
    }
  }
}
