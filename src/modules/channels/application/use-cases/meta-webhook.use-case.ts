import type { Logger } from 'pino';
import { ForbiddenError, InvalidSignatureError, NotFoundError, ValidationError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import { parseMetaWebhook, type MetaWebhookBatch } from '../../infrastructure/providers/meta/meta-webhook.parser';
import { verifyMetaSignature } from '../../infrastructure/providers/meta/meta-signature';
import type { InboundIngestUseCase, IngestResult } from './inbound-ingest.use-case';

/** Defaults for channels without their own app secret / verify token. */
export interface MetaWebhookDefaults {
  appSecret?: string;
  verifyToken?: string;
}

/** The verify handshake query of Meta. */
export interface VerifyQuery {
  'hub.mode'?: string;
  'hub.verify_token'?: string;
  'hub.challenge'?: string;
}

/** Meta Cloud API webhooks: the GET handshake, then signed POSTs turned into ingest events. */
export class MetaWebhookUseCase {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly ingest: InboundIngestUseCase,
    private readonly defaults: MetaWebhookDefaults,
    private readonly logger: Logger,
  ) {}

  /** Returns the challenge to echo when mode and token match; 403 otherwise. */
  async verifySubscription(channelId: string | undefined, query: VerifyQuery): Promise<string> {
    let expected = this.defaults.verifyToken;
    if (channelId) {
      const channel = await this.metaChannel(channelId);
      const creds = await this.channels.getCredentials(channel);
      expected = (creds?.verifyToken as string | undefined) ?? expected;
    }
    const challenge = query['hub.challenge'];
    if (query['hub.mode'] !== 'subscribe' || !expected || query['hub.verify_token'] !== expected || challenge === undefined) {
      throw new ForbiddenError('Verification failed', 'WEBHOOK_VERIFICATION_FAILED');
    }
    return challenge;
  }

  /**
   * Verifies the signature of the raw bytes with the app secret of every channel the webhook
   * touches, then stores its events. Nothing is stored unless every signature check passes.
   */
  async receive(channelId: string | undefined, rawBody: Buffer, signature: string | undefined): Promise<IngestResult> {
    const fixed = channelId ? await this.metaChannel(channelId) : undefined;
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      // Checked before parsing errors are reported, so unsigned garbage gets 401, not 400.
      if (fixed) await this.assertSigned(fixed, rawBody, signature);
      throw new ValidationError('Malformed JSON body', undefined, 'MALFORMED_BODY');
    }
    const routed = await this.route(fixed, parseMetaWebhook(body));
    if (routed.length === 0) {
      if (fixed) {
        await this.assertSigned(fixed, rawBody, signature);
        return { stored: 0, duplicates: 0, statusesApplied: 0, statusesIgnored: 0 };
      }
      throw new NotFoundError('Channel', 'NOT_FOUND');
    }
    for (const { channel } of routed) await this.assertSigned(channel, rawBody, signature);
    const total: IngestResult = { stored: 0, duplicates: 0, statusesApplied: 0, statusesIgnored: 0 };
    for (const { channel, batch } of routed) {
      const r = await this.ingest.ingest(channel, batch.events);
      total.stored += r.stored;
      total.duplicates += r.duplicates;
      total.statusesApplied += r.statusesApplied;
      total.statusesIgnored += r.statusesIgnored;
    }
    return total;
  }

  /** Matches each batch to its channel by phone number id; on a channel URL only that channel's batches count. */
  private async route(fixed: ChannelEntity | undefined, batches: MetaWebhookBatch[]) {
    const routed: { channel: ChannelEntity; batch: MetaWebhookBatch }[] = [];
    for (const batch of batches) {
      const channel = fixed
        ? fixed.providerAccount === batch.phoneNumberId ? fixed : undefined
        : (await this.channels.findByProviderAccount('META', batch.phoneNumberId)) ?? undefined;
      if (channel) routed.push({ channel, batch });
      else this.logger.warn({ module: 'webhooks', operation: 'meta', phone_number_id: batch.phoneNumberId, channel_id: fixed?.id }, 'webhook events for an unknown phone number ignored');
    }
    return routed;
  }

  private async assertSigned(channel: ChannelEntity, rawBody: Buffer, signature: string | undefined): Promise<void> {
    const creds = await this.channels.getCredentials(channel);
    const secret = (creds?.appSecret as string | undefined) ?? this.defaults.appSecret;
    if (!secret || !verifyMetaSignature(rawBody, signature, secret)) {
      this.logger.warn({ module: 'webhooks', operation: 'meta', channel_id: channel.id, success: false }, 'invalid webhook signature');
      throw new InvalidSignatureError(signature ? 'Invalid signature' : 'Missing signature');
    }
  }

  private async metaChannel(channelId: string): Promise<ChannelEntity> {
    const channel = /^[0-9a-f-]{36}$/i.test(channelId) ? await this.channels.findById(channelId) : null;
    if (!channel || channel.provider !== 'META') throw new NotFoundError('Channel', 'NOT_FOUND');
    return channel;
  }
}
