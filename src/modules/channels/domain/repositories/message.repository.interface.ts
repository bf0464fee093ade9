import type { ConversationEntity } from '../entities/conversation.entity';
import type { ContentType, MessageEntity, MessageStatus } from '../entities/message.entity';
import type { InboundMessageEvent } from '../inbound-event';
import type { Page, PageRequest } from './pagination';

export interface NewOutgoingMessage {
  companyId: number;
  channelId: string;
  conversationId: string;
  from: string | null;
  to: string;
  message: string;
  contentType: ContentType;
  metadata?: unknown;
  /** Media sent with the message, stored as its attachments. */
  attachments?: Array<{ type: string; url: string; mimeType: string; filename?: string; caption?: string }>;
}

/** What a status change did: the message after it and the status before it. */
export interface StatusChange {
  message: MessageEntity;
  previousStatus: MessageStatus;
}

/** What a status update by provider id found: the change, or none (refused by the rule when `found`). */
export interface StatusOutcome {
  change: StatusChange | null;
  /** An outgoing message of the channel has that provider id (false: the id is not known yet). */
  found: boolean;
}

export interface StatusUpdate {
  status: MessageStatus;
  externalId?: string;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/** Result of storing an incoming message: null when the provider message was already stored. */
export interface StoredIncoming {
  message: MessageEntity;
  conversation: ConversationEntity;
  conversationCreated: boolean;
}

/** One customer's message of a batch, with the channel it came in on. */
export interface IncomingItem {
  channel: { id: string; companyId: number; defaultAgentId: number | null };
  event: InboundMessageEvent;
}

/** One status update of a batch, by the outgoing message's provider id within its channel. */
export interface StatusItem {
  channelId: string;
  externalId: string;
  update: StatusUpdate;
}

/** Port for messages. */
export interface MessageRepository {
  /**
   * Stores an incoming message in the open conversation of its sender, creating it if needed, in one
   * transaction. The unique (channel, external_id) key decides duplicates: a duplicate returns null
   * and changes nothing.
   */
  storeIncoming(channel: { id: string; companyId: number; defaultAgentId: number | null }, event: InboundMessageEvent): Promise<StoredIncoming | null>;
  /**
   * storeIncoming for many attachment-less messages at once (one statement): the result of each,
   * in order; a repeat of an id earlier in the batch is a duplicate too.
   */
  storeIncomingBatch(items: IncomingItem[]): Promise<(StoredIncoming | null)[]>;
  /** updateStatusByExternalId for many messages at once (one statement); each message at most once per call. */
  updateStatusesBatch(items: StatusItem[]): Promise<StatusOutcome[]>;
  createOutgoing(input: NewOutgoingMessage): Promise<MessageEntity>;
  /** A customer's message already stored under that provider id, with its conversation (a redelivery). */
  findIncomingByExternalId(channelId: string, externalId: string): Promise<{ message: MessageEntity; conversation: ConversationEntity } | null>;
  /** Outgoing messages still PENDING (created before the date, if given), deleted channels included, oldest first: the outbound queue's recovery. */
  listPendingOutgoing(createdBefore?: Date): Promise<Array<{ id: string; channelId: string }>>;
  findById(id: string, companyId?: number): Promise<MessageEntity | null>;
  /** Outgoing messages still PENDING on every instance (the queue's depth). */
  countPendingOutgoing(): Promise<number>;
  /** The message even when its channel was deleted: the outbound worker must still settle it. */
  findForSend(id: string): Promise<MessageEntity | null>;
  /** findForSend for many sends at once (one statement), in the order of `ids`. */
  findForSendBatch(ids: string[]): Promise<(MessageEntity | null)[]>;
  listByConversation(conversationId: string, page: PageRequest): Promise<Page<MessageEntity>>;
  /** Applies the status rule in the UPDATE itself; null when the rule refused or nothing matched. */
  updateStatusById(id: string, update: StatusUpdate): Promise<StatusChange | null>;
  /** updateStatusById for many distinct messages at once (one statement), in order. */
  updateStatusesByIdBatch(items: { id: string; update: StatusUpdate }[]): Promise<(StatusChange | null)[]>;
  /** Same, finding the outgoing message by its provider id within the channel; says whether one has that id. */
  updateStatusByExternalId(channelId: string, externalId: string, update: StatusUpdate): Promise<StatusOutcome>;
  /**
   * Merges `details` into the metadata of the call message `callSid` of the channel; with
   * `fromCallStatuses`, only when its stored call status is one of them. Null when nothing changed.
   */
  updateCallDetails(channelId: string, callSid: string, details: Record<string, unknown>, fromCallStatuses: string[] | null): Promise<MessageEntity | null>;
}
