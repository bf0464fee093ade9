export const CONVERSATION_STATUSES = ['open', 'pending', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export const PARTICIPANT_TYPES = ['agent', 'lead', 'client', 'contact', 'user'] as const;
export type ParticipantType = (typeof PARTICIPANT_TYPES)[number];

/** A customer's conversation on one channel; at most one not closed per (channel, external_id). */
export interface ConversationEntity {
  id: string;
  companyId: number;
  channelId: string;
  status: ConversationStatus;
  externalId: string;
  assignedAgentId: number | null;
  participantId: string | null;
  participantMeta: unknown;
  participantType: ParticipantType;
  createdAt: Date;
  updatedAt: Date;
  lastMessageAt: Date | null;
}
