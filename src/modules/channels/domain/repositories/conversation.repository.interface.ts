import type { ConversationEntity, ConversationStatus, ParticipantType } from '../entities/conversation.entity';
import type { Page, PageRequest } from './pagination';

export interface NewConversation {
  companyId: number;
  channelId: string;
  externalId: string;
  status?: ConversationStatus;
  assignedAgentId?: number | null;
  participantId?: string | null;
  participantMeta?: unknown;
  participantType?: ParticipantType;
}

export interface ConversationPatch {
  status?: ConversationStatus;
  assignedAgentId?: number | null;
  participantId?: string | null;
  participantMeta?: unknown;
  participantType?: ParticipantType;
}

export interface ConversationFilter {
  companyId?: number;
  channelId?: string;
  status?: ConversationStatus;
  assignedAgentId?: number;
  externalId?: string;
}

/** Port for conversations. */
export interface ConversationRepository {
  /** A second not-closed conversation for the same (channel, external_id) is a ConflictError. */
  create(input: NewConversation): Promise<ConversationEntity>;
  findById(id: string, companyId?: number): Promise<ConversationEntity | null>;
  /** The open conversation of (channel, external_id), created if none; safe under concurrency. */
  findOrCreateOpen(input: NewConversation): Promise<{ conversation: ConversationEntity; created: boolean }>;
  list(filter: ConversationFilter, page: PageRequest): Promise<Page<ConversationEntity>>;
  /** Reopening while another open conversation exists is a ConflictError. */
  update(id: string, patch: ConversationPatch): Promise<ConversationEntity>;
}
