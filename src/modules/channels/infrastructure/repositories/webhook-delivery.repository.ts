import type { Prisma, PrismaClient } from '../../../../generated/prisma/client';
import type { OrderedWebhookEvent, WebhookDeliveryEntity, WebhookDeliveryStatus, WebhookEvent } from '../../domain/entities/webhook.entity';
import type { Page, PageRequest } from '../../domain/repositories/pagination';
import type { ClaimedDelivery, DeliveryOutcome, WebhookDeliveryRepository } from '../../domain/repositories/webhook.repository.interface';

// Kept short in the database: a receiver's error page is not worth storing whole.
const MAX_ERROR_LENGTH = 500;

/** A row as selected: the entity's fields, with the JSONB payload not yet typed. */
type DeliveryRow = Omit<WebhookDeliveryEntity, 'payload'> & { payload: unknown };

const PUBLIC_COLUMNS = {
  id: true, subscriptionId: true, companyId: true, eventId: true, eventType: true, payload: true, status: true, attempts: true,
  nextAttemptAt: true, lastError: true, lastStatusCode: true, deliveredAt: true, createdAt: true, updatedAt: true,
} as const;

function toEntity(row: DeliveryRow): WebhookDeliveryEntity {
  return { ...row, payload: row.payload as WebhookEvent };
}

/**
 * The delivery queue in PostgreSQL (PGlite in embedded mode). Claims use `FOR UPDATE SKIP LOCKED`
 * plus a lease (token and expiry), so any number of instances can run the worker: a row is held by
 * one of them at a time, and a crashed holder's lease simply runs out.
 */
export class PrismaWebhookDeliveryRepository implements WebhookDeliveryRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async enqueue(events: OrderedWebhookEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    // One statement for every matching subscription of every event: all of their deliveries exist, or none.
    const items = JSON.stringify(events.map(({ event, orderingKey }) => ({ event, orderingKey })));
    // Rows are produced (and numbered by `seq`) in the events' order, so per-conversation order holds.
    return this.prisma.$executeRaw`
      INSERT INTO webhook_deliveries (subscription_id, company_id, event_id, event_type, ordering_key, payload)
      SELECT s.id, s.company_id, (x.e->'event'->>'id')::uuid, x.e->'event'->>'type', x.e->>'orderingKey', x.e->'event'
      FROM jsonb_array_elements(${items}::jsonb) WITH ORDINALITY AS x(e, ord)
      JOIN webhook_subscriptions s ON s.company_id = (x.e->'event'->>'company_id')::int AND (x.e->'event'->>'type') = ANY(s.event_types)
      ORDER BY x.ord, s.id
      ON CONFLICT (subscription_id, event_id) DO NOTHING`;
  }

  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    // Only the head of each (subscription, ordering key) line is a candidate: an earlier pending
    // delivery (waiting, retrying or leased) holds back the later ones of the same conversation.
    const rows = await this.prisma.$queryRaw<{ id: string; subscription_id: string; event_type: string; payload: WebhookEvent; attempts: number; lease_token: string }[]>`
      WITH due AS (
        SELECT d.id FROM webhook_deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
          AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries e
            WHERE e.subscription_id = d.subscription_id AND e.ordering_key = d.ordering_key AND e.seq < d.seq AND e.status = 'pending')
        ORDER BY d.seq
        LIMIT ${limit}::int
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE webhook_deliveries w
      SET lease_token = gen_random_uuid(), lease_until = now() + ${leaseMs}::int * interval '1 millisecond', attempts = w.attempts + 1, updated_at = now()
      FROM due WHERE w.id = due.id
      RETURNING w.id, w.subscription_id, w.event_type, w.payload, w.attempts, w.lease_token`;
    return rows.map((r) => ({ id: r.id, subscriptionId: r.subscription_id, eventType: r.event_type, payload: r.payload, attempts: r.attempts, leaseToken: r.lease_token }));
  }

  async settle(delivery: ClaimedDelivery, outcome: DeliveryOutcome): Promise<boolean> {
    const error = outcome.kind === 'delivered' ? null : outcome.error.slice(0, MAX_ERROR_LENGTH);
    const statusCode = outcome.statusCode ?? null;
    const delayMs = outcome.kind === 'retry' ? outcome.delayMs : 0;
    const status = outcome.kind === 'retry' ? 'pending' : outcome.kind;
    const updated = await this.prisma.$executeRaw`
      UPDATE webhook_deliveries
      SET status = ${status}::"WebhookDeliveryStatus", lease_token = NULL, lease_until = NULL, updated_at = now(),
          last_error = ${error}, last_status_code = ${statusCode}::int,
          delivered_at = CASE WHEN ${status} = 'delivered' THEN now() ELSE delivered_at END,
          next_attempt_at = now() + ${delayMs}::int * interval '1 millisecond'
      WHERE id = ${delivery.id}::uuid AND lease_token = ${delivery.leaseToken}::uuid AND status = 'pending'`;
    return updated === 1;
  }

  async release(delivery: ClaimedDelivery): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE webhook_deliveries SET lease_token = NULL, lease_until = NULL, attempts = attempts - 1, updated_at = now()
      WHERE id = ${delivery.id}::uuid AND lease_token = ${delivery.leaseToken}::uuid AND status = 'pending'`;
  }

  async list(subscriptionId: string, status: WebhookDeliveryStatus | undefined, page: PageRequest): Promise<Page<WebhookDeliveryEntity>> {
    const where = { subscriptionId, status };
    const [rows, total] = await Promise.all([
      this.prisma.webhookDelivery.findMany({ where, select: PUBLIC_COLUMNS, orderBy: [{ seq: page.sortDir }], skip: (page.page - 1) * page.limit, take: page.limit }),
      this.prisma.webhookDelivery.count({ where }),
    ]);
    return { items: rows.map(toEntity), total };
  }

  async replay(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryEntity | null | false> {
    const data: Prisma.WebhookDeliveryUpdateManyMutationInput = { status: 'pending', attempts: 0, nextAttemptAt: new Date(), leaseToken: null, leaseUntil: null };
    const { count } = await this.prisma.webhookDelivery.updateMany({ where: { id: deliveryId, subscriptionId, status: { in: ['delivered', 'dead'] } }, data });
    const row = await this.prisma.webhookDelivery.findFirst({ where: { id: deliveryId, subscriptionId }, select: PUBLIC_COLUMNS });
    if (!row) return null;
    return count === 1 ? toEntity(row) : false;
  }
}
