import axios, { type AxiosError } from 'axios';
import { assertPublicHost, publicOnlyAgents } from '../../media/public-address';
import { sign, SIGNATURE_HEADER } from '../../../../../shared/crypto/webhook-signature';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';
import { BaseProvider, ProviderSendError, type Capability, type OutboundMessage, type SendResult, type ValidatedAccount } from '../base.provider';
import { validateCustomSettings } from './custom-settings';
import { outcomeUnknown } from '../network-error';

/** Settings shared by every custom webhook channel. */
export interface CustomWebhookOptions {
  timeoutMs: number;
  /** Lets outboundUrl point at private/loopback addresses (closed networks and tests only). */
  allowPrivateUrls?: boolean;
}

/** The JSON body POSTed to a custom channel's `outboundUrl` (documented in openapi.yaml as CustomOutboundMessage). */
export interface CustomOutboundBody {
  id: string;
  conversation_id: string | null;
  to: string;
  text: string;
  content_type: string;
  attachments: { url: string; mime_type: string; filename: string | null }[];
}

// An answer is only read for its `{id}`: anything bigger is not a message receipt.
const MAX_ANSWER_BYTES = 64 * 1024;

/** Provider-neutral description of a failed POST to the endpoint. */
function describeHttpError(err: unknown): ProviderSendError {
  const e = err as AxiosError;
  if (e.code === 'EPRIVATEADDRESS') return new ProviderSendError('PRIVATE_ADDRESS', 'outboundUrl points at a private address', false);
  // Retrying is safe even when it may have arrived: the endpoint de-duplicates on the Idempotency-Key.
  if (outcomeUnknown(e.code)) return new ProviderSendError('TIMEOUT', 'Custom endpoint did not answer in time', true, true);
  if (e.code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || e.code === 'ERR_BAD_RESPONSE') return new ProviderSendError('INVALID_RESPONSE', 'Custom endpoint answered unusably', false);
  return new ProviderSendError('NETWORK_ERROR', `Custom endpoint unreachable: ${e.code ?? 'network error'}`, true);
}

/** The endpoint's own id for the message, when its answer carries a usable one. */
function answeredId(text: unknown): string | undefined {
  try {
    const id = JSON.parse(String(text))?.id;
    return typeof id === 'string' && id.length > 0 && id.length <= 255 && !id.includes('\u0000') ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Custom webhook adapter: outbound messages are signed JSON POSTs to the channel's `outboundUrl`;
 * inbound messages and statuses arrive on /webhooks/custom/:channelId (CustomWebhookUseCase).
 */
export class CustomWebhookProvider extends BaseProvider {
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['send_text', 'send_media', 'webhooks']);
  private readonly agents = publicOnlyAgents();
  /** Every POST carries `Idempotency-Key: <our message id>`; the endpoint is documented to de-duplicate on it. */
  override readonly idempotentSends = true;

  constructor(
    channel: ChannelEntity,
    credentials: Record<string, unknown>,
    private readonly options: CustomWebhookOptions,
  ) {
    super(channel, credentials);
  }

  /** Nothing to connect: the channel can send once its settings are stored. */
  async initialize(): Promise<void> {
    this.state = 'ready';
  }

  async destroy(): Promise<void> {
    this.state = 'stopped';
  }

  /** Checks the settings only (the endpoint is not called); the account is the client's own provider_account, if any. */
  async validateCredentials(): Promise<ValidatedAccount> {
    validateCustomSettings(this.credentials, this.channel.config);
    return { providerAccount: this.channel.providerAccount ?? undefined, details: { kind: 'custom_webhook' } };
  }

  async sendMessage(message: OutboundMessage): Promise<SendResult> {
    const { credentials, config } = this.settings();
    const body: CustomOutboundBody = {
      id: message.id,
      conversation_id: message.conversationId ?? null,
      to: message.to,
      text: message.text,
      content_type: message.contentType,
      attachments: (message.attachments ?? []).map((a) => ({ url: a.url, mime_type: a.mimeType, filename: a.filename ?? null })),
    };
    // Signed and sent as one string, so the bytes the receiver verifies are the bytes signed.
    const raw = JSON.stringify(body);
    let answer;
    try {
      // A tenant's URL must not reach our own network (metadata service, internal ports).
      if (!this.options.allowPrivateUrls) assertPublicHost(new URL(config.outboundUrl).hostname);
      answer = await axios.post(config.outboundUrl, raw, {
        ...(this.options.allowPrivateUrls ? {} : this.agents),
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': message.id, [SIGNATURE_HEADER]: sign(credentials.secret, Math.floor(Date.now() / 1000), raw) },
        timeout: this.options.timeoutMs,
        // axios' timeout is a socket idle timeout: an endpoint dripping its answer would hold the send for hours.
        signal: AbortSignal.timeout(this.options.timeoutMs),
        maxRedirects: 0,
        maxContentLength: MAX_ANSWER_BYTES,
        responseType: 'text',
        transitional: { forcedJSONParsing: false },
        validateStatus: () => true,
      });
    } catch (err) {
      throw describeHttpError(err);
    }
    const { status } = answer;
    if (status < 200 || status >= 300) throw new ProviderSendError(`HTTP_${status}`, `Custom endpoint answered HTTP ${status}`, status >= 500 || status === 429);
    return { externalId: answeredId(answer.data) ?? message.id };
  }

  /** The stored settings; ones stored before validation existed (or edited by hand) fail the send, not the process. */
  private settings() {
    try {
      return validateCustomSettings(this.credentials, this.channel.config);
    } catch {
      throw new ProviderSendError('INVALID_SETTINGS', 'Custom channel settings are invalid (credentials.secret, config.outboundUrl)', false);
    }
  }
}
