import type { ConversationStatus, ParticipantType } from '../../domain/entities/conversation.entity';

/** Body of POST /api/channels/conversations. */
export interface CreateConversationDto {
  channel_id: string;
  external_id: string;
  status?: ConversationStatus;
  assigned_agent_id?: number | null;
  participant_id?: string | null;
  participant_meta?: Record<string, unknown> | null;
  participant_type?: ParticipantType;
  company_id?: number;
}

/** Body of PUT /api/channels/conversations/:id. */
export interface UpdateConversationDto {
  status?: ConversationStatus;
  participant_id?: string | null;
  participant_meta?: Record<string, unknown> | null;
  participant_type?: ParticipantType;
}

/** Query of GET /api/channels/conversations. */
export interface ListConversationsQuery {
  channel_id?: string;
  status?: ConversationStatus;
  assigned_agent_id?: number;
  external_id?: string;
  company_id?: number;
  page: number;
  limit: number;
  sortBy: 'created_at' | 'updated_at' | 'last_message_at';
  sortDir: 'asc' | 'desc';
}
