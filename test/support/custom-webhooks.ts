import crypto from 'node:crypto';
import request from 'supertest';
import { bearer } from './api-helpers';
import { CUSTOM_SECRET, FakeCustomEndpoint } from './fake-custom-endpoint';
import type { Tenant } from './scenario';
import { resetDatabase, startTestApp, type TestApp } from './test-app';

/** The body of POST /api/channels for a custom webhook channel talking to `endpoint`. */
export function customChannelBody(endpoint: FakeCustomEndpoint, overrides: Record<string, unknown> = {}) {
  return { name: 'Web chat', type: 'WEBCHAT', provider: 'CUSTOM', credentials: { secret: CUSTOM_SECRET }, config: { outboundUrl: endpoint.url }, ...overrides };
}

/** Creates a custom webhook channel through the API. */
export async function createCustomChannel(app: TestApp, tenant: Tenant, endpoint: FakeCustomEndpoint, overrides: Record<string, unknown> = {}) {
  const res = await request(app.url).post('/api/channels').set(bearer(tenant.adminToken)).send(customChannelBody(endpoint, overrides));
  if (res.status !== 201) throw new Error(`custom channel creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string; provider_account: string | null; is_active: boolean; config: Record<string, unknown> };
}

/** The signature header a sender following our documentation computes (node:crypto, independent of src/). */
export function customSignature(raw: string, opts: { secret?: string; timestamp?: number } = {}): string {
  const t = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return `t=${t},v1=${crypto.createHmac('sha256', opts.secret ?? CUSTOM_SECRET).update(`${t}.${raw}`).digest('hex')}`;
}

/** Posts a body (object, or exact string) signed to /webhooks/custom/:channelId[/status]; `signature: null` sends none. */
export function postCustom(
  app: TestApp,
  channelId: string,
  body: unknown,
  opts: { status?: boolean; secret?: string; timestamp?: number; signature?: string | null } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const req = request(app.url).post(`/webhooks/custom/${channelId}${opts.status ? '/status' : ''}`).set('Content-Type', 'application/json');
  const signature = opts.signature === undefined ? customSignature(raw, opts) : opts.signature;
  if (signature !== null) req.set('X-Axi-Signature', signature);
  return req.send(raw);
}

/** What `useAppWithCustomEndpoint` sets up; filled in by its beforeAll (read inside hooks and tests only). */
export interface AppWithCustomEndpoint {
  app: TestApp;
  endpoint: FakeCustomEndpoint;
}

/** Provider HTTP timeout of the suite's app: short, so a slow endpoint test stays fast. */
export const CUSTOM_TIMEOUT_MS = 500;

/**
 * Suite hooks: beforeAll starts a FakeCustomEndpoint and the app (provider timeout CUSTOM_TIMEOUT_MS),
 * afterAll stops both, beforeEach empties the database and resets the endpoint.
 */
export function useAppWithCustomEndpoint(): AppWithCustomEndpoint {
  const ctx = {} as AppWithCustomEndpoint;
  beforeAll(async () => {
    ctx.endpoint = await new FakeCustomEndpoint().start();
    ctx.app = await startTestApp({ PROVIDER_HTTP_TIMEOUT_MS: String(CUSTOM_TIMEOUT_MS) });
  });
  afterAll(async () => {
    await ctx.app?.stop();
    await ctx.endpoint?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    ctx.endpoint.reset();
  });
  return ctx;
}
