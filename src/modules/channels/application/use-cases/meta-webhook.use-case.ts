import type { Logger } from 'pino';
import { ForbiddenError, InvalidSignatureError, NotFoundError, ValidationError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { ChannelLookup } from '../services/channel-lookup.cache';
import { parseMetaWebhook } from '../../infrastructure/providers/meta/meta-webhook.parser';
import { verifyMetaSignature } from '../../infrastructure/providers/meta/meta-signature';
import type { InboundIngestUseCase, IngestResult } from './inbound-ingest.use-case';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Real webhooks name one or a few numbers; more is refused before any lookup. */
const MAX_NUMBERS_PER_WEBHOOK = 100;

function emptyResult(): IngestResult {
  return { stored: 0, duplicates: 0, statusesApplied: 0, statusesIgnored: 0 };
}

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ValidationError('Malformed JSON body', undefined, 'MALFORMED_BODY');
  }
}

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
    private readonly channels: ChannelLookup,
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
    if (query['hub.mode'] !== 'subscribe' || !expected || query['hub.verify_token'] !== expected || typeof challenge !== 'string') {
      throw new ForbiddenError('Verification failed', 'WEBHOOK_VERIFICATION_FAILED');
    }
    return challenge;
  }

  /**
   * Verifies the signature of the raw bytes with the app secret of every channel the webhook
   * touches before any event is looked at further; nothing is stored unless every check passes.
   * On the app-level URL a webhook naming no known number is refused like a bad signature, so the
   * answer never tells an unsigned caller which numbers are registered.
   */
  async receive(channelId: string | undefined, rawBody: Buffer, signature: string | undefined): Promise<IngestResult> {
    const fixed = channelId ? await this.metaChannel(channelId) : undefined;
    if (fixed) await this.assertSigned(fixed, rawBody, signature);
    const batches = parseMetaWebhook(parseJson(rawBody));
    const accounts = [...new Set(batches.map((b) => b.phoneNumberId))];
    if (accounts.length > MAX_NUMBERS_PER_WEBHOOK) throw new ValidationError(`A webhook may name at most ${MAX_NUMBERS_PER_WEBHOOK} phone numbers`);
    const channels = fixed ? [fixed] : await this.channels.findByProviderAccounts('META', accounts);
    if (!fixed) {
      if (channels.length === 0) {
        if (this.defaults.appSecret && verifyMetaSignature(rawBody, signature, this.defaults.appSecret)) return emptyResult();
        throw new InvalidSignatureError(signature ? 'Invalid signature' : 'Missing signature');
      }
      for (const channel of channels) await this.assertSigned(channel, rawBody, signature);
    }
    const byAccount = new Map(channels.map((c) => [c.providerAccount, c]));
    const unknown = accounts.filter((a) => !byAccount.has(a));
    if (unknown.length) this.logger.warn({ module: 'webhooks', operation: 'meta', channel_id: fixed?.id, unknown_numbers: unknown.length }, 'webhook events for unknown phone numbers ignored');
    const total = emptyResult();
    for (const batch of batches) {
      const channel = byAccount.get(batch.phoneNumberId);
      if (!channel) continue;
      const r = await this.ingest.ingest(channel, batch.events);
      total.stored += r.stored;
      total.duplicates += r.duplicates;
      total.statusesApplied += r.statusesApplied;
      total.statusesIgnored += r.statusesIgnored;
    }
    return total;
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
    const channel = UUID.test(channelId) ? await this.channels.findById(channelId) : null;
    if (!channel || channel.provider !== 'META') throw new NotFoundError('Channel', 'NOT_FOUND');
    return channel;
  }
}
