import type { ContentType } from './entities/message.entity';

/** An attachment as a provider announces it. */
export interface InboundAttachment {
  type: string;
  mimeType?: string;
  providerMediaId?: string;
  url?: string;
  filename?: string;
  sha256?: string;
  caption?: string;
  sizeBytes?: number;
}

/** A customer's message, normalised from any provider. */
export interface InboundMessageEvent {
  kind: 'message';
  /** The provider's message id: the idempotency key within the channel. */
  externalId: string;
  /** The customer's address on the channel (the conversation's external_id). */
  from: string;
  to?: string;
  contactName?: string;
  timestamp: Date;
  contentType: ContentType;
  text: string;
  payload: unknown;
  attachments: InboundAttachment[];
  /** Provider facts kept on the message (a call's status, ...). */
  metadata?: Record<string, unknown>;
}

/** A delivery status of an outgoing message, normalised from any provider. */
export interface InboundStatusEvent {
  kind: 'status';
  externalId: string;
  status: 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';
  timestamp: Date;
  recipient?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** What providers hand to the one ingest use case. */
export type InboundEvent = InboundMessageEvent | InboundStatusEvent;
