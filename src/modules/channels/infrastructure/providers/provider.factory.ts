import { AppError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { BaseProvider } from './base.provider';
import { MetaProvider, type MetaGraphOptions } from './meta/meta.provider';

/** Settings the factory hands to providers. */
export interface ProviderFactoryOptions {
  meta: MetaGraphOptions;
}

/** 400 for a (provider, type) pair this version cannot run yet. */
export class ProviderNotAvailableError extends AppError {
  constructor(provider: string, type: string) {
    super('PROVIDER_NOT_AVAILABLE', `${provider} channels of type ${type} are not available in this version`, 400);
  }
}

/** The one place that maps (provider, type) to a provider class. */
export class ProviderFactory {
  constructor(private readonly options: ProviderFactoryOptions) {}

  /** A provider for the channel; 400 PROVIDER_NOT_AVAILABLE for a pair this version cannot run. */
  create(channel: ChannelEntity, credentials: Record<string, unknown>): BaseProvider {
    if (channel.provider === 'META' && channel.type === 'WHATSAPP') return new MetaProvider(channel, credentials, this.options.meta);
    throw new ProviderNotAvailableError(channel.provider, channel.type);
  }
}
