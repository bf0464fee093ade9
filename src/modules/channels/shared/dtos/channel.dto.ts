import type { ChannelProvider, ChannelType } from '../../domain/entities/channel.entity';

/** Body of POST /api/channels. */
export interface CreateChannelDto {
  name: string;
  type: ChannelType;
  provider: ChannelProvider;
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  provider_account?: string;
  default_agent_id?: number | null;
  company_id?: number;
}

/** Body of PUT /api/channels/:id. */
export interface UpdateChannelDto {
  name?: string;
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  default_agent_id?: number | null;
}

/** Query of GET /api/channels. */
export interface ListChannelsQuery {
  type?: ChannelType;
  provider?: ChannelProvider;
  is_active?: boolean;
  company_id?: number;
  page: number;
  limit: number;
  sortBy: 'created_at' | 'updated_at' | 'name';
  sortDir: 'asc' | 'desc';
}
