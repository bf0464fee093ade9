import type { ChannelKpiCounts, ChannelKpiRepository } from '../../domain/repositories/channel-kpi.repository.interface';
import type { PrismaClient } from '../../../../shared/database/prisma-client';

/** Channel KPIs computed in PostgreSQL: one pass for the counts, one for first response times. */
export class PrismaChannelKpiRepository implements ChannelKpiRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async countsFor(channelId: string, from: Date, to: Date): Promise<ChannelKpiCounts> {
    const [c] = await this.prisma.$queryRaw<Array<Record<string, bigint>>>`
      SELECT count(*) FILTER (WHERE direction = 'incoming') AS incoming,
             count(*) FILTER (WHERE direction = 'outgoing') AS outgoing,
             count(*) FILTER (WHERE direction = 'outgoing' AND status IN ('DELIVERED', 'READ')) AS delivered,
             count(*) FILTER (WHERE direction = 'outgoing' AND status = 'SENT') AS sent,
             count(*) FILTER (WHERE direction = 'outgoing' AND status = 'FAILED') AS failed,
             count(*) FILTER (WHERE direction = 'outgoing' AND status = 'PENDING') AS pending
      FROM messages WHERE channel_id = ${channelId}::uuid AND "timestamp" >= ${from} AND "timestamp" < ${to}`;
    const [r] = await this.prisma.$queryRaw<Array<{ answered: bigint; avg_s: number | null }>>`
      WITH firsts AS (
        SELECT conversation_id, min("timestamp") AS first_in FROM messages
        WHERE channel_id = ${channelId}::uuid AND direction = 'incoming' AND "timestamp" >= ${from} AND "timestamp" < ${to}
        GROUP BY conversation_id
      )
      SELECT count(reply.first_out) AS answered, avg(EXTRACT(EPOCH FROM (reply.first_out - f.first_in)))::float8 AS avg_s
      FROM firsts f
      CROSS JOIN LATERAL (
        SELECT min(m."timestamp") AS first_out FROM messages m
        WHERE m.conversation_id = f.conversation_id AND m.direction = 'outgoing' AND m."timestamp" >= f.first_in
      ) reply`;
    return {
      incoming: Number(c.incoming),
      outgoing: Number(c.outgoing),
      outgoingDelivered: Number(c.delivered),
      outgoingSent: Number(c.sent),
      outgoingFailed: Number(c.failed),
      outgoingPending: Number(c.pending),
      conversationsAnswered: Number(r.answered),
      averageFirstResponseSeconds: r.avg_s === null ? null : Math.round(r.avg_s * 1000) / 1000,
    };
  }
}
