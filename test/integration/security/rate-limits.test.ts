import express from 'express';
import Redis from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { MemoryCacheStore, RedisCacheStore, createRedisClient } from '../../../src/shared/cache/cache-store';
import { rateLimit } from '../../../src/shared/http/rate-limit.middleware';
import { bearer, expectErrorEnvelope } from '../../support/api-helpers';
import { createCustomChannel, postCustom } from '../../support/custom-webhooks';
import { FakeCustomEndpoint } from '../../support/fake-custom-endpoint';
import { OpenApiValidator } from '../../support/openapi-validator';
import { freePort } from '../../support/ports';
import { createTenant, type Tenant } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

const REST_LIMIT = 5;
const WEBHOOK_LIMIT = 3;
const LIMITS = { RATE_LIMIT_REST_PER_MIN: String(REST_LIMIT), RATE_LIMIT_WEBHOOK_PER_SEC: String(WEBHOOK_LIMIT) };

/** Removes the rate-limit counters of earlier tests (and runs) from the test Redis. */
async function clearCounters(): Promise<void> {
  const redis = new Redis(process.env.TEST_REDIS_URL!);
  try {
    const keys = await redis.keys('axi:rl:*');
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.quit();
  }
}

function message(i: number) {
  return { id: `rl-${i}`, from: 'visitor-1', text: `hello ${i}`, timestamp: 1_764_000_000 + i };
}

describe('rate limits (counted in Redis, shared by instances)', () => {
  let app: TestApp;
  let other: TestApp;
  let endpoint: FakeCustomEndpoint;
  let tenant: Tenant;

  beforeAll(async () => {
    endpoint = await new FakeCustomEndpoint().start();
    app = await startTestApp(LIMITS);
    other = await startTestApp(LIMITS);
  });
  afterAll(async () => {
    await app?.stop();
    await other?.stop();
    await endpoint?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    await clearCounters();
    tenant = await createTenant(app);
  });

  it('when a token spends its REST budget, then the next request is 429 RATE_LIMITED with Retry-After and RateLimit headers, and another token still gets through', async () => {
    for (let i = 0; i < REST_LIMIT; i++) {
      const res = await request(app.url).get('/api/channels').set(bearer(tenant.adminToken));
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe(String(REST_LIMIT));
      expect(res.headers['ratelimit-remaining']).toBe(String(REST_LIMIT - i - 1));
    }
    const refused = await request(app.url).get('/api/channels').set(bearer(tenant.adminToken));
    expectErrorEnvelope(refused, 429, 'RATE_LIMITED');
    new OpenApiValidator().assert(refused);
    expect(refused.body.requestId).toBe(refused.headers['x-request-id']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['ratelimit-policy']).toBe(`${REST_LIMIT};w=60`);

    expect((await request(app.url).get('/api/channels').set(bearer(tenant.agentToken))).status).toBe(200);
  });

  it('when a token spends its budget on one instance, then the other instance refuses it too', async () => {
    for (let i = 0; i < REST_LIMIT; i++) expect((await request(i % 2 ? other.url : app.url).get('/api/channels').set(bearer(tenant.adminToken))).status).toBe(200);
    expect((await request(other.url).get('/api/channels').set(bearer(tenant.adminToken))).status).toBe(429);
    expect((await request(app.url).get('/api/channels').set(bearer(tenant.adminToken))).status).toBe(429);
  });

  it('when a refused REST request would create something, then nothing is stored', async () => {
    for (let i = 0; i < REST_LIMIT; i++) await request(app.url).get('/api/channels').set(bearer(tenant.adminToken));
    const refused = await request(app.url).post('/api/channels/conversations').set(bearer(tenant.adminToken)).send({ channel_id: '6d1f6a0e-0000-4000-8000-000000000000', external_id: '15550001111' });
    expect(refused.status).toBe(429);
    expect(await sql('SELECT id FROM conversations')).toHaveLength(0);
  });

  it('when a channel gets more webhooks in one second than its budget, then the excess is 429 and not stored, and another channel is unaffected', async () => {
    const [a, b] = [await createCustomChannel(app, tenant, endpoint), await createCustomChannel(app, tenant, endpoint, { name: 'Other chat' })];
    await clearCounters();
    // All within one window: the burst is sent at once.
    const answers = await Promise.all(Array.from({ length: WEBHOOK_LIMIT + 3 }, (_, i) => postCustom(app, a.id, message(i))));
    const refused = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(WEBHOOK_LIMIT);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) {
      expectErrorEnvelope(r, 429, 'RATE_LIMITED');
      new OpenApiValidator().assert(r);
      expect(r.headers['retry-after']).toBe('1');
    }
    const stored = await sql<{ n: string }>('SELECT count(*) AS n FROM messages WHERE channel_id = $1', [a.id]);
    expect(Number(stored[0].n)).toBe(answers.filter((r) => r.status === 200).length);
    expect((await postCustom(app, b.id, message(100))).status).toBe(200);
  });

  it('when a channel is hit through other letter cases of its id, then they share one budget', async () => {
    const channel = await createCustomChannel(app, tenant, endpoint);
    await clearCounters();
    const variants = [channel.id, channel.id.toUpperCase(), ...Array.from({ length: 6 }, (_, i) => channel.id.replace(/[a-f]/, (c) => (i % 2 ? c.toUpperCase() : c)).replace(/[a-f]$/, (c) => c.toUpperCase()))];
    const answers = await Promise.all(variants.map((id, i) => postCustom(app, id, message(200 + i))));
    expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(WEBHOOK_LIMIT);
    expect(answers.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(variants.length - WEBHOOK_LIMIT);
  });

  it('when the app-level Meta URL is hit in other letter cases, then they share its one budget and add no metrics series', async () => {
    await clearCounters();
    const paths = ['/webhooks/meta', '/WEBHOOKS/meta', '/Webhooks/meta', '/webhooks/META', '/WebHooks/Meta'];
    const answers = await Promise.all(paths.flatMap((p) => Array.from({ length: WEBHOOK_LIMIT }, () => request(app.url).post(p).set('Content-Type', 'application/json').send('{}'))));
    expect(answers.filter((r) => r.status !== 429).length).toBeLessThanOrEqual(WEBHOOK_LIMIT);
    const metrics = (await request(app.url).get('/metrics')).text;
    expect(metrics).not.toMatch(/route="\/(WEBHOOKS|Webhooks|WebHooks)\//);
  });
});

describe('rate limit store outages and the in-process store', () => {
  it('when the Redis behind the limiter is unreachable, then requests are let through (fail open) without waiting', async () => {
    const redis = createRedisClient(`redis://127.0.0.1:${await freePort()}`, () => undefined);
    const store = new RedisCacheStore(redis);
    const server = express();
    server.use(rateLimit({ scope: 'test', limit: 1, windowSeconds: 60, keyOf: () => 'k', store, logger: pino({ level: 'silent' }) }));
    server.get('/', (_req, res) => res.json({ ok: true }));
    try {
      const started = Date.now();
      for (let i = 0; i < 3; i++) expect((await request(server).get('/')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      redis.disconnect();
    }
  });

  it('when the memory store counts, then the window holds its count and a new window starts after it expires', async () => {
    const store = new MemoryCacheStore();
    expect(await store.incr('k', 1)).toEqual({ count: 1, ttlMs: 1000 });
    const second = await store.incr('k', 1);
    expect(second.count).toBe(2);
    expect(second.ttlMs).toBeLessThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 1050));
    expect((await store.incr('k', 1)).count).toBe(1);
  });

  it('when many instances increment one Redis counter at once, then every count is handed out once and the key expires', async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    await new Promise((r) => redis.once('ready', r));
    const store = new RedisCacheStore(redis, 'axi:rl:test:');
    try {
      await store.del('atomic');
      const counts = (await Promise.all(Array.from({ length: 50 }, () => store.incr('atomic', 30)))).map((c) => c.count);
      expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const ttl = await redis.pttl('axi:rl:test:atomic');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    } finally {
      await store.close();
    }
  });
});
