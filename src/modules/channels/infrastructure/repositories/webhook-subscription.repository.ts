import type { PrismaClient } from '../../../../generated/prisma/client';
import type { CredentialsCipher } from '../../../../shared/crypto/credentials-cipher';
import type { WebhookEventType, WebhookSubscriptionEntity } from '../../domain/entities/webhook.entity';
import type { Page, PageRequest } from '../../domain/repositories/pagination';
import type { NewWebhookSubscription, WebhookSubscriptionRepository } from '../../domain/repositories/webhook.repository.interface';

interface SubscriptionRow {
  id: string;
  companyId: number;
  url: string;
  eventTypes: string[];
  createdAt: Date;
  updatedAt: Date;
}

// The ciphertext is never selected for an entity, so it cannot reach a mapper by accident.
const PUBLIC_COLUMNS = { id: true, companyId: true, url: true, eventTypes: true, createdAt: true, updatedAt: true } as const;

function toEntity(row: SubscriptionRow): WebhookSubscriptionEntity {
  return { ...row, eventTypes: row.eventTypes as WebhookEventType[] };
}

/** Prisma implementation; the signing secret is encrypted with the channel credentials' cipher. */
export class PrismaWebhookSubscriptionRepository implements WebhookSubscriptionRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: CredentialsCipher,
  ) {}

  async create(input: NewWebhookSubscription): Promise<WebhookSubscriptionEntity> {
    const row = await this.prisma.webhookSubscription.create({
      data: { companyId: input.companyId, url: input.url, eventTypes: input.eventTypes, secretCiphertext: this.cipher.encrypt({ secret: input.secret }) },
      select: PUBLIC_COLUMNS,
    });
    return toEntity(row);
  }

  async eventTypesOf(companyId: number): Promise<string[]> {
    const rows = await this.prisma.webhookSubscription.findMany({ where: { companyId }, select: { eventTypes: true } });
    return [...new Set(rows.flatMap((r) => r.eventTypes))];
  }

  async findById(id: string, companyId?: number): Promise<WebhookSubscriptionEntity | null> {
    const row = await this.prisma.webhookSubscription.findFirst({ where: { id, companyId }, select: PUBLIC_COLUMNS });
    return row ? toEntity(row) : null;
  }

  async list(companyId: number | undefined, page: PageRequest): Promise<Page<WebhookSubscriptionEntity>> {
    const where = { companyId };
    const [rows, total] = await Promise.all([
      this.prisma.webhookSubscription.findMany({
        where,
        select: PUBLIC_COLUMNS,
        orderBy: [{ createdAt: page.sortDir }, { id: 'asc' }],
        skip: (page.page - 1) * page.limit,
        take: page.limit,
      }),
      this.prisma.webhookSubscription.count({ where }),
    ]);
    return { items: rows.map(toEntity), total };
  }

  async delete(id: string): Promise<void> {
    await this.prisma.webhookSubscription.deleteMany({ where: { id } });
  }

  async findTarget(id: string): Promise<{ url: string; secret: string } | null> {
    const row = await this.prisma.webhookSubscription.findUnique({ where: { id }, select: { url: true, secretCiphertext: true } });
    return row ? { url: row.url, secret: this.cipher.decrypt<{ secret: string }>(row.secretCiphertext).secret } : null;
  }
}
