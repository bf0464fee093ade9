import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { receiverSignatureValid } from './fake-custom-endpoint';
import { closeLocal } from './ports';
import type { TestApp } from './test-app';

/** Secret of the event webhook subscriptions the tests register. */
export const RECEIVER_SECRET = 'event-receiver-secret-0123456789';

/** One POST the receiver got, with its own verdict on the signature. */
export interface ReceivedEvent {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  signatureValid: boolean;
  /** The status it answered. */
  answered: number;
}

/**
 * A subscriber's endpoint on 127.0.0.1. It checks `X-Axi-Signature` with its own node:crypto code,
 * the way our documentation tells receivers to (HMAC-SHA256 of `t + "." + rawBody`, 5-minute
 * window), and answers the queued statuses (default 200). `down()` really stops listening and
 * `up()` listens again on the same port.
 */
export class FakeEventReceiver {
  readonly received: ReceivedEvent[] = [];
  /** Statuses to answer, in order; then `fallback`. */
  readonly statuses: number[] = [];
  fallback = 200;
  /** Answers chosen per request (wins over the queue when it returns a number). */
  decide?: (body: any) => number | undefined;
  delayMs = 0;
  private server?: http.Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/events`;
  }

  async start(): Promise<this> {
    return this.up();
  }

  async up(): Promise<this> {
    if (this.server) return this;
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async down(): Promise<void> {
    if (!this.server) return;
    await closeLocal(this.server);
    this.server = undefined;
  }

  async stop(): Promise<void> {
    await this.down();
  }

  reset(): void {
    this.received.length = 0;
    this.statuses.length = 0;
    this.fallback = 200;
    this.decide = undefined;
    this.delayMs = 0;
  }

  /** Accepted (2xx) deliveries' bodies. */
  accepted(): any[] {
    return this.received.filter((r) => r.answered < 300).map((r) => r.body);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const signatureValid = receiverSignatureValid(req.headers['x-axi-signature'] as string | undefined, raw, RECEIVER_SECRET);
      const answered = !signatureValid ? 401 : (this.decide?.(body) ?? this.statuses.shift() ?? this.fallback);
      this.received.push({ headers: req.headers, raw, body, signatureValid, answered });
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(answered, { 'content-type': 'application/json' });
        res.end('{}');
      }, this.delayMs);
    });
  }
}

/** Test settings of the event webhook worker: private URLs allowed, fast polls and retries. */
export const EVENT_WEBHOOK_TEST_ENV = {
  ALLOW_PRIVATE_URLS: 'true',
  EVENT_WEBHOOK_POLL_INTERVAL_MS: '50',
  EVENT_WEBHOOK_RETRY_BASE_MS: '50',
  EVENT_WEBHOOK_RETRY_MAX_DELAY_MS: '300',
  EVENT_WEBHOOK_MAX_ATTEMPTS: '4',
  EVENT_WEBHOOK_TIMEOUT_MS: '2000',
};

/** Registers a subscription through the API and returns its body. */
export async function subscribe(app: TestApp, token: string, url: string, eventTypes: string[]): Promise<{ id: string }> {
  const res = await request(app.url).post('/api/webhooks').set('Authorization', `Bearer ${token}`).send({ url, secret: RECEIVER_SECRET, event_types: eventTypes });
  if (res.status !== 201) throw new Error(`subscription failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Polls `check` until it is true (or fails after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
