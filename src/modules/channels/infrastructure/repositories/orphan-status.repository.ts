import type { StatusUpdate } from '../../domain/repositories/message.repository.interface';
import type { OrphanStatusRepository } from '../../domain/repositories/orphan-status.repository.interface';
import type { PrismaClient } from '../../../../shared/database/prisma-client';

/** How long a status waits for its message; a send that never stores its id does not keep them forever. */
const KEEP_DAYS = 7;

/** Serialises park and take of one provider id until the transaction ends. */
async function lockId(tx: Pick<PrismaClient, '$queryRaw'>, channelId: string, externalId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended(${`orphan:${channelId}:${externalId}`}, 0))) AS l`;
}

/** Orphan statuses in PostgreSQL; a transaction-scoped advisory lock per (channel, provider id) orders park and take. */
export class PrismaOrphanStatusRepository implements OrphanStatusRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async parkUnlessKnown(channelId: string, externalId: string, update: StatusUpdate): Promise<'parked' | 'known'> {
    return this.prisma.$transaction(async (tx) => {
      await lockId(tx, channelId, externalId);
      const known = await tx.$queryRaw<unknown[]>`
        SELECT 1 FROM messages WHERE channel_id = ${channelId}::uuid AND external_id = ${externalId} AND direction = 'outgoing' LIMIT 1`;
      if (known.length) return 'known' as const;
      await tx.$executeRaw`
        INSERT INTO orphan_statuses (channel_id, external_id, status, error_code, error_message)
        VALUES (${channelId}::uuid, ${externalId}, ${update.status}::"MessageStatus", ${update.errorCode ?? null}, ${update.errorMessage ?? null})`;
      await tx.$executeRaw`DELETE FROM orphan_statuses WHERE received_at < now() - make_interval(days => ${KEEP_DAYS})`;
      return 'parked' as const;
    });
  }

  async take(channelId: string, externalId: string): Promise<StatusUpdate[]> {
    return this.prisma.$transaction(async (tx) => {
      await lockId(tx, channelId, externalId);
      const rows = await tx.$queryRaw<Array<{ id: bigint; status: StatusUpdate['status']; error_code: string | null; error_message: string | null }>>`
        DELETE FROM orphan_statuses WHERE channel_id = ${channelId}::uuid AND external_id = ${externalId}
        RETURNING id, status, error_code, error_message`;
      return rows.sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => ({ status: r.status, errorCode: r.error_code, errorMessage: r.error_message }));
    });
  }
}
