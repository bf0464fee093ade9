import request from 'supertest';
import twilio from 'twilio';
import { useIsolatedDatabase } from './api-helpers';
import { FakeTwilioApi, TWILIO_AUTH_TOKEN } from './fake-twilio-api';
import { fixture } from './fixtures';
import type { Tenant } from './scenario';
import { resetDatabase, startTestApp, type TestApp } from './test-app';

/** The URL Twilio calls in these tests: a TLS-terminating proxy in front of the app's http://127.0.0.1:port. */
export const PUBLIC_BASE_URL = 'https://public.example.com';
/** The fixtures' Twilio number (the channel's provider_account). */
export const TWILIO_NUMBER = '+15557770002';

/** What `useAppWithTwilio` sets up (filled in by its beforeAll). */
export interface AppWithTwilio {
  app: TestApp;
  twilio: FakeTwilioApi;
}

/** Suite hooks: a FakeTwilioApi (or the subclass `fake` builds) and the app pointed at it (PUBLIC_BASE_URL behind a "proxy"); database emptied and fake reset per test. */
export function useAppWithTwilio(options: { isolatedDatabase?: boolean; fake?: () => FakeTwilioApi } = {}): AppWithTwilio {
  const ctx = {} as AppWithTwilio;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (options.isolatedDatabase) drop = await useIsolatedDatabase();
    ctx.twilio = await (options.fake?.() ?? new FakeTwilioApi()).start();
    ctx.app = await startTestApp({ TWILIO_API_BASE_URL: ctx.twilio.url, PUBLIC_BASE_URL: PUBLIC_BASE_URL });
  });
  afterAll(async () => {
    await ctx.app?.stop();
    await ctx.twilio?.stop();
    await drop?.();
  });
  beforeEach(async () => {
    await resetDatabase();
    ctx.twilio.reset();
  });
  return ctx;
}

/** The body of a TWILIO channel creation; `overrides` replace top-level fields. */
export function twilioChannelBody(fake: FakeTwilioApi, overrides: Record<string, unknown> = {}) {
  return {
    name: 'Twilio SMS',
    type: 'SMS',
    provider: 'TWILIO',
    provider_account: TWILIO_NUMBER,
    credentials: { accountSid: fake.accountSid, authToken: fake.authToken },
    ...overrides,
  };
}

/** Creates a TWILIO channel through the API (201 expected). */
export async function createTwilioChannel(app: TestApp, fake: FakeTwilioApi, tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const res = await request(app.url).post('/api/channels').set('Authorization', `Bearer ${tenant.adminToken}`).send(twilioChannelBody(fake, overrides));
  if (res.status !== 201) throw new Error(`channel creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string; provider_account: string; type: string };
}

/** Form fields of a body as the twilio helpers take them (a repeated field becomes a list). */
export function formParams(body: string): Record<string, string | string[]> {
  const fields: [string, string[]][] = [];
  for (const [k, v] of new URLSearchParams(body)) {
    const field = fields.find(([name]) => name === k);
    if (field) field[1].push(v);
    else fields.push([k, [v]]);
  }
  return Object.fromEntries(fields.map(([k, vs]) => [k, vs.length === 1 ? vs[0] : vs]));
}

/** How a test webhook is signed: by default HMAC-SHA1 with the fake's auth token over PUBLIC_BASE_URL + path. */
export interface SignOptions {
  authToken?: string;
  /** The URL Twilio "called" (default PUBLIC_BASE_URL + path). */
  signedUrl?: string;
  /** HMAC_SHA256 with an announcing X-Twilio-Webhooks-Signature-Settings header. */
  algorithm?: 'HMAC_SHA1' | 'HMAC_SHA256';
  /** A literal header value, or null for none. */
  signature?: string | null;
}

/** Posts a form body to the app as Twilio would, signed with the twilio package's own helper. */
export function postTwilioForm(app: TestApp, path: string, body: string | Record<string, string>, opts: SignOptions = {}) {
  const raw = typeof body === 'string' ? body : new URLSearchParams(body).toString();
  const url = opts.signedUrl ?? PUBLIC_BASE_URL + path;
  const signature = opts.signature === undefined
    ? twilio.getExpectedTwilioSignature(opts.authToken ?? TWILIO_AUTH_TOKEN, url, formParams(raw), opts.algorithm)
    : opts.signature;
  const req = request(app.url).post(path).set('Content-Type', 'application/x-www-form-urlencoded');
  if (signature !== null) req.set('X-Twilio-Signature', signature);
  if (opts.algorithm === 'HMAC_SHA256') req.set('X-Twilio-Webhooks-Signature-Settings', 'key=webhooks_sharedkey_fixture,algorithm=HMAC_SHA256');
  return req.send(raw);
}

/** A fixture file (fixtures/twilio/<name>) as its exact form body. */
export function twilioFixture(name: string): string {
  return fixture(`twilio/${name}`).toString('utf8');
}
