import request from 'supertest';
import { CredentialsCipher } from '../../../src/shared/crypto/credentials-cipher';
import { bearer, captureLogs, closedPortUrl, errorFields, expectErrorEnvelope, tableCounts } from '../../support/api-helpers';
import { APP_SECRET, createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { useAppWithGraph } from '../../support/suite';
import { sql, startTestApp } from '../../support/test-app';

const VERIFY_TOKEN = 'fixture-verify-token';

describe('Channels API', () => {
  const ctx = useAppWithGraph({ isolatedDatabase: true });
  let tenant: Tenant;

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
  });

  const metaBody = (overrides: Record<string, unknown> = {}) => ({
    name: 'WhatsApp Support',
    type: 'WHATSAPP',
    provider: 'META',
    credentials: { accessToken: ctx.graph.validToken, phoneNumberId: ctx.graph.phoneNumberId, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN },
    ...overrides,
  });
  const post = (body: object, token = tenant.adminToken) => request(ctx.app.url).post('/api/channels').set(bearer(token)).send(body);

  /** Creates a META channel for another phone number id (the fake serves one number at a time). */
  async function createForNumber(phoneNumberId: string, name: string) {
    const original = ctx.graph.phoneNumberId;
    ctx.graph.phoneNumberId = phoneNumberId;
    try {
      const res = await post(metaBody({ name, credentials: { accessToken: ctx.graph.validToken, phoneNumberId, appSecret: APP_SECRET } }));
      expect(res.status).toBe(201);
      return res.body.data as { id: string; name: string };
    } finally {
      ctx.graph.phoneNumberId = original;
    }
  }

  describe('create', () => {
    it('when a META channel is created with valid credentials, then 201, active, provider_account is the phone number id and no secret is returned', async () => {
      const res = await post(metaBody());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        success: true,
        message: expect.any(String),
        data: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          name: 'WhatsApp Support',
          type: 'WHATSAPP',
          provider: 'META',
          is_active: true,
          provider_account: ctx.graph.phoneNumberId,
          company_id: tenant.companyId,
          credentials_id: expect.any(String),
          default_agent_id: null,
          deleted_at: null,
        },
      });
      const text = JSON.stringify(res.body);
      expect(text).not.toMatch(/"credentials"\s*:/);
      expect(text).not.toMatch(/accessToken|appSecret|verifyToken/);
      expect(text).not.toContain(ctx.graph.validToken);
      expect(text).not.toContain(APP_SECRET);
      expect(text).not.toContain(VERIFY_TOKEN);

      const lookups = ctx.graph.requests.filter((r) => r.method === 'GET');
      expect(lookups).toHaveLength(1);
      expect(lookups[0]).toMatchObject({ path: `/v21.0/${ctx.graph.phoneNumberId}`, headers: { authorization: `Bearer ${ctx.graph.validToken}` } });

      const rows = await sql('SELECT c.is_active, c.provider_account, c.company_id, c.credentials_id, k.ciphertext, k.company_id AS cred_company FROM channels c JOIN channel_credentials k ON k.id = c.credentials_id');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ is_active: true, provider_account: ctx.graph.phoneNumberId, company_id: tenant.companyId, credentials_id: res.body.data.credentials_id, cred_company: tenant.companyId });
      const { ciphertext } = rows[0];
      expect(ciphertext).not.toContain(ctx.graph.validToken);
      expect(ciphertext).not.toContain(APP_SECRET);
      expect(ciphertext).not.toContain(Buffer.from(ctx.graph.validToken).toString('base64'));
      // Encrypted with the configured key: it decrypts back to exactly what was posted.
      const cipher = new CredentialsCipher(Buffer.from(process.env.CREDENTIALS_ENCRYPTION_KEY!, 'base64'));
      expect(cipher.decrypt(ciphertext)).toEqual({ accessToken: ctx.graph.validToken, phoneNumberId: ctx.graph.phoneNumberId, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    });

    it('when a channel is read back or listed, then credentials are never in the body either', async () => {
      const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
      const one = await request(ctx.app.url).get(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken));
      expect(one.status).toBe(200);
      expect(one.body.data).toMatchObject({ id: channel.id, runtime_status: 'ready' });
      const list = await request(ctx.app.url).get('/api/channels').set(bearer(tenant.adminToken));
      for (const body of [one.body, list.body]) {
        const text = JSON.stringify(body);
        expect(text).not.toMatch(/"credentials"\s*:|accessToken|appSecret/);
        expect(text).not.toContain(ctx.graph.validToken);
        expect(text).not.toContain(APP_SECRET);
      }
    });

    it('when the Graph API rejects the token, then 400 PROVIDER_REJECTED and nothing is stored', async () => {
      const res = await post(metaBody({ credentials: { accessToken: 'EAAG-wrong-token-123', phoneNumberId: ctx.graph.phoneNumberId, appSecret: APP_SECRET } }));
      expectErrorEnvelope(res, 400, 'PROVIDER_REJECTED');
      expect(res.body.message).toMatch(/Invalid OAuth access token/);
      expect(JSON.stringify(res.body)).not.toContain('EAAG-wrong-token-123');
      expect(await sql('SELECT count(*)::int AS n FROM channels')).toEqual([{ n: 0 }]);
      expect(await sql('SELECT count(*)::int AS n FROM channel_credentials')).toEqual([{ n: 0 }]);
    });

    it('when the Graph API answers 503 to the credential check, then 502 PROVIDER_UNAVAILABLE and nothing is stored', async () => {
      ctx.graph.lookupStatus = 503;
      const res = await post(metaBody());
      expectErrorEnvelope(res, 502, 'PROVIDER_UNAVAILABLE');
      expect(await sql('SELECT count(*)::int AS n FROM channels')).toEqual([{ n: 0 }]);
      expect(await sql('SELECT count(*)::int AS n FROM channel_credentials')).toEqual([{ n: 0 }]);
    });

    it('when the Graph API cannot be reached at all, then 502, nothing is stored and no log line holds a secret', async () => {
      const unreachable = await startTestApp({ META_GRAPH_BASE_URL: await closedPortUrl(), LOG_LEVEL: 'debug' });
      const logs = captureLogs(unreachable);
      try {
        const res = await request(unreachable.url).post('/api/channels').set(bearer(tenant.adminToken)).send(metaBody());
        expectErrorEnvelope(res, 502, 'PROVIDER_UNAVAILABLE');
        expect(JSON.stringify(res.body)).not.toContain(ctx.graph.validToken);
      } finally {
        await unreachable.stop();
        logs.restore();
      }
      expect(await sql('SELECT count(*)::int AS n FROM channels')).toEqual([{ n: 0 }]);
      expect(await sql('SELECT count(*)::int AS n FROM channel_credentials')).toEqual([{ n: 0 }]);
      expect(logs.lines.length).toBeGreaterThan(0);
      const text = logs.lines.join('');
      expect(text).not.toContain(ctx.graph.validToken);
      expect(text).not.toContain(APP_SECRET);
      expect(text).not.toContain(tenant.adminToken);
    });

    it('when another live channel already uses the phone number id, then 409 and only the first channel and its credentials are stored', async () => {
      const first = await createMetaChannel(ctx.app, ctx.graph, tenant);
      const res = await post(metaBody({ name: 'Second' }));
      expectErrorEnvelope(res, 409, 'CHANNEL_ACCOUNT_TAKEN');
      expect(await sql('SELECT id FROM channels')).toEqual([{ id: first.id }]);
      expect(await sql('SELECT count(*)::int AS n FROM channel_credentials')).toEqual([{ n: 1 }]);
    });

    it('when the same number is registered by several requests at once, then exactly one 201, the rest 409, and one channel with one credentials row', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => post(metaBody({ name: `Race ${i}` }))));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expectErrorEnvelope(r, 409, 'CHANNEL_ACCOUNT_TAKEN');
      expect(await sql('SELECT count(*)::int AS n FROM channels')).toEqual([{ n: 1 }]);
      expect(await sql('SELECT count(*)::int AS n FROM channel_credentials')).toEqual([{ n: 1 }]);
    });

    it('when another company already uses the phone number id, then 409 as well (unique among live channels)', async () => {
      await createMetaChannel(ctx.app, ctx.graph, tenant);
      const other = await createTenant(ctx.app, 'Other');
      const res = await post(metaBody(), other.adminToken);
      expectErrorEnvelope(res, 409, 'CHANNEL_ACCOUNT_TAKEN');
      expect(await sql('SELECT company_id FROM channels')).toEqual([{ company_id: tenant.companyId }]);
    });

    it('when provider_account differs from the phone number id of a META channel, then 400 and nothing is stored', async () => {
      const res = await post(metaBody({ provider_account: '999999999' }));
      expectErrorEnvelope(res, 400);
      expect(errorFields(res)).toContain('provider_account');
      expect(await tableCounts()).toMatchObject({ channels: 0, channel_credentials: 0 });
    });

    it('when META credentials are missing or malformed, then 400 naming the credential fields and the Graph API is not called', async () => {
      const missing = await post(metaBody({ credentials: undefined }));
      expectErrorEnvelope(missing, 400, 'VALIDATION_ERROR');
      expect(errorFields(missing)).toContain('credentials');
      const bad = await post(metaBody({ credentials: { accessToken: 'short', phoneNumberId: 'abc' } }));
      expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
      expect(errorFields(bad)).toEqual(expect.arrayContaining(['credentials.accessToken', 'credentials.phoneNumberId']));
      expect(ctx.graph.requests).toHaveLength(0);
      expect(await tableCounts()).toMatchObject({ channels: 0, channel_credentials: 0 });
    });

    it.each([
      ['TWILIO', 'EMAIL', { accountSid: 'AC00000000000000000000000000000000', authToken: 'twilio-token-123456' }],
    ])('when a %s %s channel is created, then 400 PROVIDER_NOT_AVAILABLE and nothing is stored', async (provider, type, credentials) => {
      const res = await post({ name: `${provider} ${type}`, type, provider, ...(credentials ? { credentials } : {}) });
      expectErrorEnvelope(res, 400, 'PROVIDER_NOT_AVAILABLE');
      expect(await tableCounts()).toMatchObject({ channels: 0, channel_credentials: 0 });
    });

    it('when a superadmin creates a channel for a company that does not exist, then 400 and nothing is stored', async () => {
      const superadmin = ctx.app.token({ sub: 1, company_id: tenant.companyId, role: 'superadmin' });
      const res = await post(metaBody({ company_id: 999999 }), superadmin);
      expectErrorEnvelope(res, 400, 'COMPANY_NOT_FOUND');
      expect(await tableCounts()).toMatchObject({ channels: 0, channel_credentials: 0 });
    });

    it('when a superadmin creates a channel for another existing company, then it belongs to that company', async () => {
      const other = await createTenant(ctx.app, 'Other');
      const superadmin = ctx.app.token({ sub: 1, company_id: tenant.companyId, role: 'superadmin' });
      const res = await post(metaBody({ company_id: other.companyId }), superadmin);
      expect(res.status).toBe(201);
      expect(res.body.data.company_id).toBe(other.companyId);
      expect(await sql('SELECT c.company_id, k.company_id AS cred_company FROM channels c JOIN channel_credentials k ON k.id = c.credentials_id')).toEqual([
        { company_id: other.companyId, cred_company: other.companyId },
      ]);
    });
  });

  describe('delete', () => {
    it('when a channel is soft-deleted, then it is 404 and hidden, stays in the database with deleted_at, and its number can be used again', async () => {
      const first = await createMetaChannel(ctx.app, ctx.graph, tenant);
      const del = await request(ctx.app.url).delete(`/api/channels/${first.id}`).set(bearer(tenant.adminToken));
      expect(del.status).toBe(200);
      expect(del.body).toMatchObject({ success: true, data: null });

      expectErrorEnvelope(await request(ctx.app.url).get(`/api/channels/${first.id}`).set(bearer(tenant.adminToken)), 404, 'CHANNEL_NOT_FOUND');
      expectErrorEnvelope(await request(ctx.app.url).delete(`/api/channels/${first.id}`).set(bearer(tenant.adminToken)), 404, 'CHANNEL_NOT_FOUND');
      expectErrorEnvelope(await request(ctx.app.url).put(`/api/channels/${first.id}/activate`).set(bearer(tenant.adminToken)), 404, 'CHANNEL_NOT_FOUND');
      const list = await request(ctx.app.url).get('/api/channels').set(bearer(tenant.adminToken));
      expect(list.body.data).toEqual({ items: [], pagination: { total: 0, page: 1, limit: 20, totalPages: 0 } });

      const [row] = await sql('SELECT deleted_at, is_active FROM channels WHERE id = $1', [first.id]);
      expect(row.deleted_at).toBeInstanceOf(Date);
      expect(row.is_active).toBe(false);

      const again = await post(metaBody({ name: 'Reborn' }));
      expect(again.status).toBe(201);
      expect(again.body.data.id).not.toBe(first.id);
      expect(again.body.data.provider_account).toBe(ctx.graph.phoneNumberId);
      const rows = await sql('SELECT id, deleted_at IS NOT NULL AS deleted FROM channels ORDER BY created_at');
      expect(rows).toEqual([
        { id: first.id, deleted: true },
        { id: again.body.data.id, deleted: false },
      ]);
    });

    it('when a channel is deleted, then a webhook for its number is no longer stored', async () => {
      const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
      expect((await request(ctx.app.url).delete(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken))).status).toBe(200);
      const res = await postMetaFixture(ctx.app, 'text-message.json');
      expect(res.status).toBeLessThan(500);
      expect(await sql('SELECT id FROM messages')).toHaveLength(0);
    });
  });

  describe('list', () => {
    let metaIds: string[];
    beforeEach(async () => {
      const c = await createForNumber('410000000000011', 'Charlie');
      const a = await createForNumber('410000000000012', 'alpha');
      const bravo = await createForNumber('410000000000013', 'Bravo');
      metaIds = [c.id, a.id, bravo.id];
      // Channels of providers this version cannot create through the API, stored directly to exercise the filters.
      await sql(`INSERT INTO channels (company_id, name, type, provider, is_active, provider_account) VALUES
        ($1, 'Delta SMS', 'SMS', 'TWILIO', true, '+15550000001'),
        ($1, 'Echo Webchat', 'WEBCHAT', 'CUSTOM', false, NULL)`, [tenant.companyId]);
      await request(ctx.app.url).put(`/api/channels/${bravo.id}/deactivate`).set(bearer(tenant.adminToken)).expect(200);
    });
    const list = (query: Record<string, unknown>) => request(ctx.app.url).get('/api/channels').set(bearer(tenant.adminToken)).query(query);
    const names = (res: request.Response) => res.body.data.items.map((c: any) => c.name);

    it('when filtered by type, provider or is_active, then only matching channels are listed with a matching total', async () => {
      const byType = await list({ type: 'SMS' });
      expect(byType.status).toBe(200);
      expect(names(byType)).toEqual(['Delta SMS']);
      expect(byType.body.data.pagination.total).toBe(1);

      const byProvider = await list({ provider: 'META', sortBy: 'name', sortDir: 'asc' });
      // The database collation decides how 'alpha' sorts against 'Bravo'; the API must follow it.
      const metaByName = (await sql<{ name: string }>(`SELECT name FROM channels WHERE provider = 'META' AND deleted_at IS NULL ORDER BY name ASC`)).map((r) => r.name);
      expect(metaByName.slice().sort()).toEqual(['Bravo', 'Charlie', 'alpha']);
      expect(names(byProvider)).toEqual(metaByName);
      expect(byProvider.body.data.items.map((c: any) => c.id).sort()).toEqual([...metaIds].sort());

      const inactive = await list({ is_active: false, sortBy: 'name', sortDir: 'asc' });
      expect(names(inactive).sort()).toEqual(['Bravo', 'Echo Webchat']);
      expect(inactive.body.data.items.every((c: any) => c.is_active === false)).toBe(true);

      const activeMeta = await list({ is_active: 'true', provider: 'META', type: 'WHATSAPP' });
      expect(names(activeMeta).sort()).toEqual(['Charlie', 'alpha']);
      expect(activeMeta.body.data.pagination.total).toBe(2);

      const none = await list({ type: 'EMAIL' });
      expect(none.body.data).toEqual({ items: [], pagination: { total: 0, page: 1, limit: 20, totalPages: 0 } });
    });

    it('when paged, then limit, page, total and totalPages describe the slice and pages do not overlap', async () => {
      const pages = [];
      for (const page of [1, 2, 3]) {
        const res = await list({ limit: 2, page, sortBy: 'name', sortDir: 'asc' });
        expect(res.status).toBe(200);
        expect(res.body.data.pagination).toEqual({ total: 5, page, limit: 2, totalPages: 3 });
        pages.push(...res.body.data.items.map((c: any) => c.id));
      }
      expect(pages).toHaveLength(5);
      expect(new Set(pages).size).toBe(5);
      const beyond = await list({ limit: 2, page: 4 });
      expect(beyond.body.data).toEqual({ items: [], pagination: { total: 5, page: 4, limit: 2, totalPages: 3 } });
    });

    it('when sorted by name asc or desc, then the order follows the names and desc is the reverse of asc', async () => {
      const asc = await list({ sortBy: 'name', sortDir: 'asc' });
      const desc = await list({ sortBy: 'name', sortDir: 'desc' });
      expect(asc.status).toBe(200);
      expect(desc.status).toBe(200);
      expect(names(asc)).toHaveLength(5);
      expect(names(desc)).toEqual([...names(asc)].reverse());
      // Database collation decides case handling; what matters is that asc is non-decreasing by name as stored.
      const stored = (await sql<{ name: string }>('SELECT name FROM channels WHERE deleted_at IS NULL ORDER BY name ASC')).map((r) => r.name);
      expect(names(asc)).toEqual(stored);
    });

    it('when sorted by created_at by default, then the newest channel comes first', async () => {
      const res = await list({});
      const stored = (await sql<{ id: string }>('SELECT id FROM channels ORDER BY created_at DESC, id ASC')).map((r) => r.id);
      expect(res.body.data.items.map((c: any) => c.id)).toEqual(stored);
    });

    it.each([
      [{ limit: 101 }, 'limit'],
      [{ limit: 0 }, 'limit'],
      [{ page: 0 }, 'page'],
      [{ sortBy: 'provider_account' }, 'sortBy'],
      [{ sortDir: 'up' }, 'sortDir'],
      [{ type: 'FAX' }, 'type'],
      [{ is_active: 'maybe' }, 'is_active'],
      [{ unknown: 1 }, 'unknown'],
    ])('when the query is %j, then 400 naming %s', async (query, field) => {
      const res = await list(query);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
    });

    it('when limit is 100, then it is accepted', async () => {
      const res = await list({ limit: 100 });
      expect(res.status).toBe(200);
      expect(res.body.data.pagination).toEqual({ total: 5, page: 1, limit: 100, totalPages: 1 });
    });
  });

  describe('update, activate, deactivate, QR', () => {
    let channel: { id: string };
    beforeEach(async () => {
      channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    });
    const put = (path: string, body?: object) => request(ctx.app.url).put(`/api/channels/${channel.id}${path}`).set(bearer(tenant.adminToken)).send(body);

    it('when name and config are changed, then 200 with the new values, stored', async () => {
      const res = await put('', { name: 'Renamed', config: { greeting: 'Hola', business_hours: { from: 9, to: 18 } } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, data: { id: channel.id, name: 'Renamed', config: { greeting: 'Hola', business_hours: { from: 9, to: 18 } } } });
      const [row] = await sql('SELECT name, config FROM channels WHERE id = $1', [channel.id]);
      expect(row).toMatchObject({ name: 'Renamed', config: expect.objectContaining({ greeting: 'Hola' }) });
    });

    it('when the default agent is set to an agent of the company, then it is stored; null clears it', async () => {
      const set = await put('', { default_agent_id: tenant.agentId });
      expect(set.status).toBe(200);
      expect(set.body.data.default_agent_id).toBe(tenant.agentId);
      const cleared = await put('', { default_agent_id: null });
      expect(cleared.status).toBe(200);
      expect(await sql('SELECT default_agent_id FROM channels WHERE id = $1', [channel.id])).toEqual([{ default_agent_id: null }]);
    });

    it.each([
      [{ type: 'SMS' }, 'type'],
      [{ provider: 'TWILIO' }, 'provider'],
      [{ provider_account: '123' }, 'provider_account'],
      [{ name: 'x', company_id: 2 }, 'company_id'],
      [{ name: '' }, 'name'],
    ])('when the body is %j, then 400 naming %s and nothing changes', async (body, field) => {
      const before = await sql('SELECT * FROM channels WHERE id = $1', [channel.id]);
      const res = await put('', body);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
      expect(await sql('SELECT * FROM channels WHERE id = $1', [channel.id])).toEqual(before);
    });

    it('when the body is empty, then 400', async () => {
      expectErrorEnvelope(await put('', {}), 400, 'VALIDATION_ERROR');
    });

    it('when new credentials belong to another phone number, then 400 and the stored credentials are unchanged', async () => {
      const [before] = await sql('SELECT ciphertext FROM channel_credentials');
      const original = ctx.graph.phoneNumberId;
      ctx.graph.phoneNumberId = '410000000000099';
      try {
        const res = await put('', { credentials: { accessToken: ctx.graph.validToken, phoneNumberId: '410000000000099', appSecret: APP_SECRET } });
        expectErrorEnvelope(res, 400);
      } finally {
        ctx.graph.phoneNumberId = original;
      }
      expect(await sql('SELECT ciphertext FROM channel_credentials')).toEqual([before]);
    });

    it('when deactivated and activated, then is_active toggles in the response, the database and the runtime status', async () => {
      const off = await put('/deactivate');
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ success: true, data: { id: channel.id, is_active: false } });
      expect(await sql('SELECT is_active FROM channels WHERE id = $1', [channel.id])).toEqual([{ is_active: false }]);
      const readOff = await request(ctx.app.url).get(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken));
      expect(readOff.body.data).toMatchObject({ is_active: false, runtime_status: 'stopped' });

      const offAgain = await put('/deactivate');
      expect(offAgain.status).toBe(200);
      expect(offAgain.body.data.is_active).toBe(false);

      const on = await put('/activate');
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ success: true, data: { id: channel.id, is_active: true } });
      expect(await sql('SELECT is_active FROM channels WHERE id = $1', [channel.id])).toEqual([{ is_active: true }]);
      const readOn = await request(ctx.app.url).get(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken));
      expect(readOn.body.data).toMatchObject({ is_active: true, runtime_status: 'ready' });
    });

    it('when the QR login of a META channel is requested, then 400 CAPABILITY_NOT_SUPPORTED', async () => {
      const qr = await request(ctx.app.url).get(`/api/channels/${channel.id}/qr`).set(bearer(tenant.adminToken));
      expectErrorEnvelope(qr, 400, 'CAPABILITY_NOT_SUPPORTED');
      const auth = await request(ctx.app.url).post(`/api/channels/${channel.id}/auth`).set(bearer(tenant.adminToken)).send({ sessionId: 'abc' });
      expectErrorEnvelope(auth, 400, 'CAPABILITY_NOT_SUPPORTED');
    });

    it('when the QR login of an unknown channel is requested, then 404', async () => {
      const res = await request(ctx.app.url).get('/api/channels/6d1f6a0e-0000-4000-8000-000000000000/qr').set(bearer(tenant.adminToken));
      expectErrorEnvelope(res, 404, 'CHANNEL_NOT_FOUND');
    });

    it('when an unknown id is read, changed, activated or deleted, then 404', async () => {
      const id = '6d1f6a0e-0000-4000-8000-000000000000';
      for (const res of await Promise.all([
        request(ctx.app.url).get(`/api/channels/${id}`).set(bearer(tenant.adminToken)),
        request(ctx.app.url).put(`/api/channels/${id}`).set(bearer(tenant.adminToken)).send({ name: 'x' }),
        request(ctx.app.url).put(`/api/channels/${id}/activate`).set(bearer(tenant.adminToken)),
        request(ctx.app.url).delete(`/api/channels/${id}`).set(bearer(tenant.adminToken)),
      ])) {
        expectErrorEnvelope(res, 404, 'CHANNEL_NOT_FOUND');
      }
    });
  });

  describe('logs', () => {
    it('when channels are created, fail, send and receive webhooks with logging on, then no log line holds a token or secret', async () => {
      const verbose = await startTestApp({ META_GRAPH_BASE_URL: ctx.graph.url, LOG_LEVEL: 'trace' });
      const logs = captureLogs(verbose);
      try {
        const call = (method: 'get' | 'post' | 'put', path: string, body?: object) =>
          request(verbose.url)[method](path).set(bearer(tenant.adminToken)).send(body);
        const rejected = await call('post', '/api/channels', metaBody({ credentials: { accessToken: 'EAAG-wrong-token-xyz', phoneNumberId: ctx.graph.phoneNumberId, appSecret: APP_SECRET } }));
        expect(rejected.status).toBe(400);
        ctx.graph.lookupStatus = 503;
        expect((await call('post', '/api/channels', metaBody())).status).toBe(502);
        ctx.graph.lookupStatus = undefined;
        const created = await call('post', '/api/channels', metaBody());
        expect(created.status).toBe(201);
        const channelId = created.body.data.id;
        expect((await call('put', `/api/channels/${channelId}`, { credentials: { accessToken: ctx.graph.validToken, phoneNumberId: ctx.graph.phoneNumberId, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
        expect((await postMetaFixture(verbose, 'text-message.json')).status).toBe(200);
        ctx.graph.sendErrors.push({ status: 400, code: 131047, message: 'Re-engagement message' });
        expect((await call('post', '/api/channels/messages', { channel_id: channelId, to: '15557770123', message: 'uno' })).status).toBe(201);
        expect((await call('post', '/api/channels/messages', { channel_id: channelId, to: '15557770123', message: 'dos' })).status).toBe(201);
        expect((await request(verbose.url).get(`/webhooks/meta/${channelId}`).query({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '42' })).status).toBe(200);
      } finally {
        await verbose.stop();
        logs.restore();
      }
      expect(logs.lines.length).toBeGreaterThan(5);
      const text = logs.lines.join('');
      for (const secret of [ctx.graph.validToken, 'EAAG-wrong-token-xyz', APP_SECRET, VERIFY_TOKEN, tenant.adminToken]) {
        expect(text).not.toContain(secret);
      }
    });
  });
});
