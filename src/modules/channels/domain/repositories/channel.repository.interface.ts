import type { ChannelEntity, ChannelProvider, ChannelType } from '../entities/channel.entity';
import type { Page, PageRequest } from './pagination';

/** Input to create a channel with its (plain) credentials. */
export interface NewChannel {
  companyId: number;
  name: string;
  type: ChannelType;
  provider: ChannelProvider;
  config: Record<string, unknown>;
  isActive: boolean;
  providerAccount: string | null;
  defaultAgentId: number | null;
  credentials: Record<string, unknown> | null;
}

/** Changes to a channel; credentials, when given, replace the stored ones. */
export interface ChannelPatch {
  name?: string;
  config?: Record<string, unknown>;
  defaultAgentId?: number | null;
  isActive?: boolean;
  providerAccount?: string | null;
  credentials?: Record<string, unknown>;
}

export interface ChannelFilter {
  /** undefined: every company (superadmin). */
  companyId?: number;
  type?: ChannelType;
  provider?: ChannelProvider;
  isActive?: boolean;
}

/** Port for channels; every read ignores soft-deleted channels. */
export interface ChannelRepository {
  /** Creates the channel and its encrypted credentials together; a live duplicate provider_account is a ConflictError. */
  create(input: NewChannel): Promise<ChannelEntity>;
  findById(id: string, companyId?: number): Promise<ChannelEntity | null>;
  /** Live channels of `provider` whose provider_account is one of `accounts` (one query). */
  findByProviderAccounts(provider: ChannelProvider, accounts: string[]): Promise<ChannelEntity[]>;
  list(filter: ChannelFilter, page: PageRequest): Promise<Page<ChannelEntity>>;
  listActive(): Promise<ChannelEntity[]>;
  update(id: string, patch: ChannelPatch): Promise<ChannelEntity>;
  softDelete(id: string): Promise<void>;
  /** The channel's decrypted credentials, or null when it has none. */
  getCredentials(channel: ChannelEntity): Promise<Record<string, unknown> | null>;
}
