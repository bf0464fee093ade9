export const MESSAGE_STATUSES = ['PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'RECEIVED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MESSAGE_DIRECTIONS = ['incoming', 'outgoing'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

export const CONTENT_TYPES = [
  'text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts',
  'reaction', 'interactive', 'template', 'call', 'unsupported',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** A file or media item of a message (the provider's media id until it is downloaded). */
export interface AttachmentEntity {
  id: string;
  messageId: string;
  type: string;
  mimeType: string | null;
  providerMediaId: string | null;
  url: string | null;
  filename: string | null;
  sha256: string | null;
  caption: string | null;
  sizeBytes: number | null;
  createdAt: Date;
}

/** One message of a conversation, in either direction. */
export interface MessageEntity {
  id: string;
  companyId: number;
  channelId: string;
  conversationId: string;
  from: string | null;
  to: string | null;
  message: string;
  payload: unknown;
  metadata: unknown;
  direction: MessageDirection;
  timestamp: Date;
  status: MessageStatus;
  contentType: ContentType;
  externalId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
  attachments?: AttachmentEntity[];
}
