import type { Logger } from 'pino';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../../shared/errors/app-error';
import { callStatusesThatMayBecome } from '../../domain/call-status.rule';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelLookup } from '../services/channel-lookup.cache';
import type { MessageRepository } from '../../domain/repositories/message.repository.interface';
import { parseTwilioForm, verifyTwilioSignature, type TwilioParams } from '../../infrastructure/providers/twilio/twilio-signature';
import { answerCallTwiml, emptyMessagingTwiml, hangupTwiml, rejectCallTwiml } from '../../infrastructure/providers/twilio/twilio-twiml';
import { parseCallStatus, parseIncomingCall, parseInboundMessage, parseMessageStatus, parseRecording } from '../../infrastructure/providers/twilio/twilio-webhook.parser';
import type { InboundIngestUseCase } from './inbound-ingest.use-case';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORM = /^application\/x-www-form-urlencoded\b/i;

/** One Twilio webhook request as the controller hands it over. */
export interface TwilioWebhookRequest {
  channelId: string;
  /** Path and query as this process received them; Twilio signed PUBLIC_BASE_URL + this. */
  path: string;
  rawBody: Buffer;
  contentType?: string;
  signature?: string;
  signatureSettings?: string;
}

/** Messaging webhooks belong to SMS/WhatsApp channels, voice webhooks to CALL channels. */
type Hook = 'messaging' | 'voice';

/**
 * Twilio webhooks of one channel: inbound messages and their status callbacks, incoming calls, call
 * status callbacks and voicemail recordings. Every request is checked in the same order: the channel
 * (404), the signature over the URL Twilio called (403), the body (400); nothing is stored before.
 * Answers are TwiML.
 */
export class TwilioWebhookUseCase {
  constructor(
    private readonly channels: ChannelLookup,
    private readonly messages: MessageRepository,
    private readonly ingest: InboundIngestUseCase,
    private readonly publisher: RealtimePublisher,
    private readonly publicBaseUrl: string,
    private readonly logger: Logger,
  ) {}

  /** An inbound SMS/WhatsApp message: stored once per MessageSid and pushed live; 409 on an inactive channel. */
  async message(req: TwilioWebhookRequest): Promise<string> {
    const { channel, params } = await this.authenticate(req, 'messaging');
    if (!channel.isActive) throw new ConflictError('Channel is not active', 'CHANNEL_INACTIVE');
    await this.ingest.ingest(channel, [parseInboundMessage(channel, params)]);
    return emptyMessagingTwiml();
  }

  /** A message status callback: applied under the status rule (never backwards), also after deactivation. */
  async status(req: TwilioWebhookRequest): Promise<string> {
    const { channel, params } = await this.authenticate(req, 'messaging');
    const event = parseMessageStatus(params);
    if (event) await this.ingest.ingest(channel, [event]);
    return emptyMessagingTwiml();
  }

  /** An incoming call: stored as a `call` message, answered with the greeting and a forward or a voicemail; refused when inactive. */
  async voice(req: TwilioWebhookRequest): Promise<string> {
    const { channel, params } = await this.authenticate(req, 'voice');
    if (!channel.isActive) return rejectCallTwiml();
    await this.ingest.ingest(channel, [parseIncomingCall(channel, params)]);
    return answerCallTwiml(channel.config, `${this.publicBaseUrl}/webhooks/twilio/${channel.id}/voice/recording`);
  }

  /** A call status callback: status and duration kept in the call's metadata, never moving backwards. */
  async voiceStatus(req: TwilioWebhookRequest): Promise<string> {
    const { channel, params } = await this.authenticate(req, 'voice');
    const { callSid, details } = parseCallStatus(params);
    await this.updateCall(channel, callSid, details, callStatusesThatMayBecome(details.call_status));
    return emptyMessagingTwiml();
  }

  /** The voicemail `<Record>` finished: its URL and length kept on the call, then the call ends. */
  async recording(req: TwilioWebhookRequest): Promise<string> {
    const { channel, params } = await this.authenticate(req, 'voice');
    const { callSid, details } = parseRecording(params);
    await this.updateCall(channel, callSid, details, null);
    return hangupTwiml();
  }

  private async updateCall(channel: ChannelEntity, callSid: string, details: Record<string, unknown>, fromStatuses: string[] | null): Promise<void> {
    const message = await this.messages.updateCallDetails(channel.id, callSid, details, fromStatuses);
    if (message) this.publisher.messageStatus(message, message.status);
  }

  /** The channel (404 unless a live TWILIO channel serving this hook), then the signature (403), then a form body (400). */
  private async authenticate(req: TwilioWebhookRequest, hook: Hook): Promise<{ channel: ChannelEntity; params: TwilioParams }> {
    const channel = UUID.test(req.channelId) ? await this.channels.findById(req.channelId) : null;
    if (!channel || channel.provider !== 'TWILIO' || (channel.type === 'CALL') !== (hook === 'voice')) throw new NotFoundError('Channel', 'NOT_FOUND');
    const creds = (await this.channels.getCredentials(channel)) ?? {};
    const params = parseTwilioForm(req.rawBody);
    const signed = typeof creds.authToken === 'string' && verifyTwilioSignature(
      { url: this.publicBaseUrl + req.path, rawBody: req.rawBody, params, signature: req.signature, settings: req.signatureSettings },
      { authToken: creds.authToken, signingSecret: typeof creds.webhookSigningSecret === 'string' ? creds.webhookSigningSecret : undefined },
    );
    if (!signed) {
      this.logger.warn({ module: 'webhooks', operation: 'twilio', channel_id: channel.id, success: false }, 'invalid webhook signature');
      throw new ForbiddenError(req.signature ? 'Invalid signature' : 'Missing signature', 'INVALID_SIGNATURE');
    }
    if (!FORM.test(req.contentType ?? '')) throw new ValidationError('Twilio webhooks are application/x-www-form-urlencoded', undefined, 'UNSUPPORTED_CONTENT_TYPE');
    return { channel, params };
  }
}
