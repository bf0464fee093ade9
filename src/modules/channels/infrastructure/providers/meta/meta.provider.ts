import axios, { AxiosError, type AxiosInstance } from 'axios';
import { ProviderRejectedError, ProviderUnavailableError } from '../../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';
import { BaseProvider, ProviderSendError, type Capability, type OutboundMessage, type SendResult, type ValidatedAccount } from '../base.provider';
import type { MetaCredentials } from './meta-credentials';
import { outcomeUnknown } from '../network-error';

/** Graph API settings shared by every META channel. */
export interface MetaGraphOptions {
  baseUrl: string;
  version: string;
  timeoutMs: number;
}

// Graph error codes worth retrying: throttling and temporary service errors.
const RETRYABLE_CODES = new Set(['4', '80007', '130429', '131000', '131016', '131048', '131056', '133004']);

/** Provider-neutral description of a failed Graph call. */
function describeGraphError(err: unknown): ProviderSendError {
  const e = err as AxiosError<{ error?: { code?: number; message?: string; error_data?: { details?: string } } }>;
  const graph = e.response?.data?.error;
  if (graph?.code !== undefined) {
    const code = String(graph.code);
    const detail = graph.error_data?.details ? ` (${graph.error_data.details})` : '';
    return new ProviderSendError(code, `${graph.message ?? 'Graph API error'}${detail}`, RETRYABLE_CODES.has(code) || (e.response?.status ?? 0) >= 500);
  }
  if (e.response) return new ProviderSendError(`HTTP_${e.response.status}`, `Graph API answered HTTP ${e.response.status}`, e.response.status >= 500 || e.response.status === 429);
  // Meta has no idempotency key: a timed-out send is flagged so the queue does not send it twice.
  if (outcomeUnknown(e.code)) return new ProviderSendError('TIMEOUT', `Graph API did not answer in time: ${e.code}`, true, true);
  return new ProviderSendError('NETWORK_ERROR', `Graph API unreachable: ${e.code ?? e.message}`, true);
}

/** WhatsApp Business Cloud API adapter: sends through the Graph API; inbound arrives by webhook. */
export class MetaProvider extends BaseProvider {
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['send_text', 'send_media', 'webhooks']);
  private readonly http: AxiosInstance;
  private readonly creds: MetaCredentials;

  constructor(channel: ChannelEntity, credentials: Record<string, unknown>, options: MetaGraphOptions) {
    super(channel, credentials);
    this.creds = credentials as unknown as MetaCredentials;
    this.http = axios.create({
      baseURL: `${options.baseUrl}/${options.version}`,
      timeout: options.timeoutMs,
      headers: { Authorization: `Bearer ${this.creds.accessToken}` },
      // Never follow redirects with the token attached.
      maxRedirects: 0,
    });
  }

  /** Cloud API needs no connection: the channel is ready once its credentials are stored. */
  async initialize(): Promise<void> {
    this.state = 'ready';
  }

  async destroy(): Promise<void> {
    this.state = 'stopped';
  }

  async validateCredentials(): Promise<ValidatedAccount> {
    try {
      const { data } = await this.http.get(`/${encodeURIComponent(this.creds.phoneNumberId)}`, {
        params: { fields: 'display_phone_number,verified_name,quality_rating' },
      });
      return {
        providerAccount: this.creds.phoneNumberId,
        displayName: data?.verified_name,
        details: { display_phone_number: data?.display_phone_number, verified_name: data?.verified_name, quality_rating: data?.quality_rating },
      };
    } catch (err) {
      const e = err as AxiosError<{ error?: { message?: string; code?: number } }>;
      const status = e.response?.status;
      if (status && status >= 400 && status < 500) {
        const graph = e.response?.data?.error;
        throw new ProviderRejectedError(`Meta rejected the credentials: ${graph?.message ?? `HTTP ${status}`}`, { provider_error_code: graph?.code });
      }
      // No cause attached: the HTTP error object holds the request with its Bearer token.
      throw new ProviderUnavailableError(`Meta Graph API unreachable (${status ? `HTTP ${status}` : (e.code ?? 'network error')})`);
    }
  }

  async sendMessage(message: OutboundMessage): Promise<SendResult> {
    try {
      const { data } = await this.http.post(`/${encodeURIComponent(this.creds.phoneNumberId)}/messages`, {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: message.to,
        ...graphContent(message),
      });
      const externalId = data?.messages?.[0]?.id;
      if (typeof externalId !== 'string' || externalId.length === 0 || externalId.length > 255) {
        throw new ProviderSendError('INVALID_RESPONSE', 'Graph API answered without a usable message id', false);
      }
      return { externalId };
    } catch (err) {
      if (err instanceof ProviderSendError) throw err;
      throw describeGraphError(err);
    }
  }

  /** App secret used to verify this channel's webhooks. */
  get appSecret(): string | undefined {
    return this.creds.appSecret;
  }
}

/** The Graph API content of a message: text, or one media item by link (caption where Meta allows one). */
function graphContent(message: OutboundMessage): Record<string, unknown> {
  const media = message.attachments ?? [];
  if (message.contentType === 'text' || media.length === 0) return { type: 'text', text: { preview_url: false, body: message.text } };
  // The Cloud API sends one media item per message.
  if (media.length > 1) throw new ProviderSendError('TOO_MANY_ATTACHMENTS', 'WhatsApp Cloud API sends one media item per message', false);
  const [item] = media;
  const type = message.contentType;
  const body: Record<string, unknown> = { link: item.url };
  if (message.text && type !== 'audio' && type !== 'sticker') body.caption = message.text;
  if (type === 'document' && item.filename) body.filename = item.filename;
  return { type, [type]: body };
}
