import { AppError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { BaseProvider } from './base.provider';
import { MetaProvider, type MetaGraphOptions } from './meta/meta.provider';
import { CUSTOM_WEBHOOK_TYPES } from './custom/custom-channel';
import { CustomWebhookProvider, type CustomWebhookOptions } from './custom/custom-webhook.provider';
import { TWILIO_CHANNEL_TYPES } from './twilio/twilio-credentials';
import { TwilioProvider, type TwilioOptions } from './twilio/twilio.provider';

/** Settings the factory hands to providers. */
export interface ProviderFactoryOptions {
  meta: MetaGraphOptions;
  custom: CustomWebhookOptions;
  twilio: TwilioOptions;
}

/** 400 for a (provider, type) pair this version cannot run yet. */
export class ProviderNotAvailableError extends AppError {
  constructor(provider: string, type: string) {
    super('PROVIDER_NOT_AVAILABLE', `${provider} channels of type ${type} are not available in this version`, 400);
  }
}

/** Builds a provider for one channel. */
export type ProviderConstructor = (channel: ChannelEntity, credentials: Record<string, unknown>) => BaseProvider;

/** The one place that maps (provider, type) to a provider class. */
export class ProviderFactory {
  private readonly registry = new Map<string, ProviderConstructor>();

  constructor(options: ProviderFactoryOptions) {
    this.register('META', 'WHATSAPP', (channel, credentials) => new MetaProvider(channel, credentials, options.meta));
    for (const type of CUSTOM_WEBHOOK_TYPES) this.register('CUSTOM', type, (channel, credentials) => new CustomWebhookProvider(channel, credentials, options.custom));
    for (const type of TWILIO_CHANNEL_TYPES) this.register('TWILIO', type, (channel, credentials) => new TwilioProvider(channel, credentials, options.twilio));
  }

  /** Maps a (provider, type) pair to its class; the last registration wins (tests add scripted providers). */
  register(provider: string, type: string, build: ProviderConstructor): void {
    this.registry.set(`${provider}:${type}`, build);
  }

  /** A provider for the channel; 400 PROVIDER_NOT_AVAILABLE for a pair this version cannot run. */
  create(channel: ChannelEntity, credentials: Record<string, unknown>): BaseProvider {
    const build = this.registry.get(`${channel.provider}:${channel.type}`);
    if (!build) throw new ProviderNotAvailableError(channel.provider, channel.type);
    return build(channel, credentials);
  }
}
