import type { MessageStatus } from '../../domain/entities/message.entity';

/** Body of POST /api/channels/messages (and the socket's send_message, translated). */
export interface SendMessageDto {
  conversation_id?: string;
  channel_id?: string;
  to?: string;
  /** Text, or the caption of media. */
  message: string;
  content_type: 'text' | 'image' | 'audio' | 'video' | 'document' | 'sticker';
  attachments?: Array<{ url: string; mime_type: string; filename?: string }>;
  metadata?: Record<string, unknown>;
}

/** Body of PUT /api/channels/messages/:id/status. */
export interface UpdateMessageStatusDto {
  status: MessageStatus;
}

/** Query of GET /api/channels/conversations/:conversationId/messages. */
export interface ListMessagesQuery {
  page: number;
  limit: number;
  sortBy: 'timestamp' | 'created_at';
  sortDir: 'asc' | 'desc';
}
