import type { ChannelEntity, ChannelProvider } from '../../domain/entities/channel.entity';
import type { ChannelFilter, ChannelPatch, ChannelRepository, NewChannel } from '../../domain/repositories/channel.repository.interface';
import type { Page, PageRequest } from '../../domain/repositories/pagination';

/** What the webhook use cases read about channels: by id, by provider account, and their secrets. */
export type ChannelLookup = Pick<ChannelRepository, 'findById' | 'findByProviderAccounts' | 'getCredentials'>;

/** Cached answers at most; past it the cache starts over (a flood of unknown ids cannot grow it). */
const MAX_ENTRIES = 10_000;

/**
 * The channel repository with its hot reads (by id, by provider account, the secrets) cached for a
 * short time and shared by concurrent callers: a number at full speed posts thousands of webhooks
 * and sends a second for the same channel. Every write through it clears the cache, and so does a
 * change on another instance (through the cluster bus), so the time-to-live only bounds a missed notice.
 */
export class ChannelLookupCache implements ChannelRepository {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly channels: ChannelRepository,
    private readonly ttlMs: number,
  ) {}

  async findById(id: string, companyId?: number): Promise<ChannelEntity | null> {
    const channel = await this.cached(`id:${id}`, () => this.channels.findById(id));
    // Scoped like the repository's query: another company's channel is not there.
    return channel && (companyId === undefined || channel.companyId === companyId) ? channel : null;
  }

  findByProviderAccounts(provider: ChannelProvider, accounts: string[]): Promise<ChannelEntity[]> {
    return this.cached(`acct:${provider}:${[...accounts].sort().join(',')}`, () => this.channels.findByProviderAccounts(provider, accounts));
  }

  getCredentials(channel: ChannelEntity): Promise<Record<string, unknown> | null> {
    return this.cached(`cred:${channel.id}:${channel.credentialsId}`, () => this.channels.getCredentials(channel));
  }

  list(filter: ChannelFilter, page: PageRequest): Promise<Page<ChannelEntity>> {
    return this.channels.list(filter, page);
  }

  listActive(): Promise<ChannelEntity[]> {
    return this.channels.listActive();
  }

  async create(input: NewChannel): Promise<ChannelEntity> {
    return this.cleared(await this.channels.create(input));
  }

  async update(id: string, patch: ChannelPatch): Promise<ChannelEntity> {
    return this.cleared(await this.channels.update(id, patch));
  }

  async softDelete(id: string): Promise<void> {
    await this.channels.softDelete(id);
    this.invalidate();
  }

  private cleared<T>(value: T): T {
    this.invalidate();
    return value;
  }

  /** Forgets everything (a channel changed: credentials, active flag, deletion). */
  invalidate(): void {
    this.entries.clear();
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return load();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const value = load();
    const entry = { at: now, value };
    this.entries.set(key, entry);
    // A failed read is not remembered: the next caller asks the database again.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}
