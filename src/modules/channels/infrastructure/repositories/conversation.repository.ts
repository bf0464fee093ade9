import type { Prisma, PrismaClient } from '../../../../generated/prisma/client';
import { ConflictError, NotFoundError } from '../../../../shared/errors/app-error';
import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type {
  ConversationFilter,
  ConversationPatch,
  ConversationRepository,
  NewConversation,
} from '../../domain/repositories/conversation.repository.interface';
import type { Page, PageRequest } from '../../domain/repositories/pagination';
import { conversationFromRow } from '../mappers/row.mapper';
import { isUniqueViolation } from './prisma-errors';

const SORT_FIELDS: Record<string, string> = {
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  last_message_at: 'lastMessageAt',
};

type Db = Pick<PrismaClient, '$queryRaw'>;

/**
 * Inserts the open conversation of (channel, external_id) or touches the existing one, in one
 * statement on the partial unique index, so concurrent first messages create exactly one.
 */
export async function upsertOpenConversation(db: Db, input: NewConversation, at: Date | null): Promise<{ conversation: ConversationEntity; created: boolean }> {
  const meta = input.participantMeta === undefined ? null : JSON.stringify(input.participantMeta);
  const rows = await db.$queryRaw<any[]>`
    INSERT INTO conversations (company_id, channel_id, external_id, assigned_agent_id, participant_id, participant_meta, participant_type, last_message_at)
    VALUES (${input.companyId}, ${input.channelId}::uuid, ${input.externalId}, ${input.assignedAgentId ?? null}, ${input.participantId ?? null},
            ${meta}::jsonb, ${input.participantType ?? 'client'}::"ParticipantType", ${at})
    ON CONFLICT (channel_id, external_id) WHERE status <> 'closed'
    DO UPDATE SET
      last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
      participant_meta = COALESCE(conversations.participant_meta, EXCLUDED.participant_meta),
      updated_at = now()
    RETURNING *, (xmax = 0) AS inserted`;
  return { conversation: conversationFromRow(rows[0]), created: rows[0].inserted === true };
}

/** Only last_message_at can be null; Prisma rejects a nulls option on required fields. */
function sortOrder(page: PageRequest): Prisma.ConversationOrderByWithRelationInput {
  const field = SORT_FIELDS[page.sortBy] ?? 'createdAt';
  return field === 'lastMessageAt' ? { lastMessageAt: { sort: page.sortDir, nulls: 'last' } } : { [field]: page.sortDir };
}

const OPEN_CONFLICT = 'An open conversation already exists for this channel and external_id';

/** Prisma implementation of ConversationRepository. */
export class PrismaConversationRepository implements ConversationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: NewConversation): Promise<ConversationEntity> {
    try {
      const row = await this.prisma.conversation.create({
        data: { ...input, participantMeta: input.participantMeta as Prisma.InputJsonValue | undefined },
      });
      return row as ConversationEntity;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(OPEN_CONFLICT, 'CONVERSATION_ALREADY_OPEN');
      throw err;
    }
  }

  async findById(id: string, companyId?: number): Promise<ConversationEntity | null> {
    return (await this.prisma.conversation.findFirst({ where: { id, companyId, channel: { deletedAt: null } } })) as ConversationEntity | null;
  }

  async findOrCreateOpen(input: NewConversation) {
    return upsertOpenConversation(this.prisma, input, null);
  }

  async list(filter: ConversationFilter, page: PageRequest): Promise<Page<ConversationEntity>> {
    const where = {
      companyId: filter.companyId,
      channelId: filter.channelId,
      status: filter.status,
      assignedAgentId: filter.assignedAgentId,
      externalId: filter.externalId,
      channel: { deletedAt: null },
    };
    const [rows, total] = await Promise.all([
      this.prisma.conversation.findMany({
        where,
        orderBy: [sortOrder(page), { id: 'asc' }],
        skip: (page.page - 1) * page.limit,
        take: page.limit,
      }),
      this.prisma.conversation.count({ where }),
    ]);
    return { items: rows as ConversationEntity[], total };
  }

  async update(id: string, patch: ConversationPatch): Promise<ConversationEntity> {
    try {
      const row = await this.prisma.conversation.update({
        where: { id },
        data: { ...patch, participantMeta: patch.participantMeta as Prisma.InputJsonValue | undefined },
      });
      return row as ConversationEntity;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(OPEN_CONFLICT, 'CONVERSATION_ALREADY_OPEN');
      if ((err as { code?: string }).code === 'P2025') throw new NotFoundError('Conversation');
      throw err;
    }
  }
}
