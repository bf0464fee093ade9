import type { Logger } from 'pino';
import { verify } from '../../../../shared/crypto/webhook-signature';
import { InvalidSignatureError, NotFoundError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { InboundEvent } from '../../domain/inbound-event';
import type { ChannelLookup } from '../services/channel-lookup.cache';
import { parseCustomMessage, parseCustomStatus } from '../../infrastructure/providers/custom/custom-webhook.parser';
import { isCustomWebhook } from '../../infrastructure/providers/custom/custom-channel';
import type { InboundIngestUseCase, IngestResult } from './inbound-ingest.use-case';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A signed request older or newer than this is refused: it may be a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Custom webhook channels: signed JSON messages and statuses in, through the shared ingest path.
 * The signature is checked on the raw bytes before the body is parsed, so an unsigned caller
 * learns nothing about what a valid body looks like.
 */
export class CustomWebhookUseCase {
  constructor(
    private readonly channels: ChannelLookup,
    private readonly ingest: InboundIngestUseCase,
    private readonly logger: Logger,
    /** Unix seconds now (tests never need to fake it: they sign with old timestamps). */
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** One customer message: stored once per `id`, pushed live. */
  async receiveMessage(channelId: string, rawBody: Buffer, signature: string | undefined): Promise<IngestResult> {
    return this.receive(channelId, rawBody, signature, 'message', parseCustomMessage);
  }

  /** The status of one of our outbound messages (`id` is its external_id); never moves it backwards. */
  async receiveStatus(channelId: string, rawBody: Buffer, signature: string | undefined): Promise<IngestResult> {
    return this.receive(channelId, rawBody, signature, 'status', parseCustomStatus);
  }

  private async receive(channelId: string, rawBody: Buffer, signature: string | undefined, operation: string, parse: (raw: Buffer) => InboundEvent): Promise<IngestResult> {
    const channel = await this.customChannel(channelId);
    await this.assertSigned(channel, rawBody, signature, operation);
    return this.ingest.ingest(channel, [parse(rawBody)]);
  }

  private async assertSigned(channel: ChannelEntity, rawBody: Buffer, signature: string | undefined, operation: string): Promise<void> {
    const secret = (await this.channels.getCredentials(channel))?.secret;
    const check = typeof secret === 'string' ? verify(signature, secret, rawBody, this.now(), SIGNATURE_TOLERANCE_SECONDS) : 'mismatch';
    if (check === 'valid') return;
    this.logger.warn({ module: 'webhooks', operation: `custom.${operation}`, channel_id: channel.id, success: false, reason: check }, 'invalid webhook signature');
    throw new InvalidSignatureError(check === 'missing' ? 'Missing signature' : check === 'stale' ? 'Signature timestamp outside the allowed window' : 'Invalid signature');
  }

  /** A live, active custom webhook channel; anything else is the same 404 (nothing tells them apart). */
  private async customChannel(channelId: string): Promise<ChannelEntity> {
    const channel = UUID.test(channelId) ? await this.channels.findById(channelId) : null;
    if (!channel || !isCustomWebhook(channel) || !channel.isActive) throw new NotFoundError('Channel', 'NOT_FOUND');
    return channel;
  }
}
