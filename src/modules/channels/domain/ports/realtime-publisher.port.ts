import type { ConversationEntity } from '../entities/conversation.entity';
import type { MessageEntity, MessageStatus } from '../entities/message.entity';

/** Channel events of the seed list (without the `channel.` prefix). */
export type ChannelEvent =
  | 'status.updated'
  | 'message.received'
  | 'auth.required'
  | 'disconnected'
  | 'auth_failure'
  | 'disconnect_error'
  | 'auth_failure_error'
  | 'session_cleaned'
  | 'started'
  | 'stopped';

/** Pushes stored changes to the company's connected agents (implemented by the Socket.IO gateway). */
export interface RealtimePublisher {
  messageReceived(message: MessageEntity, conversation: ConversationEntity): void;
  /**
   * A provider redelivered a message already stored (it got no acknowledgement): durable consumers
   * (event webhooks) record it again idempotently, live sockets are not told twice.
   */
  messageRedelivered?(message: MessageEntity, conversation: ConversationEntity): void;
  /** An agent's reply was stored (PENDING); its sending result follows as a status. */
  messageCreated(message: MessageEntity, conversation: ConversationEntity): void;
  messageStatus(message: MessageEntity, previousStatus: MessageStatus): void;
  conversationUpdated(conversation: ConversationEntity, change: string): void;
  /** A channel event, to the sockets that joined that channel. */
  channelEvent(channel: { id: string; companyId: number }, event: ChannelEvent, payload?: Record<string, unknown>): void;
  /**
   * Resolves once what was published so far is durably recorded (event webhook deliveries), and
   * rejects when some of it could not be: a webhook is acknowledged only after this.
   */
  durable?(): Promise<void>;
}
