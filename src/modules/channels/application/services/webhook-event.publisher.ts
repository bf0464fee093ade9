import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type { MessageEntity, MessageStatus } from '../../domain/entities/message.entity';
import type { WebhookEventType } from '../../domain/entities/webhook.entity';
import type { ChannelEvent, RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { WebhookDeliveryRepository } from '../../domain/repositories/webhook.repository.interface';
import { toConversationDto, toMessageDto, toMessageStatusDto } from '../../infrastructure/mappers/dto.mapper';

/**
 * A RealtimePublisher that passes every event on to the gateway and also stores it as event
 * webhook deliveries. Deliveries are stored one event after the other (in publish order, so a
 * conversation's events keep their order), off the caller's path: a failure is logged, never thrown
 * into the use case that published.
 */
export class WebhookEventPublisher implements RealtimePublisher {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: RealtimePublisher,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly onStored: () => void,
    private readonly logger: Logger,
  ) {}

  messageReceived(message: MessageEntity, conversation: ConversationEntity): void {
    this.inner.messageReceived(message, conversation);
    this.record('message.received', message.companyId, `conversation:${conversation.id}`, { message: toMessageDto(message), conversation: toConversationDto(conversation) });
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

  /** Resolves once every event published so far is stored (graceful stop, tests). */
  flush(): Promise<void> {
    return this.tail;
  }

  private record(type: WebhookEventType, companyId: number, orderingKey: string, data: Record<string, unknown>): void {
    // JSON round trip now: the entities may change after this call returns.
    const event = { id: crypto.randomUUID(), type, created_at: new Date().toISOString(), company_id: companyId, data: JSON.parse(JSON.stringify(data)) };
    this.tail = this.tail.then(async () => {
      try {
        if ((await this.deliveries.enqueue({ event, orderingKey })) > 0) this.onStored();
      } catch (err) {
        this.logger.error({ module: 'event-webhooks', operation: 'enqueue', event_type: type, err }, 'event webhook deliveries not stored');
      }
    });
  }
}
