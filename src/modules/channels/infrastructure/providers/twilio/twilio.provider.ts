import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import { ProviderRejectedError, ProviderUnavailableError } from '../../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';
import { BaseProvider, ProviderSendError, type Capability, type OutboundMessage, type SendResult, type ValidatedAccount } from '../base.provider';
import { toTwilioAddress, twilioSender } from './twilio-address';
import type { TwilioCredentials } from './twilio-credentials';
import { RedirectingTwilioHttpClient } from './twilio-http.client';
import { outcomeUnknown } from '../network-error';

/** Settings shared by every TWILIO channel. */
export interface TwilioOptions {
  /** Unset: the real Twilio API; set: every Twilio host is rewritten to it (a local fake in tests). */
  apiBaseUrl?: string;
  /** Where Twilio calls us back (PUBLIC_BASE_URL): status callbacks are built from it. */
  publicBaseUrl: string;
  timeoutMs: number;
}

/** Twilio error codes a retry may cure besides HTTP 5xx/429: 20429 Too Many Requests, 20500/20503 internal/unavailable. */
const RETRYABLE_CODES = new Set([20429, 20500, 20503]);

/** Media items per message: WhatsApp takes one, MMS up to ten. */
const MAX_MEDIA = { WHATSAPP: 1, default: 10 } as const;

/** The parts of an error the twilio package throws that we read (a RestException, or axios' network error). */
interface TwilioCallError {
  status?: number;
  code?: number | string;
  message?: string;
}

/** Provider-neutral description of a failed Twilio call; never carries the request (it holds the Basic auth header). */
function describeTwilioError(err: unknown): ProviderSendError {
  const e = err as TwilioCallError;
  if (typeof e?.status === 'number') {
    const retryable = e.status >= 500 || e.status === 429 || RETRYABLE_CODES.has(Number(e.code));
    const code = typeof e.code === 'number' ? String(e.code) : `HTTP_${e.status}`;
    return new ProviderSendError(code, e.message || `Twilio answered HTTP ${e.status}`, retryable);
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  // Twilio has no idempotency key for Messages: a timed-out send is flagged so the queue does not send it twice.
  if (outcomeUnknown(code)) return new ProviderSendError('TIMEOUT', `Twilio API did not answer in time: ${code}`, true, true);
  return new ProviderSendError('NETWORK_ERROR', `Twilio API unreachable: ${code ?? 'network error'}`, true);
}

/** Twilio adapter for SMS, WhatsApp and voice channels: sends through the twilio package; inbound arrives by webhook. */
/** Maps a failed Twilio API call: a 4xx refusal is 400 (rejected), anything else 502 (unreachable). */
function rethrowTwilio(what: string) {
  return (err: unknown): never => {
    const e = err as TwilioCallError;
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.status !== 429) {
      throw new ProviderRejectedError(`Twilio rejected ${what}: ${e.message || `HTTP ${e.status}`}`, { provider_error_code: e.code });
    }
    // No cause attached: the HTTP error holds the request with its Basic auth header.
    throw new ProviderUnavailableError(`Twilio API unreachable (${typeof e?.status === 'number' ? `HTTP ${e.status}` : (typeof e?.code === 'string' ? e.code : 'network error')})`);
  };
}

export class TwilioProvider extends BaseProvider {
  readonly capabilities: ReadonlySet<Capability>;
  private readonly creds: TwilioCredentials;
  private clientInstance?: twilio.Twilio;

  constructor(channel: ChannelEntity, credentials: Record<string, unknown>, private readonly options: TwilioOptions) {
    super(channel, credentials);
    this.creds = credentials as unknown as TwilioCredentials;
    // A CALL channel answers calls; it has no messages to send.
    this.capabilities = new Set<Capability>(channel.type === 'CALL' ? ['webhooks'] : ['send_text', 'send_media', 'webhooks']);
  }

  /** Built on first use: the twilio package throws on a malformed SID, and credentials are checked after the provider exists. */
  private get client(): twilio.Twilio {
    if (!this.clientInstance) {
      const httpOptions = { timeout: this.options.timeoutMs };
      const httpClient = this.options.apiBaseUrl ? new RedirectingTwilioHttpClient(this.options.apiBaseUrl, httpOptions) : new RequestClient(httpOptions);
      // `env: {}`: the package would otherwise read TWILIO_EDGE/TWILIO_REGION and rewrite hosts on its own.
      this.clientInstance = twilio(this.creds.accountSid, this.creds.authToken, { httpClient, env: {} });
    }
    return this.clientInstance;
  }

  /** Nothing to connect: the channel is ready once its credentials are stored. */
  async initialize(): Promise<void> {
    this.state = 'ready';
  }

  async destroy(): Promise<void> {
    this.state = 'stopped';
  }

  /** Fetches the account (GET /2010-04-01/Accounts/{Sid}.json): 401/404 rejected (400), anything else unreachable (502). */
  /**
   * Fetches the account, then (SMS and voice) checks that the number is one of its incoming numbers,
   * so no company can claim another's number. WhatsApp senders (the sandbox's shared number, senders
   * registered through Meta) are not incoming numbers and are not checked.
   */
  async validateCredentials(): Promise<ValidatedAccount> {
    const api = this.client.api.v2010.accounts(this.creds.accountSid);
    const account: { friendlyName: string; status: string; type: string } = await api.fetch().catch(rethrowTwilio('the credentials'));
    if (account.status !== 'active') throw new ProviderRejectedError(`Twilio account is ${account.status}`, { provider_error_code: 'ACCOUNT_NOT_ACTIVE' });
    if (this.channel.type !== 'WHATSAPP') {
      const number = this.channel.providerAccount!;
      const owned = await api.incomingPhoneNumbers.list({ phoneNumber: number, limit: 1 }).catch(rethrowTwilio('the number lookup'));
      if (!owned.some((n) => n.phoneNumber === number)) {
        throw new ProviderRejectedError(`${number} is not a phone number of this Twilio account`, { provider_error_code: 'NUMBER_NOT_OWNED' });
      }
    }
    return {
      providerAccount: this.channel.providerAccount!,
      displayName: account.friendlyName,
      details: { friendly_name: account.friendlyName, status: account.status, type: account.type },
    };
  }

  async sendMessage(message: OutboundMessage): Promise<SendResult> {
    const media = (message.attachments ?? []).map((a) => a.url);
    const limit = this.channel.type === 'WHATSAPP' ? MAX_MEDIA.WHATSAPP : MAX_MEDIA.default;
    if (media.length > limit) throw new ProviderSendError('TOO_MANY_ATTACHMENTS', `Twilio ${this.channel.type} sends at most ${limit} media item(s) per message`, false);
    const sender = this.creds.messagingServiceSid
      ? { messagingServiceSid: this.creds.messagingServiceSid }
      : { from: twilioSender(this.channel, this.channel.providerAccount!) };
    let sid: unknown;
    try {
      const sent = await this.client.messages.create({
        to: toTwilioAddress(this.channel, message.to),
        ...sender,
        ...(message.text ? { body: message.text } : {}),
        ...(media.length ? { mediaUrl: media } : {}),
        statusCallback: `${this.options.publicBaseUrl}/webhooks/twilio/${this.channel.id}/status`,
      });
      sid = sent.sid;
    } catch (err) {
      throw describeTwilioError(err);
    }
    if (typeof sid !== 'string' || sid.length === 0 || sid.length > 255) throw new ProviderSendError('INVALID_RESPONSE', 'Twilio answered without a usable message SID', false);
    return { externalId: sid };
  }
}
