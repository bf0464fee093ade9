import type { PrismaClient } from '../../../../generated/prisma/client';
import type { Prisma } from '../../../../generated/prisma/client';
import { ConflictError, NotFoundError } from '../../../../shared/errors/app-error';
import type { CredentialsCipher } from '../../../../shared/crypto/credentials-cipher';
import type { ChannelEntity, ChannelProvider } from '../../domain/entities/channel.entity';
import type { ChannelFilter, ChannelPatch, ChannelRepository, NewChannel } from '../../domain/repositories/channel.repository.interface';
import type { Page, PageRequest } from '../../domain/repositories/pagination';
import { isUniqueViolation } from './prisma-errors';

const SORT_FIELDS: Record<string, string> = { created_at: 'createdAt', updated_at: 'updatedAt', name: 'name' };

function toEntity(row: any): ChannelEntity {
  const { credentials: _omit, ...rest } = row;
  return { ...rest, config: (row.config ?? {}) as Record<string, unknown> } as ChannelEntity;
}

/** Prisma implementation of ChannelRepository; credentials are encrypted before they reach the database. */
export class PrismaChannelRepository implements ChannelRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: CredentialsCipher,
  ) {}

  async create(input: NewChannel): Promise<ChannelEntity> {
    const { credentials, ...channel } = input;
    try {
      const row = await this.prisma.$transaction(async (tx) => {
        const credentialsId = credentials
          ? (await tx.channelCredential.create({ data: { companyId: input.companyId, provider: input.provider, ciphertext: this.cipher.encrypt(credentials) } })).id
          : null;
        return tx.channel.create({ data: { ...channel, config: channel.config as Prisma.InputJsonValue, credentialsId } });
      });
      return toEntity(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('A live channel already uses this provider_account', 'CHANNEL_ACCOUNT_TAKEN');
      throw err;
    }
  }

  async findById(id: string, companyId?: number): Promise<ChannelEntity | null> {
    const row = await this.prisma.channel.findFirst({ where: { id, companyId, deletedAt: null } });
    return row ? toEntity(row) : null;
  }

  async findByProviderAccounts(provider: ChannelProvider, accounts: string[]): Promise<ChannelEntity[]> {
    if (accounts.length === 0) return [];
    const rows = await this.prisma.channel.findMany({ where: { provider, providerAccount: { in: accounts }, deletedAt: null } });
    return rows.map(toEntity);
  }

  async list(filter: ChannelFilter, page: PageRequest): Promise<Page<ChannelEntity>> {
    const where = { deletedAt: null, companyId: filter.companyId, type: filter.type, provider: filter.provider, isActive: filter.isActive };
    const [rows, total] = await Promise.all([
      this.prisma.channel.findMany({
        where,
        orderBy: [{ [SORT_FIELDS[page.sortBy] ?? 'createdAt']: page.sortDir }, { id: 'asc' }],
        skip: (page.page - 1) * page.limit,
        take: page.limit,
      }),
      this.prisma.channel.count({ where }),
    ]);
    return { items: rows.map(toEntity), total };
  }

  async listActive(): Promise<ChannelEntity[]> {
    const rows = await this.prisma.channel.findMany({ where: { isActive: true, deletedAt: null } });
    return rows.map(toEntity);
  }

  async update(id: string, patch: ChannelPatch): Promise<ChannelEntity> {
    const { credentials, ...rest } = patch;
    try {
      return await this.updateInTransaction(id, rest, credentials);
    } catch (err) {
      // provider_account can change (a WhatsApp Web login records its number): same rule as create.
      if (isUniqueViolation(err)) throw new ConflictError('A live channel already uses this provider_account', 'CHANNEL_ACCOUNT_TAKEN');
      throw err;
    }
  }

  private updateInTransaction(id: string, rest: Omit<ChannelPatch, 'credentials'>, credentials: ChannelPatch['credentials']): Promise<ChannelEntity> {
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.channel.findFirst({ where: { id, deletedAt: null } });
      if (!current) throw new NotFoundError('Channel');
      let credentialsId = current.credentialsId;
      if (credentials) {
        const ciphertext = this.cipher.encrypt(credentials);
        if (credentialsId) await tx.channelCredential.update({ where: { id: credentialsId }, data: { ciphertext } });
        else credentialsId = (await tx.channelCredential.create({ data: { companyId: current.companyId, provider: current.provider, ciphertext } })).id;
      }
      const row = await tx.channel.update({
        where: { id },
        data: { ...rest, config: rest.config as Prisma.InputJsonValue | undefined, credentialsId },
      });
      return toEntity(row);
    });
  }

  async softDelete(id: string): Promise<void> {
    await this.prisma.channel.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date(), isActive: false } });
  }

  async getCredentials(channel: ChannelEntity): Promise<Record<string, unknown> | null> {
    if (!channel.credentialsId) return null;
    const row = await this.prisma.channelCredential.findUnique({ where: { id: channel.credentialsId } });
    return row ? this.cipher.decrypt(row.ciphertext) : null;
  }
}
