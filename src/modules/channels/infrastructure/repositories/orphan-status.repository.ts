import type { StatusUpdate } from '../../domain/repositories/message.repository.interface';
import type { OrphanStatusRepository } from '../../domain/repositories/orphan-status.repository.interface';
import type { PrismaClient } from '../../../../shared/database/prisma-client';

/** How long a status waits for its message; a send that never stores its id does not keep them forever. */
const KEEP_DAYS = 7;

type OrphanRow = { id: bigint; status: StatusUpdate['status']; error_code: string | null; error_message: string | null };

const toUpdate = (r: OrphanRow): StatusUpdate => ({ status: r.status, errorCode: r.error_code, errorMessage: r.error_message });

/**
 * Orphan statuses in PostgreSQL, without locks or transactions: every statement is single. A park
 * that lands after the sender's take (which runs once the provider id is committed) sees that id
 * when it checks again after its own insert, and takes its row back itself; one that lands before
 * is seen by the take. DELETE ... RETURNING hands each row to one of them only.
 */
export class PrismaOrphanStatusRepository implements OrphanStatusRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async parkUnlessKnown(channelId: string, externalId: string, update: StatusUpdate): Promise<'parked' | 'known'> {
    const parked = await this.prisma.$queryRaw<{ id: bigint }[]>`
      WITH expired AS (DELETE FROM orphan_statuses WHERE received_at < now() - make_interval(days => ${KEEP_DAYS}))
      INSERT INTO orphan_statuses (channel_id, external_id, status, error_code, error_message)
      SELECT ${channelId}::uuid, ${externalId}, ${update.status}::"MessageStatus", ${update.errorCode ?? null}, ${update.errorMessage ?? null}
      WHERE NOT EXISTS (SELECT 1 FROM messages WHERE channel_id = ${channelId}::uuid AND external_id = ${externalId} AND direction = 'outgoing')
      RETURNING id`;
    if (!parked.length) return 'known';
    // The sender may have stored the id and taken its orphans between the check above and this insert's commit.
    const reclaimed = await this.prisma.$queryRaw<{ id: bigint }[]>`
      DELETE FROM orphan_statuses o WHERE o.id = ${parked[0].id}
        AND EXISTS (SELECT 1 FROM messages WHERE channel_id = ${channelId}::uuid AND external_id = ${externalId} AND direction = 'outgoing')
      RETURNING o.id`;
    return reclaimed.length ? 'known' : 'parked';
  }

  async take(channelId: string, externalId: string): Promise<StatusUpdate[]> {
    return (await this.takeMany([{ channelId, externalId }]))[0];
  }

  async takeMany(keys: { channelId: string; externalId: string }[]): Promise<StatusUpdate[][]> {
    const input = JSON.stringify(keys.map((k) => ({ channel_id: k.channelId, external_id: k.externalId })));
    const rows = await this.prisma.$queryRaw<(OrphanRow & { channel_id: string; external_id: string })[]>`
      DELETE FROM orphan_statuses o USING jsonb_to_recordset(${input}::jsonb) AS k(channel_id uuid, external_id text)
      WHERE o.channel_id = k.channel_id AND o.external_id = k.external_id
      RETURNING o.id, o.channel_id, o.external_id, o.status, o.error_code, o.error_message`;
    const byKey = new Map<string, OrphanRow[]>();
    for (const r of rows.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const key = `${r.channel_id}\u0000${r.external_id}`;
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    return keys.map((k) => (byKey.get(`${k.channelId}\u0000${k.externalId}`) ?? []).map(toUpdate));
  }
}
