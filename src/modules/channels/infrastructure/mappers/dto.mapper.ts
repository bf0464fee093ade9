import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type { AttachmentEntity, MessageEntity, MessageStatus } from '../../domain/entities/message.entity';
import type { ChannelKpis } from '../../application/use-cases/channel-metrics.use-case';
import type { AgentEntity, CompanyEntity } from '../../domain/repositories/company.repository.interface';

// Fields are listed on purpose: a new column (or a credential) never leaks into a response.

/** Channel as the API returns it; credentials never appear. */
export function toChannelDto(c: ChannelEntity) {
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    provider: c.provider,
    config: c.config,
    is_active: c.isActive,
    credentials_id: c.credentialsId,
    provider_account: c.providerAccount,
    default_agent_id: c.defaultAgentId,
    company_id: c.companyId,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    deleted_at: c.deletedAt,
  };
}

/** Conversation as the API returns it. */
export function toConversationDto(c: ConversationEntity) {
  return {
    id: c.id,
    status: c.status,
    company_id: c.companyId,
    channel_id: c.channelId,
    external_id: c.externalId,
    assigned_agent_id: c.assignedAgentId,
    participant_id: c.participantId,
    participant_meta: c.participantMeta ?? null,
    participant_type: c.participantType,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    last_message_at: c.lastMessageAt,
  };
}

/** Attachment as the API returns it. */
export function toAttachmentDto(a: AttachmentEntity) {
  return {
    id: a.id,
    type: a.type,
    mime_type: a.mimeType,
    provider_media_id: a.providerMediaId,
    url: a.url,
    filename: a.filename,
    sha256: a.sha256,
    caption: a.caption,
    size_bytes: a.sizeBytes,
  };
}

/** Message as the API and sockets return it. */
export function toMessageDto(m: MessageEntity) {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    channel_id: m.channelId,
    company_id: m.companyId,
    from: m.from,
    to: m.to,
    message: m.message,
    payload: m.payload ?? null,
    metadata: m.metadata ?? null,
    direction: m.direction,
    timestamp: m.timestamp,
    status: m.status,
    content_type: m.contentType,
    external_id: m.externalId,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    attachments: (m.attachments ?? []).map(toAttachmentDto),
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

/** A message's status change, as sockets and event webhooks push it. */
export function toMessageStatusDto(m: MessageEntity, previousStatus: MessageStatus) {
  return {
    message_id: m.id,
    conversation_id: m.conversationId,
    channel_id: m.channelId,
    external_id: m.externalId,
    status: m.status,
    previous_status: previousStatus,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    updated_at: m.updatedAt,
  };
}

/** Company as the API returns it. */
export function toCompanyDto(c: CompanyEntity) {
  return { id: c.id, name: c.name, created_at: c.createdAt, updated_at: c.updatedAt };
}

/** Agent as the API returns it. */
export function toAgentDto(a: AgentEntity) {
  return { id: a.id, company_id: a.companyId, name: a.name, email: a.email, role: a.role, permissions: a.permissions, created_at: a.createdAt, updated_at: a.updatedAt };
}

/** A channel's KPIs (GET /api/channels/:id/metrics). */
export function toChannelKpisDto(k: ChannelKpis) {
  return {
    channel_id: k.channelId,
    from: k.from.toISOString(),
    to: k.to.toISOString(),
    message_volume: { incoming: k.incoming, outgoing: k.outgoing },
    outgoing_by_status: { pending: k.outgoingPending, sent: k.outgoingSent, delivered_or_read: k.outgoingDelivered, failed: k.outgoingFailed },
    delivery_rate: k.deliveryRate,
    first_response: { conversations_answered: k.conversationsAnswered, average_seconds: k.averageFirstResponseSeconds },
    availability: { is_active: k.availability.isActive, runtime_status: k.availability.runtimeStatus, circuit: k.availability.circuit },
  };
}
