import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type { AttachmentEntity, MessageEntity } from '../../domain/entities/message.entity';

// Raw SQL returns snake_case rows; Prisma model objects already match the entities' camelCase.
type Row = Record<string, any>;

/** Maps a raw `conversations` row to the entity. */
export function conversationFromRow(r: Row): ConversationEntity {
  return {
    id: r.id,
    companyId: r.company_id,
    channelId: r.channel_id,
    status: r.status,
    externalId: r.external_id,
    assignedAgentId: r.assigned_agent_id,
    participantId: r.participant_id,
    participantMeta: r.participant_meta,
    participantType: r.participant_type,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastMessageAt: r.last_message_at,
  };
}

/** Maps a raw `messages` row to the entity. */
export function messageFromRow(r: Row): MessageEntity {
  return {
    id: r.id,
    companyId: r.company_id,
    channelId: r.channel_id,
    conversationId: r.conversation_id,
    from: r.from,
    to: r.to,
    message: r.message,
    payload: r.payload,
    metadata: r.metadata,
    direction: r.direction,
    timestamp: r.timestamp,
    status: r.status,
    contentType: r.content_type,
    externalId: r.external_id,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Maps an `attachments` row given as JSON (json_agg of the table's columns) to the entity. */
export function attachmentFromJson(r: Row): AttachmentEntity {
  return {
    id: r.id,
    messageId: r.message_id,
    type: r.type,
    mimeType: r.mime_type,
    providerMediaId: r.provider_media_id,
    url: r.url,
    filename: r.filename,
    sha256: r.sha256,
    caption: r.caption,
    sizeBytes: r.size_bytes,
    createdAt: new Date(r.created_at),
  };
}
