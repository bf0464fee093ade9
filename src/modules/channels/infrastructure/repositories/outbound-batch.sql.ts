import type { PrismaClient } from '../../../../generated/prisma/client';
import { statusesThatMayBecome } from '../../domain/message-status.rule';
import type { StatusChange, StatusUpdate } from '../../domain/repositories/message.repository.interface';
import type { MessageEntity } from '../../domain/entities/message.entity';
import { attachmentFromJson, messageFromRow } from '../mappers/row.mapper';

type Db = Pick<PrismaClient, '$queryRawUnsafe'>;

/** Many sends' messages with their attachments in one statement (the outbound worker reads one per send). */
const FIND_FOR_SEND = `
SELECT m.*, COALESCE((SELECT json_agg(a) FROM attachments a WHERE a.message_id = m.id), '[]'::json) AS attachment_rows
FROM messages m WHERE m.id = ANY($1::uuid[])`;

/** Messages for send, in the order of `ids` (null: not there). */
export async function findForSendBatch(db: Db, ids: string[]): Promise<(MessageEntity | null)[]> {
  const rows = await db.$queryRawUnsafe<any[]>(FIND_FOR_SEND, ids);
  const byId = new Map(rows.map((r) => [r.id as string, { ...messageFromRow(r), attachments: (r.attachment_rows as any[]).map(attachmentFromJson) }]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** updateStatusById for many messages: the same rule in the WHERE clause, one statement. */
const UPDATE_BY_ID = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(idx int, id uuid, status text, ext text, error_code text, error_message text, allowed text)
), target AS (
  SELECT m.id, m.status AS previous_status, i.idx FROM messages m JOIN input i ON m.id = i.id
  ORDER BY m.id FOR UPDATE OF m
)
UPDATE messages m SET
  status = i.status::"MessageStatus",
  external_id = COALESCE(i.ext, m.external_id),
  error_code = COALESCE(i.error_code, m.error_code),
  error_message = COALESCE(i.error_message, m.error_message),
  updated_at = now()
FROM target t JOIN input i ON i.idx = t.idx
WHERE m.id = t.id AND m.status::text = ANY(i.allowed::text[])
RETURNING m.*, t.previous_status, t.idx AS input_idx`;

/**
 * Send outcomes of distinct messages in one statement; the change of each (null: refused by the rule
 * or not there), in order. A batch naming a message twice is refused (callers then go one by one).
 */
export async function updateStatusesByIdBatch(db: Db, items: { id: string; update: StatusUpdate }[]): Promise<(StatusChange | null)[]> {
  if (new Set(items.map((i) => i.id)).size !== items.length) throw new Error('a message appears twice in one status batch');
  const input = items.map(({ id, update }, idx) => ({
    idx,
    id,
    status: update.status,
    ext: update.externalId ?? null,
    error_code: update.errorCode ?? null,
    error_message: update.errorMessage ?? null,
    allowed: `{${statusesThatMayBecome(update.status).join(',')}}`,
  }));
  const rows = await db.$queryRawUnsafe<any[]>(UPDATE_BY_ID, JSON.stringify(input));
  const changes: (StatusChange | null)[] = items.map(() => null);
  for (const row of rows) changes[row.input_idx] = { message: messageFromRow(row), previousStatus: row.previous_status };
  return changes;
}
