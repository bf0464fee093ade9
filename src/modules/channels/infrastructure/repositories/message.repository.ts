import type { PrismaClient } from '../../../../generated/prisma/client';
import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type { MessageEntity } from '../../domain/entities/message.entity';
import type { InboundMessageEvent } from '../../domain/inbound-event';
import type {
  IncomingItem,
  StatusItem,
  StatusOutcome,
  MessageRepository,
  NewOutgoingMessage,
  StatusChange,
  StatusUpdate,
  StoredIncoming,
} from '../../domain/repositories/message.repository.interface';
import type { Page, PageRequest } from '../../domain/repositories/pagination';
import { storableJson } from '../../../../shared/database/storable-json';
import { attachmentFromJson, messageFromRow } from '../mappers/row.mapper';
import { upsertOpenConversation } from './conversation.repository';
import { storeIncomingBatch, updateStatusesBatch } from './inbound-batch.sql';
import { findForSendBatch, updateStatusesByIdBatch } from './outbound-batch.sql';

const SORT_FIELDS: Record<string, string> = { timestamp: 'timestamp', created_at: 'createdAt', updated_at: 'updatedAt' };

/** Thrown inside the ingest transaction to roll back a duplicate's conversation touch. */
class DuplicateMessage extends Error {}

/** Prisma implementation of MessageRepository. */
export class PrismaMessageRepository implements MessageRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async storeIncoming(channel: { id: string; companyId: number; defaultAgentId: number | null }, event: InboundMessageEvent): Promise<StoredIncoming | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const { conversation, created } = await upsertOpenConversation(
          tx,
          {
            companyId: channel.companyId,
            channelId: channel.id,
            externalId: event.from,
            assignedAgentId: channel.defaultAgentId,
            participantId: event.from,
            participantMeta: event.contactName ? { name: event.contactName } : undefined,
          },
          event.timestamp,
        );
        // The unique (channel_id, direction, external_id) index decides duplicates, never a prior read.
        const rows = await tx.$queryRaw<any[]>`
          INSERT INTO messages (company_id, channel_id, conversation_id, "from", "to", message, payload, metadata, direction, "timestamp", status, content_type, external_id)
          VALUES (${channel.companyId}, ${channel.id}::uuid, ${conversation.id}::uuid, ${event.from}, ${event.to ?? null}, ${event.text},
                  ${JSON.stringify(storableJson(event.payload))}::jsonb, ${event.metadata ? JSON.stringify(storableJson(event.metadata)) : null}::jsonb,
                  'incoming', ${event.timestamp}, 'RECEIVED', ${event.contentType}::"MessageContentType", ${event.externalId})
          ON CONFLICT (channel_id, direction, external_id) DO NOTHING
          RETURNING *`;
        if (rows.length === 0) throw new DuplicateMessage();
        const message = messageFromRow(rows[0]);
        if (event.attachments.length) {
          await tx.attachment.createMany({
            data: event.attachments.map((a) => ({
              messageId: message.id,
              type: a.type,
              mimeType: a.mimeType,
              providerMediaId: a.providerMediaId,
              url: a.url,
              filename: a.filename,
              sha256: a.sha256,
              caption: a.caption,
              sizeBytes: a.sizeBytes,
            })),
          });
          message.attachments = await tx.attachment.findMany({ where: { messageId: message.id } });
        } else {
          message.attachments = [];
        }
        return { message, conversation, conversationCreated: created };
      });
    } catch (err) {
      if (err instanceof DuplicateMessage) return null;
      throw err;
    }
  }

  storeIncomingBatch(items: IncomingItem[]): Promise<(StoredIncoming | null)[]> {
    return storeIncomingBatch(this.prisma, items);
  }

  updateStatusesBatch(items: StatusItem[]): Promise<StatusOutcome[]> {
    return updateStatusesBatch(this.prisma, items);
  }

  /** The reply, its attachments and the conversation's last_message_at in one statement (no interactive transaction). */
  async createOutgoing(input: NewOutgoingMessage): Promise<MessageEntity> {
    const attachments = JSON.stringify((input.attachments ?? []).map((a) => ({ type: a.type, url: a.url, mime_type: a.mimeType, filename: a.filename ?? null, caption: a.caption ?? null })));
    const metadata = input.metadata === undefined ? null : JSON.stringify(input.metadata);
    const rows = await this.prisma.$queryRaw<any[]>`
      WITH msg AS (
        INSERT INTO messages (company_id, channel_id, conversation_id, "from", "to", message, content_type, metadata, direction, status)
        VALUES (${input.companyId}, ${input.channelId}::uuid, ${input.conversationId}::uuid, ${input.from}, ${input.to}, ${input.message},
                ${input.contentType}::"MessageContentType", ${metadata}::jsonb, 'outgoing', 'PENDING')
        RETURNING *
      ), att AS (
        INSERT INTO attachments (message_id, type, url, mime_type, filename, caption)
        SELECT msg.id, a.type, a.url, a.mime_type, a.filename, a.caption
        FROM msg, ROWS FROM (jsonb_to_recordset(${attachments}::jsonb) AS (type text, url text, mime_type text, filename text, caption text)) WITH ORDINALITY AS a(type, url, mime_type, filename, caption, ord)
        ORDER BY a.ord
        RETURNING *
      ), touched AS (
        UPDATE conversations SET last_message_at = (SELECT "timestamp" FROM msg), updated_at = now() WHERE id = ${input.conversationId}::uuid RETURNING id
      )
      SELECT msg.*, COALESCE((SELECT json_agg(att) FROM att), '[]'::json) AS attachment_rows, (SELECT count(*) FROM touched)::int AS touched FROM msg`;
    return { ...messageFromRow(rows[0]), attachments: (rows[0].attachment_rows as any[]).map(attachmentFromJson) };
  }

  async listPendingOutgoing(createdBefore?: Date): Promise<Array<{ id: string; channelId: string }>> {
    return this.prisma.message.findMany({
      where: { direction: 'outgoing', status: 'PENDING', createdAt: createdBefore ? { lt: createdBefore } : undefined },
      select: { id: true, channelId: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  async findById(id: string, companyId?: number): Promise<MessageEntity | null> {
    return (await this.prisma.message.findFirst({ where: { id, companyId, channel: { deletedAt: null } }, include: { attachments: true } })) as MessageEntity | null;
  }

  async countPendingOutgoing(): Promise<number> {
    return this.prisma.message.count({ where: { direction: 'outgoing', status: 'PENDING' } });
  }

  async findIncomingByExternalId(channelId: string, externalId: string) {
    const row = await this.prisma.message.findFirst({ where: { channelId, externalId, direction: 'incoming' }, include: { attachments: true, conversation: true } });
    if (!row) return null;
    const { conversation, ...message } = row;
    return { message: message as MessageEntity, conversation: conversation as unknown as ConversationEntity };
  }

  async findForSend(id: string): Promise<MessageEntity | null> {
    return (await findForSendBatch(this.prisma, [id]))[0];
  }

  async listByConversation(conversationId: string, page: PageRequest): Promise<Page<MessageEntity>> {
    const where = { conversationId };
    const [rows, total] = await Promise.all([
      this.prisma.message.findMany({
        where,
        include: { attachments: true },
        orderBy: [{ [SORT_FIELDS[page.sortBy] ?? 'timestamp']: page.sortDir }, { createdAt: page.sortDir }, { id: 'asc' }],
        skip: (page.page - 1) * page.limit,
        take: page.limit,
      }),
      this.prisma.message.count({ where }),
    ]);
    return { items: rows as MessageEntity[], total };
  }

  findForSendBatch(ids: string[]): Promise<(MessageEntity | null)[]> {
    return findForSendBatch(this.prisma, ids);
  }

  updateStatusesByIdBatch(items: { id: string; update: StatusUpdate }[]): Promise<(StatusChange | null)[]> {
    return updateStatusesByIdBatch(this.prisma, items);
  }

  async updateStatusById(id: string, update: StatusUpdate): Promise<StatusChange | null> {
    return (await updateStatusesByIdBatch(this.prisma, [{ id, update }]))[0];
  }

  async updateStatusByExternalId(channelId: string, externalId: string, update: StatusUpdate): Promise<StatusOutcome> {
    return (await updateStatusesBatch(this.prisma, [{ channelId, externalId, update }]))[0];
  }

  async updateCallDetails(channelId: string, callSid: string, details: Record<string, unknown>, fromCallStatuses: string[] | null): Promise<MessageEntity | null> {
    const patch = JSON.stringify(storableJson(details));
    // Merged only when it changes something (a repeated callback is a no-op) and, with a status
    // rule, only when the stored call status may move to the new one.
    const rows = await this.prisma.$queryRaw<any[]>`
      UPDATE messages SET metadata = COALESCE(metadata, '{}'::jsonb) || ${patch}::jsonb, updated_at = now()
      WHERE channel_id = ${channelId}::uuid AND external_id = ${callSid} AND content_type = 'call'
        AND NOT (COALESCE(metadata, '{}'::jsonb) @> ${patch}::jsonb)
        AND (${fromCallStatuses}::text[] IS NULL OR COALESCE(metadata->>'call_status', '') = ANY(${fromCallStatuses}::text[]))
      RETURNING *`;
    return rows.length ? messageFromRow(rows[0]) : null;
  }
}
