import type { ConversationEntity } from '../entities/conversation.entity';
import type { MessageEntity, MessageStatus } from '../entities/message.entity';

/** Pushes stored changes to the company's connected agents (implemented by the Socket.IO gateway). */
export interface RealtimePublisher {
  messageReceived(message: MessageEntity, conversation: ConversationEntity): void;
  /** An agent's reply was stored (PENDING); its sending result follows as a status. */
  messageCreated(message: MessageEntity, conversation: ConversationEntity): void;
  messageStatus(message: MessageEntity, previousStatus: MessageStatus): void;
  conversationUpdated(conversation: ConversationEntity, change: string): void;
}
