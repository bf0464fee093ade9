import request from 'supertest';
import { bearer, expectErrorEnvelope, tableCounts } from '../../support/api-helpers';
import { createCustomChannel, postCustom } from '../../support/custom-webhooks';
import { FakeCustomEndpoint } from '../../support/fake-custom-endpoint';
import { createTenant, postMetaWebhook, type Tenant } from '../../support/scenario';
import { resetDatabase, startTestApp, type TestApp } from '../../support/test-app';

const ALLOWED = 'https://agents.example.com';
const BODY_LIMIT = 4096;

describe('edge: security headers, CORS and body limits', () => {
  let https: TestApp;
  let plain: TestApp;
  let endpoint: FakeCustomEndpoint;
  let tenant: Tenant;

  beforeAll(async () => {
    endpoint = await new FakeCustomEndpoint().start();
    https = await startTestApp({ PUBLIC_BASE_URL: 'https://channels.example.com', CORS_ORIGINS: `${ALLOWED}, https://other-allowed.example`, BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    plain = await startTestApp({ PUBLIC_BASE_URL: 'http://channels.example.com' });
  });
  afterAll(async () => {
    await https?.stop();
    await plain?.stop();
    await endpoint?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    tenant = await createTenant(https);
  });

  describe('security headers', () => {
    it('when the API, a webhook, an error and /health answer, then each carries helmet\'s headers with a strict CSP', async () => {
      const answers = [
        await request(https.url).get('/api/channels').set(bearer(tenant.adminToken)),
        await request(https.url).get('/api/channels'),
        await request(https.url).get('/health'),
        await request(https.url).get('/nope'),
        await postMetaWebhook(https, '{}'),
      ];
      for (const res of answers) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('when /docs is served, then it has the headers but no CSP (Swagger UI runs inline scripts)', async () => {
      const res = await request(https.url).get('/docs/');
      expect(res.status).toBe(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBeUndefined();
    });

    it('when PUBLIC_BASE_URL is https, then Strict-Transport-Security is sent; over http it is not', async () => {
      for (const path of ['/api/channels', '/docs/', '/health']) {
        expect((await request(https.url).get(path)).headers['strict-transport-security']).toMatch(/^max-age=31536000; includeSubDomains/);
        expect((await request(plain.url).get(path)).headers['strict-transport-security']).toBeUndefined();
      }
    });
  });

  describe('CORS (CORS_ORIGINS)', () => {
    it('when an allowed origin calls, then it gets Access-Control-Allow-Origin and the exposed headers; another origin gets none', async () => {
      const allowed = await request(https.url).get('/api/channels').set('Origin', ALLOWED).set(bearer(tenant.adminToken));
      expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(allowed.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
      expect(allowed.headers['access-control-expose-headers']).toMatch(/Retry-After/);
      const other = await request(https.url).get('/api/channels').set('Origin', 'https://evil.example').set(bearer(tenant.adminToken));
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('when a browser sends a preflight, then an allowed origin is allowed and another is not', async () => {
      const preflight = (origin: string) => request(https.url).options('/api/channels').set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization,content-type');
      const ok = await preflight('https://other-allowed.example');
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('https://other-allowed.example');
      expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    });

    it('when CORS_ORIGINS is *, then any origin is allowed', async () => {
      expect((await request(plain.url).get('/health').set('Origin', 'https://anyone.example')).headers['access-control-allow-origin']).toBe('*');
    });
  });

  describe('body size (BODY_LIMIT_BYTES)', () => {
    const big = 'x'.repeat(BODY_LIMIT + 100);

    it('when a REST body is over the limit, then 413 PAYLOAD_TOO_LARGE in the envelope and nothing stored; under it is read', async () => {
      const before = await tableCounts();
      const res = await request(https.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ name: big, type: 'WEBCHAT', provider: 'CUSTOM' });
      expectErrorEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
      expect(await tableCounts()).toEqual(before);
      const small = await request(https.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ name: 'x'.repeat(BODY_LIMIT - 500), type: 'FAX' });
      expect(small.status).toBe(400);
    });

    it('when a webhook body is over the limit, then 413 on Meta, custom and Twilio paths and nothing stored', async () => {
      const channel = await createCustomChannel(https, tenant, endpoint);
      const before = await tableCounts();
      const answers = [
        await postMetaWebhook(https, JSON.stringify({ object: 'whatsapp_business_account', pad: big })),
        await postCustom(https, channel.id, { id: 'big', from: 'v', text: big, timestamp: 1_764_000_000 }),
        await request(https.url).post(`/webhooks/twilio/${channel.id}`).type('form').send(`Body=${big}`),
      ];
      for (const res of answers) expectErrorEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(await tableCounts()).toEqual(before);
      expect((await postCustom(https, channel.id, { id: 'small', from: 'v', text: 'hi', timestamp: 1_764_000_000 })).status).toBe(200);
    });

    it('when the default limit applies, then a 2 MB body is 413 and a 500 kB one is read', async () => {
      const res = await request(plain.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ name: 'x'.repeat(2 * 1024 * 1024) });
      expectErrorEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
      expect((await request(plain.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ name: 'x'.repeat(500 * 1024), type: 'FAX' })).status).toBe(400);
    });
  });
});
