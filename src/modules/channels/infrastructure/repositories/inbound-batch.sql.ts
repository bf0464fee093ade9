import type { PrismaClient } from '../../../../generated/prisma/client';
import type { InboundMessageEvent } from '../../domain/inbound-event';
import { statusesThatMayBecome } from '../../domain/message-status.rule';
import type { IncomingItem, StatusItem, StatusOutcome, StoredIncoming } from '../../domain/repositories/message.repository.interface';
import { storableJson } from '../../../../shared/database/storable-json';
import { conversationFromRow, messageFromRow } from '../mappers/row.mapper';

/**
 * Many customers' messages in one statement: their senders' open conversations upserted (one row
 * each), then the messages inserted, the unique (channel_id, direction, external_id) index deciding
 * duplicates. A message already stored does not touch its conversation (a late redelivery after the
 * conversation was closed must not open a new one).
 */
const STORE_INCOMING = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    idx int, company_id int, channel_id uuid, ext text, sender text, recipient text, body text, payload jsonb,
    metadata jsonb, ts timestamptz, content_type text, agent_id int, participant_meta jsonb)
), fresh AS (
  SELECT i.* FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.channel_id = i.channel_id AND m.direction = 'incoming' AND m.external_id = i.ext)
), conv AS (
  INSERT INTO conversations (company_id, channel_id, external_id, assigned_agent_id, participant_id, participant_meta, participant_type, last_message_at)
  SELECT DISTINCT ON (channel_id, sender) company_id, channel_id, sender, agent_id, sender, participant_meta, 'client', max(ts) OVER (PARTITION BY channel_id, sender)
  FROM fresh ORDER BY channel_id, sender, idx
  ON CONFLICT (channel_id, external_id) WHERE status <> 'closed'
  DO UPDATE SET
    last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
    participant_meta = COALESCE(conversations.participant_meta, EXCLUDED.participant_meta),
    updated_at = now()
  RETURNING *, (xmax = 0) AS inserted
), msg AS (
  INSERT INTO messages (company_id, channel_id, conversation_id, "from", "to", message, payload, metadata, direction, "timestamp", status, content_type, external_id)
  SELECT f.company_id, f.channel_id, c.id, f.sender, f.recipient, f.body, f.payload, f.metadata, 'incoming', f.ts, 'RECEIVED', f.content_type::"MessageContentType", f.ext
  FROM fresh f JOIN conv c ON c.channel_id = f.channel_id AND c.external_id = f.sender
  ORDER BY f.idx
  ON CONFLICT (channel_id, direction, external_id) DO NOTHING
  RETURNING *
)
SELECT msg.*, to_jsonb(c) AS conversation_row FROM msg JOIN conv c ON c.id = msg.conversation_id`;

/**
 * Status updates of distinct messages in one statement; the rule (which status may follow which)
 * is in the WHERE clause as in the single update. Rows are locked in id order, so two such
 * statements running at once cannot deadlock.
 */
const UPDATE_STATUSES = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(idx int, channel_id uuid, ext text, status text, error_code text, error_message text, allowed text)
), target AS (
  SELECT m.id, m.status AS previous_status, i.idx FROM messages m JOIN input i ON m.channel_id = i.channel_id AND m.external_id = i.ext AND m.direction = 'outgoing'
  ORDER BY m.id FOR UPDATE OF m
), changed AS (
  UPDATE messages m SET
    status = i.status::"MessageStatus",
    error_code = COALESCE(i.error_code, m.error_code),
    error_message = COALESCE(i.error_message, m.error_message),
    updated_at = now()
  FROM target t JOIN input i ON i.idx = t.idx
  WHERE m.id = t.id AND m.status::text = ANY(i.allowed::text[])
  RETURNING m.*, t.previous_status, t.idx AS target_idx
)
SELECT i.idx AS input_idx, (t.id IS NOT NULL) AS found, c.*
FROM input i LEFT JOIN target t ON t.idx = i.idx LEFT JOIN changed c ON c.target_idx = i.idx`;

type Db = Pick<PrismaClient, '$queryRawUnsafe'>;

/** Stores attachment-less incoming messages in one statement; null for each duplicate (in the database or earlier in the batch). */
export async function storeIncomingBatch(db: Db, items: IncomingItem[]): Promise<(StoredIncoming | null)[]> {
  const input = items.map(({ channel, event }, idx) => ({
    idx,
    company_id: channel.companyId,
    channel_id: channel.id,
    ext: event.externalId,
    sender: event.from,
    recipient: event.to ?? null,
    body: event.text,
    payload: storableJson(event.payload),
    metadata: event.metadata ? storableJson(event.metadata) : null,
    ts: event.timestamp.toISOString(),
    content_type: event.contentType,
    agent_id: channel.defaultAgentId,
    participant_meta: participantMeta(event),
  }));
  const rows = await db.$queryRawUnsafe<any[]>(STORE_INCOMING, JSON.stringify(input));
  const byKey = new Map(rows.map((r) => [`${r.channel_id}\u0000${r.external_id}`, r]));
  const announced = new Set<string>();
  return items.map(({ channel, event }) => {
    const key = `${channel.id}\u0000${event.externalId}`;
    const row = byKey.get(key);
    if (!row) return null;
    // Only the first event with that id gets the row; a repeat later in the batch is a duplicate.
    byKey.delete(key);
    const c = row.conversation_row;
    const conversation = conversationFromRow({ ...c, created_at: new Date(c.created_at), updated_at: new Date(c.updated_at), last_message_at: c.last_message_at ? new Date(c.last_message_at) : null });
    const conversationCreated = c.inserted === true && !announced.has(conversation.id);
    announced.add(conversation.id);
    return { message: { ...messageFromRow(row), attachments: [] }, conversation, conversationCreated };
  });
}

/** Applies status updates of distinct messages in one statement, with the same outcome per item as one update each. */
export async function updateStatusesBatch(db: Db, items: StatusItem[]): Promise<StatusOutcome[]> {
  const input = items.map(({ channelId, externalId, update }, idx) => ({
    idx,
    channel_id: channelId,
    ext: externalId,
    status: update.status,
    error_code: update.errorCode ?? null,
    error_message: update.errorMessage ?? null,
    allowed: `{${statusesThatMayBecome(update.status).join(',')}}`,
  }));
  const rows = await db.$queryRawUnsafe<any[]>(UPDATE_STATUSES, JSON.stringify(input));
  const outcomes: StatusOutcome[] = items.map(() => ({ found: false, change: null }));
  for (const row of rows) {
    outcomes[row.input_idx] = { found: row.found === true, change: row.id ? { message: messageFromRow(row), previousStatus: row.previous_status } : null };
  }
  return outcomes;
}

function participantMeta(event: InboundMessageEvent): { name: string } | null {
  return event.contactName ? { name: event.contactName } : null;
}
