import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeLocal, listenLocal } from './ports';

/** Secret of the custom channels the tests create. */
export const CUSTOM_SECRET = 'custom-fixture-secret-0123456789';

/** What the fake answers one delivery with. */
export interface CustomEndpointReply {
  status?: number;
  /** JSON-encoded unless a string. */
  body?: unknown;
  /** Waits this long before answering (a slow endpoint). */
  delayMs?: number;
}

/** One POST the fake received, with its own verdict on the signature. */
export interface CustomDelivery {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  signatureValid: boolean;
}

/**
 * A receiver's check of `X-Axi-Signature`, written from the documentation (not from our helper):
 * HMAC-SHA256 of `t + "." + rawBody` with node:crypto, in constant time, within 5 minutes.
 */
export function receiverSignatureValid(header: string | undefined, raw: string, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${match[1]}.${raw}`).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(match[1])) <= 300;
  return fresh && crypto.timingSafeEqual(Buffer.from(match[2]), Buffer.from(expected));
}

/**
 * A customer's endpoint for custom webhook channels on 127.0.0.1, port 0. It checks
 * `X-Axi-Signature: t=<unix>,v1=<hex>` the way a receiver following our documentation would
 * (HMAC-SHA256 of `t + "." + rawBody` with node:crypto, 5-minute window), answers 401 to a bad
 * signature, and otherwise answers the queued replies (default 200 `{"id": "ext-<n>"}`).
 */
export class FakeCustomEndpoint {
  readonly received: CustomDelivery[] = [];
  readonly replies: CustomEndpointReply[] = [];
  secret = CUSTOM_SECRET;
  private server?: http.Server;
  private counter = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** The URL to configure as `outboundUrl`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hooks/axi`;
  }

  async start(): Promise<this> {
    this.server = await listenLocal((req, res) => this.handle(req, res));
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const t of this.timers) clearTimeout(t);
    await closeLocal(this.server);
    this.server = undefined;
  }

  /** Forgets deliveries and queued replies, restores the secret and the id counter. */
  reset(): void {
    this.received.length = 0;
    this.replies.length = 0;
    this.secret = CUSTOM_SECRET;
    this.counter = 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const signatureValid = receiverSignatureValid(req.headers['x-axi-signature'] as string | undefined, raw, this.secret);
      this.received.push({ path: req.url ?? '/', headers: req.headers, raw, body, signatureValid });
      const reply: CustomEndpointReply = signatureValid ? (this.replies.shift() ?? { status: 200, body: { id: `ext-${++this.counter}` } }) : { status: 401, body: { error: 'bad signature' } };
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
      };
      if (!reply.delayMs) return answer();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        answer();
      }, reply.delayMs);
      this.timers.add(timer);
    });
  }
}
