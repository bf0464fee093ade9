import request from 'supertest';
import { bearer, expectErrorEnvelope, errorFields } from '../../support/api-helpers';
import { EVENT_WEBHOOK_TEST_ENV, RECEIVER_SECRET } from '../../support/fake-event-receiver';
import { createTenant, type Tenant } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

const URL = 'https://hooks.example.com/axi?token=abc';
const UNKNOWN_ID = '6d1f6a0e-0000-4000-8000-000000000000';

describe('event webhook subscriptions (/api/webhooks)', () => {
  let app: TestApp;
  let tenant: Tenant;
  let other: Tenant;
  const logLines: string[] = [];
  const api = () => request(app.url);
  const create = (token: string, body: Record<string, unknown>) => api().post('/api/webhooks').set(bearer(token)).send(body);
  const valid = { url: URL, secret: RECEIVER_SECRET, event_types: ['message.received', 'message.status'] };

  beforeAll(async () => {
    app = await startTestApp({ ...EVENT_WEBHOOK_TEST_ENV, LOG_LEVEL: 'debug' }, { logLines });
  });
  afterAll(async () => {
    await app?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    tenant = await createTenant(app, 'Acme');
    other = await createTenant(app, 'Globex');
  });

  it('when an admin registers a subscription, then it is stored with an encrypted secret and the answer only says secret_set', async () => {
    const res = await create(tenant.adminToken, valid);
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.any(String), company_id: tenant.companyId, url: URL, event_types: ['message.received', 'message.status'], secret_set: true,
      created_at: expect.any(String), updated_at: expect.any(String),
    });
    const [row] = await sql('SELECT secret_ciphertext FROM webhook_subscriptions WHERE id = $1', [res.body.data.id]);
    expect(row.secret_ciphertext).toMatch(/^v1:/);
    expect(row.secret_ciphertext).not.toContain(RECEIVER_SECRET);
    for (const read of [await api().get('/api/webhooks').set(bearer(tenant.adminToken)), await api().get(`/api/webhooks/${res.body.data.id}`).set(bearer(tenant.adminToken))]) {
      expect(read.status).toBe(200);
      expect(JSON.stringify(read.body)).not.toContain(RECEIVER_SECRET);
      expect(JSON.stringify(read.body)).not.toContain('v1:');
    }
    expect(logLines.some((l) => l.includes('"/api/webhooks"') || l.includes('"method":"POST"'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(RECEIVER_SECRET);
  });

  it('when the input is invalid, then it is a 400 naming each field and nothing is stored', async () => {
    const bad = await create(tenant.adminToken, { url: 'ftp://x.example.com', secret: 'short', event_types: ['message.deleted'], extra: 1 });
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(errorFields(bad).sort()).toEqual(['event_types.0', 'extra', 'secret', 'url']);
    const empty = await create(tenant.adminToken, { ...valid, event_types: [] });
    expect(errorFields(empty)).toEqual(['event_types']);
    const twice = await create(tenant.adminToken, { ...valid, event_types: ['message.status', 'message.status'] });
    expect(errorFields(twice)).toEqual(['event_types.1']);
    const creds = await create(tenant.adminToken, { ...valid, url: 'https://user:pass@hooks.example.com/x' });
    expectErrorEnvelope(creds, 400, 'INVALID_WEBHOOK_URL');
    expect((await sql('SELECT count(*)::int AS n FROM webhook_subscriptions'))[0].n).toBe(0);
  });

  it('when private addresses are not allowed (the default), then loopback and private URLs are refused', async () => {
    const strict = await startTestApp({ ...EVENT_WEBHOOK_TEST_ENV, ALLOW_PRIVATE_URLS: 'false' });
    try {
      for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x']) {
        const res = await request(strict.url).post('/api/webhooks').set(bearer(tenant.adminToken)).send({ ...valid, url });
        expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'INVALID_WEBHOOK_URL' });
      }
      expect((await request(strict.url).post('/api/webhooks').set(bearer(tenant.adminToken)).send(valid)).status).toBe(201);
    } finally {
      await strict.stop();
    }
  });

  it('when another company asks for, lists or deletes a subscription, then it is a 404 or not listed', async () => {
    const mine = (await create(tenant.adminToken, valid)).body.data;
    await create(other.adminToken, { ...valid, url: 'https://globex.example.com/h' });
    expectErrorEnvelope(await api().get(`/api/webhooks/${mine.id}`).set(bearer(other.adminToken)), 404, 'WEBHOOK_NOT_FOUND');
    expectErrorEnvelope(await api().delete(`/api/webhooks/${mine.id}`).set(bearer(other.adminToken)), 404, 'WEBHOOK_NOT_FOUND');
    expectErrorEnvelope(await api().get(`/api/webhooks/${mine.id}/deliveries`).set(bearer(other.adminToken)), 404, 'WEBHOOK_NOT_FOUND');
    const list = await api().get('/api/webhooks').set(bearer(other.adminToken));
    expect(list.body.data.items.map((w: { url: string }) => w.url)).toEqual(['https://globex.example.com/h']);
    expectErrorEnvelope(await api().get('/api/webhooks').query({ company_id: tenant.companyId }).set(bearer(other.adminToken)), 403);
    expectErrorEnvelope(await create(other.adminToken, { ...valid, company_id: tenant.companyId }), 403);
    expect((await api().get(`/api/webhooks/${mine.id}`).set(bearer(tenant.adminToken))).status).toBe(200);
  });

  it('when a superadmin lists, then it sees every company and can filter by one', async () => {
    await create(tenant.adminToken, valid);
    await create(other.adminToken, valid);
    const root = app.token({ sub: 'root', company_id: tenant.companyId, role: 'superadmin' });
    expect((await api().get('/api/webhooks').set(bearer(root))).body.data.pagination.total).toBe(2);
    const filtered = await api().get('/api/webhooks').query({ company_id: other.companyId }).set(bearer(root));
    expect(filtered.body.data.items.map((w: { company_id: number }) => w.company_id)).toEqual([other.companyId]);
    expect((await create(root, { ...valid, company_id: other.companyId })).body.data.company_id).toBe(other.companyId);
  });

  it('when an agent or a supervisor calls, then it is a 403; an explicit webhooks:manage grant allows it', async () => {
    const supervisor = app.token({ sub: 9, company_id: tenant.companyId, role: 'supervisor' });
    expectErrorEnvelope(await create(tenant.agentToken, valid), 403);
    expectErrorEnvelope(await api().get('/api/webhooks').set(bearer(supervisor)), 403);
    const granted = app.token({ sub: 9, company_id: tenant.companyId, role: 'agent', permissions: ['webhooks:manage'] });
    expect((await create(granted, valid)).status).toBe(201);
  });

  it('when a subscription is deleted, then it and its deliveries are gone and a second delete is a 404', async () => {
    const mine = (await create(tenant.adminToken, valid)).body.data;
    await sql(`INSERT INTO webhook_deliveries (subscription_id, company_id, event_id, event_type, ordering_key, payload) VALUES ($1, $2, gen_random_uuid(), 'message.status', 'k', '{}')`, [mine.id, tenant.companyId]);
    const res = await api().delete(`/api/webhooks/${mine.id}`).set(bearer(tenant.adminToken));
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect((await sql('SELECT count(*)::int AS n FROM webhook_deliveries'))[0].n).toBe(0);
    expectErrorEnvelope(await api().delete(`/api/webhooks/${mine.id}`).set(bearer(tenant.adminToken)), 404);
    expectErrorEnvelope(await api().post(`/api/webhooks/${UNKNOWN_ID}/deliveries/${UNKNOWN_ID}/replay`).set(bearer(tenant.adminToken)), 404);
  });
});
