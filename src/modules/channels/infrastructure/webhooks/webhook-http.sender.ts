import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosError } from 'axios';
import { sign, SIGNATURE_HEADER } from '../../../../shared/crypto/webhook-signature';
import type { WebhookAttempt, WebhookRequest, WebhookSender } from '../../domain/ports/webhook-sender.port';
import { assertPublicHost, publicOnlyLookup } from '../media/public-address';

/** Settings of the sender. */
export interface WebhookSenderOptions {
  timeoutMs: number;
  /** Lets subscriptions on loopback/private addresses be called (tests and closed networks only). */
  allowPrivateUrls: boolean;
}

// The answer is never used: reading more than this is pointless.
const MAX_ANSWER_BYTES = 64 * 1024;

/** Why an attempt failed, in words fit for `last_error` (never the URL: it may carry a token). */
function describe(err: unknown): string {
  const e = err as AxiosError & { cause?: { code?: string } };
  if (axios.isCancel(err) || e.code === 'ERR_CANCELED') return 'Cancelled by shutdown';
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') return 'Timeout: no answer in time';
  const code = e.code === 'ERR_BAD_RESPONSE' ? 'answer too large or unreadable' : e.code ?? e.cause?.code ?? 'network error';
  return code === 'EPRIVATEADDRESS' ? 'Refused: the URL resolves to a private address' : `Network error: ${code}`;
}

/**
 * POSTs event webhooks signed like custom channel messages (`X-Axi-Signature`), with a timeout, no
 * redirects, and (unless allowed) no private addresses: the resolved address is checked at connect
 * time, which also defeats DNS rebinding.
 */
export class WebhookHttpSender implements WebhookSender {
  private readonly agents: { httpAgent: http.Agent; httpsAgent: https.Agent } | Record<string, never>;

  constructor(private readonly options: WebhookSenderOptions) {
    this.agents = options.allowPrivateUrls ? {} : { httpAgent: new http.Agent({ lookup: publicOnlyLookup }), httpsAgent: new https.Agent({ lookup: publicOnlyLookup }) };
  }

  async send(req: WebhookRequest, signal?: AbortSignal): Promise<WebhookAttempt> {
    try {
      if (!this.options.allowPrivateUrls) assertPublicHost(new URL(req.url).hostname);
      const res = await axios.post(req.url, Buffer.from(req.body, 'utf8'), {
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Axi-Connect-Webhooks/1',
          [SIGNATURE_HEADER]: sign(req.secret, Math.floor(Date.now() / 1000), req.body),
          'X-Axi-Event': req.eventType,
          'X-Axi-Delivery': req.deliveryId,
        },
        timeout: this.options.timeoutMs,
        maxRedirects: 0,
        maxContentLength: MAX_ANSWER_BYTES,
        responseType: 'text',
        validateStatus: () => true,
        signal,
        ...this.agents,
      });
      if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status };
      const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, statusCode: res.status, error: `HTTP ${res.status}${redirect}` };
    } catch (err) {
      return { ok: false, error: describe(err) };
    }
  }
}
