import { waitForSettled } from '../support/outbound';
import fs from 'node:fs';
import path from 'node:path';
import type { Router } from 'express';
import request from 'supertest';
import { channelRoutes, qrImageRoutes } from '../../src/modules/channels/infrastructure/routes/channel.routes';
import { companyRoutes } from '../../src/modules/channels/infrastructure/routes/company.routes';
import { conversationRoutes } from '../../src/modules/channels/infrastructure/routes/conversation.routes';
import { healthRoutes } from '../../src/modules/channels/infrastructure/routes/health.routes';
import { metricsRoutes } from '../../src/shared/metrics/metrics.routes';
import { mediaRoutes } from '../../src/modules/channels/infrastructure/routes/media.routes';
import { messageRoutes } from '../../src/modules/channels/infrastructure/routes/message.routes';
import { webhookRoutes } from '../../src/modules/channels/infrastructure/routes/webhook.routes';
import { webhookSubscriptionRoutes } from '../../src/modules/channels/infrastructure/routes/webhook-subscription.routes';
import { postCustom } from '../support/custom-webhooks';
import { CUSTOM_SECRET } from '../support/fake-custom-endpoint';
import { EVENT_WEBHOOK_TEST_ENV, eventually, FakeEventReceiver, RECEIVER_SECRET } from '../support/fake-event-receiver';
import { FakeGraphApi } from '../support/fake-graph-api';
import { FakeWhatsappClients } from '../support/fake-whatsapp-client';
import { fixture } from '../support/fixtures';
import { OpenApiValidator } from '../support/openapi-validator';
import { APP_SECRET, createTenant, postMetaFixture, postMetaWebhook, type Tenant } from '../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../support/test-app';
import { FakeTwilioApi } from '../support/fake-twilio-api';
import { createTwilioChannel, postTwilioForm, PUBLIC_BASE_URL, twilioFixture } from '../support/twilio-scenario';

const UNKNOWN_ID = '6d1f6a0e-0000-4000-8000-000000000000';
const SERVICE_VERIFY_TOKEN = 'service-verify-token';

/**
 * Every route the app serves, read from the routers themselves. The mount prefixes mirror
 * src/app.ts; the first test checks that app.ts still mounts exactly these, so a new router or a
 * new route in a router file cannot go undocumented.
 */
const stub: any = new Proxy({}, { get: () => () => undefined });
const MOUNTS: { prefix: string; factory: string; router: () => Router }[] = [
  { prefix: '', factory: 'healthRoutes', router: () => healthRoutes(stub) },
  { prefix: '', factory: 'metricsRoutes', router: () => metricsRoutes(stub) },
  { prefix: '/webhooks', factory: 'webhookRoutes', router: () => webhookRoutes(stub, stub, stub) },
  { prefix: '/api/channels', factory: 'qrImageRoutes', router: () => qrImageRoutes(stub) },
  { prefix: '/api/companies', factory: 'companyRoutes', router: () => companyRoutes(stub) },
  { prefix: '/api/channels/conversations', factory: 'conversationRoutes', router: () => conversationRoutes(stub) },
  { prefix: '/api/channels/messages', factory: 'messageRoutes', router: () => messageRoutes(stub) },
  { prefix: '/api/channels/media', factory: 'mediaRoutes', router: () => mediaRoutes(stub) },
  { prefix: '/api/channels', factory: 'channelRoutes', router: () => channelRoutes(stub) },
  { prefix: '/api/webhooks', factory: 'webhookSubscriptionRoutes', router: () => webhookSubscriptionRoutes(stub) },
];
/** Routes app.ts registers itself (outside the routers). */
const APP_ROUTES = ['GET /openapi.json', 'GET /docs'];

function routesOf(prefix: string, router: Router): string[] {
  const out: string[] = [];
  for (const layer of (router as any).stack) {
    if (!layer.route) continue;
    const full = (prefix + (layer.route.path === '/' ? '' : layer.route.path)).replace(/:(\w+)/g, '{$1}') || '/';
    for (const method of Object.keys(layer.route.methods)) out.push(`${method.toUpperCase()} ${full}`);
  }
  return out;
}

/** A concrete URL for a path template (sample values for its parameters). */
function sampleUrl(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'sessionId' ? 'session-1' : name === 'id' && template.startsWith('/api/companies') ? '999999' : UNKNOWN_ID));
}

describe('OpenAPI conformance (openapi.yaml vs the running app)', () => {
  const spec = new OpenApiValidator();
  let app: TestApp;
  let graph: FakeGraphApi;
  let whatsapp: FakeWhatsappClients;
  let tenant: Tenant;
  let superToken: string;

  const api = () => request(app.url);
  const auth = (token?: string) => ({ Authorization: `Bearer ${token ?? tenant.adminToken}` });
  const channelBody = () => ({
    name: 'WhatsApp Support',
    type: 'WHATSAPP',
    provider: 'META',
    credentials: { accessToken: graph.validToken, phoneNumberId: graph.phoneNumberId, appSecret: APP_SECRET, verifyToken: 'fixture-verify-token' },
  });
  async function createChannel(): Promise<{ id: string }> {
    const res = spec.assert(await api().post('/api/channels').set(auth()).send(channelBody()));
    expect(res.status).toBe(201);
    return res.body.data;
  }

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    whatsapp = new FakeWhatsappClients();
    whatsapp.setup = (c) => {
      c.onInitialize = (client) => client.emit('qr', '2@conformance-qr');
    };
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, META_VERIFY_TOKEN: SERVICE_VERIFY_TOKEN, ...EVENT_WEBHOOK_TEST_ENV }, { whatsappClientFactory: whatsapp.create });
  });
  afterAll(async () => {
    await app?.stop();
    await graph?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    graph.sendErrors = [];
    graph.lookupStatus = undefined;
    tenant = await createTenant(app);
    superToken = app.token({ sub: 'root', company_id: tenant.companyId, role: 'superadmin' });
  });

  describe('the document', () => {
    it('is valid OpenAPI 3.1 in shape: every $ref resolves and every operation has responses and an operationId', () => {
      expect(spec.doc.openapi).toBe('3.1.0');
      const refs: string[] = [];
      (function walk(node: any) {
        if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) (k === '$ref' ? refs.push(v as string) : walk(v));
      })(spec.doc);
      for (const ref of refs) expect(() => spec.resolve({ $ref: ref })).not.toThrow();
      const ids = spec.operations().map((o) => o.operation.operationId);
      expect(ids.every(Boolean)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      for (const { operation } of spec.operations()) expect(Object.keys(operation.responses ?? {}).length).toBeGreaterThan(0);
    });

    it('is what the app serves at /openapi.json', async () => {
      const res = spec.assert(await api().get('/openapi.json'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(spec.doc);
    });

    it('rejects leaked or mistyped fields (the validator is strict)', () => {
      const channel = {
        id: UNKNOWN_ID, name: 'x', type: 'WHATSAPP', provider: 'META', config: {}, is_active: true, credentials_id: null,
        provider_account: '1', default_agent_id: null, company_id: 1, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), deleted_at: null,
      };
      expect(spec.validateSchema('Channel', channel)).toEqual([]);
      expect(spec.validateSchema('Channel', { ...channel, credentials: { accessToken: 'secret' } }).join()).toMatch(/additional properties 'credentials'/);
      expect(spec.validateSchema('Channel', { ...channel, is_active: 'yes' })).not.toEqual([]);
      expect(spec.validateSchema('Channel', { ...channel, created_at: 'yesterday' })).not.toEqual([]);
      const { name: _omit, ...missing } = channel;
      expect(spec.validateSchema('Channel', missing)).not.toEqual([]);
      expect(spec.validateSchema('ErrorResponse', { success: false, message: 'x', data: null, statusCode: 500, code: 'X', requestId: 'r', stack: 'at ...' })).not.toEqual([]);
    });
  });

  describe('routes', () => {
    it('src/app.ts mounts exactly the routers this test knows', () => {
      const source = fs.readFileSync(path.resolve(__dirname, '..', '..', 'src', 'app.ts'), 'utf8');
      const mounted = [...source.matchAll(/\b(app|api)\.use\(\s*(?:'([^']*)'\s*,\s*)?(\w+Routes)\(/g)].map(
        ([, on, prefix, factory]) => `${(on === 'api' ? '/api' : '') + (prefix ?? '')} ${factory}`,
      );
      expect(mounted.sort()).toEqual(MOUNTS.map((m) => `${m.prefix} ${m.factory}`).sort());
      const appRoutes = [...source.matchAll(/\bapp\.(get|post|put|patch|delete)\(\s*'([^']+)'/g)].map(([, m, p]) => `${m.toUpperCase()} ${p}`);
      expect(appRoutes).toEqual(APP_ROUTES.filter((r) => r !== 'GET /docs'));
      expect(source).toMatch(/app\.use\('\/docs'/);
    });

    it('every route registered in the routers is in the spec, and every operation in the spec is a route', () => {
      const served = [...MOUNTS.flatMap((m) => routesOf(m.prefix, m.router())), ...APP_ROUTES].sort();
      const documented = spec.operations().map((o) => `${o.method} ${o.path}`).sort();
      expect(documented).toEqual([...new Set(served)].sort());
    });

    it('every documented operation is reached (no ROUTE_NOT_FOUND) and its error answers conform', async () => {
      for (const { method, path: template } of spec.operations()) {
        if (template === '/docs') continue;
        const url = sampleUrl(template);
        const req = api()[method.toLowerCase() as 'get'](url).set(auth());
        const res = await (['POST', 'PUT', 'PATCH'].includes(method) ? req.send({}) : req);
        expect({ op: `${method} ${template}`, code: res.body?.code }).not.toEqual({ op: `${method} ${template}`, code: 'ROUTE_NOT_FOUND' });
        spec.assert(res, method, template);
      }
    });

    it('every /api operation with bearerAuth answers 401 without a token, and the 401 conforms', async () => {
      for (const { method, path: template, operation } of spec.operations()) {
        const security = operation.security ?? spec.doc.security;
        const needsToken = security.some((s: Record<string, unknown>) => 'bearerAuth' in s);
        expect({ op: `${method} ${template}`, needsToken }).toEqual({ op: `${method} ${template}`, needsToken: template.startsWith('/api/') && !template.includes('qr-image') });
        if (!needsToken) continue;
        const res = await api()[method.toLowerCase() as 'get'](sampleUrl(template));
        expect({ op: `${method} ${template}`, status: res.status }).toEqual({ op: `${method} ${template}`, status: 401 });
        spec.assert(res, method, template);
      }
    });
  });

  describe('health and docs', () => {
    it('GET /health, GET /ready', async () => {
      expect(spec.assert(await api().get('/health')).status).toBe(200);
      expect(spec.assert(await api().get('/ready')).status).toBe(200);
    });

    it('GET /docs', async () => {
      const res = spec.assert(await api().get('/docs'), 'GET', '/docs');
      expect([200, 301]).toContain(res.status);
    });
  });

  describe('companies', () => {
    it('POST /api/companies and POST /api/companies/{id}/agents (201, 400, 403, 404, 409)', async () => {
      const company = spec.assert(await api().post('/api/companies').set(auth(superToken)).send({ name: 'Globex' }));
      expect(company.status).toBe(201);
      const agentBody = { name: 'Ana', email: 'Ana@Globex.test', role: 'supervisor', permissions: ['channels:create'] };
      const agent = spec.assert(await api().post(`/api/companies/${company.body.data.id}/agents`).set(auth(superToken)).send(agentBody));
      expect(agent.status).toBe(201);
      expect(agent.body.data.email).toBe('ana@globex.test');
      expect(spec.assert(await api().post(`/api/companies/${company.body.data.id}/agents`).set(auth(superToken)).send(agentBody)).status).toBe(409);
      expect(spec.assert(await api().post('/api/companies/999999/agents').set(auth(superToken)).send(agentBody)).status).toBe(404);
      expect(spec.assert(await api().post('/api/companies').set(auth(superToken)).send({ name: '' })).status).toBe(400);
      expect(spec.assert(await api().post('/api/companies').set(auth()).send({ name: 'Nope' })).status).toBe(403);
    });
  });

  describe('channels', () => {
    it('POST, GET list, GET one, PUT, activate, deactivate, DELETE', async () => {
      const channel = await createChannel();
      expect(channel).not.toHaveProperty('credentials');

      const list = spec.assert(await api().get('/api/channels').query({ type: 'WHATSAPP', provider: 'META', is_active: true, page: 1, limit: 100, sortBy: 'name', sortDir: 'asc' }).set(auth()));
      expect(list.status).toBe(200);
      expect(list.body.data.items).toHaveLength(1);
      expect(list.body.data.pagination).toEqual({ total: 1, page: 1, limit: 100, totalPages: 1 });

      const one = spec.assert(await api().get(`/api/channels/${channel.id}`).set(auth(tenant.agentToken)));
      expect(one.status).toBe(200);
      expect(one.body.data.runtime_status).toBe('ready');
      const kpis = spec.assert(await api().get(`/api/channels/${channel.id}/metrics`).set(auth(tenant.agentToken)));
      expect(kpis.status).toBe(200);
      expect(kpis.body.data.availability).toMatchObject({ is_active: true, runtime_status: 'ready' });

      const updated = spec.assert(await api().put(`/api/channels/${channel.id}`).set(auth()).send({ name: 'Renamed', config: { greeting: 'hi' }, default_agent_id: tenant.agentId }));
      expect(updated.status).toBe(200);
      expect(updated.body.data).toMatchObject({ name: 'Renamed', default_agent_id: tenant.agentId });

      const withCreds = spec.assert(await api().put(`/api/channels/${channel.id}`).set(auth()).send({ credentials: channelBody().credentials }));
      expect(withCreds.status).toBe(200);
      expect(JSON.stringify(withCreds.body)).not.toContain(APP_SECRET);

      const off = spec.assert(await api().put(`/api/channels/${channel.id}/deactivate`).set(auth()));
      expect(off.status).toBe(200);
      expect(off.body.data.is_active).toBe(false);
      const on = spec.assert(await api().put(`/api/channels/${channel.id}/activate`).set(auth()));
      expect(on.status).toBe(200);
      expect(on.body.data.is_active).toBe(true);

      const deleted = spec.assert(await api().delete(`/api/channels/${channel.id}`).set(auth()));
      expect(deleted.status).toBe(200);
      expect(deleted.body.data).toBeNull();
      expect(spec.assert(await api().get(`/api/channels/${channel.id}`).set(auth())).status).toBe(404);
    });

    it('QR login: create a WhatsApp Web channel, get the QR and its SVG, complete the login; and the documented errors', async () => {
      const created = spec.assert(await api().post('/api/channels').set(auth()).send({ name: 'WhatsApp Web', type: 'WHATSAPP', provider: 'CUSTOM' }));
      expect(created.status).toBe(201);
      expect(created.body.data.authSession.status).toBe('pending');
      const id: string = created.body.data.id;
      const { sessionId } = created.body.data.authSession;

      const early = spec.assert(await api().post(`/api/channels/${id}/auth`).set(auth()).send({ sessionId }));
      expect(early.status).toBe(409);
      const qr = spec.assert(await api().get(`/api/channels/${id}/qr`).set(auth()));
      expect(qr.status).toBe(200);
      expect(qr.body.data).toMatchObject({ status: 'pending', qrCode: '2@conformance-qr', sessionId });
      const image = spec.assert(await api().get(qr.body.data.qrCodeUrl));
      expect(image.status).toBe(200);
      expect(image.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(image.body.toString('utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
      expect(spec.assert(await api().get(`/api/channels/${id}/qr-image/${sessionId}?exp=1&sig=x`)).status).toBe(403);
      expect(spec.assert(await api().get('/api/channels/not-a-uuid/qr-image/s1')).status).toBe(400);
      expect(spec.assert(await api().post(`/api/channels/${id}/auth`).set(auth()).send({ sessionId: 'wrong' })).status).toBe(400);

      whatsapp.latest(id).login('15550003333');
      const done = spec.assert(await api().post(`/api/channels/${id}/auth`).set(auth()).send({ sessionId, metadata: { via: 'test' } }));
      expect(done.status).toBe(200);
      expect(done.body.data).toMatchObject({ is_active: true, provider_account: '15550003333' });
      expect(spec.assert(await api().get(qr.body.data.qrCodeUrl)).status).toBe(404);

      const photo = { id: { _serialized: 'false_15557770123@c.us_CONF' }, from: '15557770123@c.us', body: '', type: 'image', timestamp: 1764000000, hasMedia: true, _data: { mimetype: 'image/png' }, downloadMedia: async () => ({ mimetype: 'image/png', data: Buffer.from('PNG').toString('base64') }) };
      whatsapp.latest(id).emit('message', photo);
      let url: string | undefined;
      for (let i = 0; i < 100 && !url; i++) {
        await new Promise((r) => setTimeout(r, 20));
        url = (await sql<{ url: string }>('SELECT url FROM attachments WHERE url IS NOT NULL'))[0]?.url;
      }
      const file = spec.assert(await api().get(url!).set(auth(tenant.agentToken)), 'GET', '/api/channels/media/{channelId}/{file}');
      expect(file.status).toBe(200);
      expect(file.headers['content-type']).toBe('image/png');
      expect(spec.assert(await api().get(url!.replace(/\/[a-f0-9]{64}\./, `/${'0'.repeat(64)}.`)).set(auth()), 'GET', '/api/channels/media/{channelId}/{file}').status).toBe(404);

      const meta = await createChannel();
      const notQr = spec.assert(await api().get(`/api/channels/${meta.id}/qr`).set(auth()));
      expect(notQr.status).toBe(400);
      expect(notQr.body.code).toBe('CAPABILITY_NOT_SUPPORTED');
      expect(spec.assert(await api().get(`/api/channels/${UNKNOWN_ID}/qr`).set(auth())).status).toBe(404);
    });

    it('create errors: 400 with errors[], 400 provider rejected, 403, 409 duplicate account, 502 provider down', async () => {
      const invalid = spec.assert(await api().post('/api/channels').set(auth()).send({ type: 'FAX', extra: 1 }));
      expect(invalid.status).toBe(400);
      expect(invalid.body.code).toBe('VALIDATION_ERROR');
      expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['name', 'type', 'provider', 'extra']));

      const rejected = spec.assert(await api().post('/api/channels').set(auth()).send({ ...channelBody(), credentials: { ...channelBody().credentials, accessToken: 'EAAG-wrong-token' } }));
      expect(rejected.status).toBe(400);
      expect(rejected.body.code).toBe('PROVIDER_REJECTED');

      const notAvailable = spec.assert(await api().post('/api/channels').set(auth()).send({ name: 'Mail', type: 'EMAIL', provider: 'TWILIO', credentials: { accountSid: 'AC00000000000000000000000000000000', authToken: 'twilio-token-123456' } }));
      expect(notAvailable.status).toBe(400);
      expect(notAvailable.body.code).toBe('PROVIDER_NOT_AVAILABLE');

      expect(spec.assert(await api().post('/api/channels').set(auth(tenant.agentToken)).send(channelBody())).status).toBe(403);
      expect(spec.assert(await api().post('/api/channels').set(auth()).send({ ...channelBody(), company_id: tenant.companyId + 1 })).status).toBe(403);

      await createChannel();
      const duplicate = spec.assert(await api().post('/api/channels').set(auth()).send(channelBody()));
      expect(duplicate.status).toBe(409);

      graph.lookupStatus = 503;
      const down = spec.assert(await api().post('/api/channels').set(auth()).send({ ...channelBody(), name: 'Other' }));
      expect(down.status).toBe(502);
      expect(down.body.code).toBe('PROVIDER_UNAVAILABLE');
    });
  });

  describe('conversations and messages', () => {
    let channel: { id: string };
    let conversationId: string;

    beforeEach(async () => {
      channel = await createChannel();
      const hook = spec.assert(await postMetaFixture(app, 'text-message.json'));
      expect(hook.status).toBe(200);
      expect(hook.body.data).toEqual({ stored: 1, duplicates: 0, statusesApplied: 0, statusesIgnored: 0 });
      const [row] = await sql<{ id: string }>('SELECT id FROM conversations');
      conversationId = row.id;
    });

    it('conversations: list, get, create, update, assign, unassign (and 409 on a second open one)', async () => {
      const list = spec.assert(
        await api().get('/api/channels/conversations').query({ channel_id: channel.id, status: 'open', external_id: '15557770123', sortBy: 'last_message_at', sortDir: 'desc' }).set(auth(tenant.agentToken)),
      );
      expect(list.status).toBe(200);
      expect(list.body.data.items).toHaveLength(1);

      const one = spec.assert(await api().get(`/api/channels/conversations/${conversationId}`).set(auth(tenant.agentToken)));
      expect(one.status).toBe(200);
      expect(one.body.data.participant_meta).toEqual({ name: 'Maria Example' });

      const created = spec.assert(
        await api().post('/api/channels/conversations').set(auth()).send({ channel_id: channel.id, external_id: '15550000001', participant_type: 'lead', participant_id: 'crm-1', participant_meta: { vip: true } }),
      );
      expect(created.status).toBe(201);
      const again = spec.assert(await api().post('/api/channels/conversations').set(auth()).send({ channel_id: channel.id, external_id: '15550000001' }));
      expect(again.status).toBe(409);

      const updated = spec.assert(await api().put(`/api/channels/conversations/${conversationId}`).set(auth()).send({ status: 'pending', participant_type: 'client' }));
      expect(updated.status).toBe(200);
      expect(updated.body.data.status).toBe('pending');

      const assigned = spec.assert(await api().put(`/api/channels/conversations/${conversationId}/assign-agent`).set(auth()).send({ agent_id: tenant.agentId }));
      expect(assigned.status).toBe(200);
      expect(assigned.body.data.assigned_agent_id).toBe(tenant.agentId);
      const badAgent = spec.assert(await api().put(`/api/channels/conversations/${conversationId}/assign-agent`).set(auth()).send({ agent_id: 999999 }));
      expect(badAgent.status).toBe(400);
      expect(badAgent.body.errors).toEqual([expect.objectContaining({ field: 'agent_id' })]);

      const unassigned = spec.assert(await api().put(`/api/channels/conversations/${conversationId}/unassign-agent`).set(auth()));
      expect(unassigned.status).toBe(200);
      expect(unassigned.body.data.assigned_agent_id).toBeNull();
    });

    it('messages: list of a conversation (text and image with attachments), send, get, update status', async () => {
      expect(spec.assert(await postMetaFixture(app, 'image-message.json')).status).toBe(200);
      const duplicate = spec.assert(await postMetaFixture(app, 'text-message.json'));
      expect(duplicate.body.data.duplicates).toBe(1);

      const messages = spec.assert(await api().get(`/api/channels/conversations/${conversationId}/messages`).query({ sortBy: 'timestamp', sortDir: 'asc', limit: 10 }).set(auth(tenant.agentToken)));
      expect(messages.status).toBe(200);
      expect(messages.body.data.items.length).toBeGreaterThanOrEqual(1);
      const all = (await sql<{ conversation_id: string }>('SELECT DISTINCT conversation_id FROM messages')).map((r) => r.conversation_id);
      for (const id of all) {
        spec.assert(await api().get(`/api/channels/conversations/${id}/messages`).set(auth()));
      }
      const [image] = await sql<{ id: string }>(`SELECT id FROM messages WHERE content_type = 'image'`);
      const imageRes = spec.assert(await api().get(`/api/channels/messages/${image.id}`).set(auth()));
      expect(imageRes.body.data.attachments).toHaveLength(1);

      const sent = spec.assert(await api().post('/api/channels/messages').set(auth(tenant.agentToken)).send({ conversation_id: conversationId, message: 'Hola Maria', metadata: { ticket: 7 } }));
      expect(sent.status).toBe(201);
      expect(sent.body.data).toMatchObject({ status: 'PENDING', direction: 'outgoing', content_type: 'text' });
      expect((await waitForSettled(sent.body.data.id)).status).toBe('SENT');

      const toRecipient = spec.assert(await api().post('/api/channels/messages').set(auth()).send({ channel_id: channel.id, to: '+1 555 000 0002', message: 'Hola' }));
      expect(toRecipient.status).toBe(201);
      await waitForSettled(toRecipient.body.data.id);

      graph.sendErrors.push({ status: 400, code: 131026, message: 'Message undeliverable' });
      const failed = spec.assert(await api().post('/api/channels/messages').set(auth()).send({ conversation_id: conversationId, message: 'fails' }));
      expect(failed.status).toBe(201);
      expect(failed.body.data).toMatchObject({ status: 'PENDING' });
      expect(await waitForSettled(failed.body.data.id)).toMatchObject({ status: 'FAILED', error_code: '131026' });

      const got = spec.assert(await api().get(`/api/channels/messages/${sent.body.data.id}`).set(auth(tenant.agentToken)));
      expect(got.status).toBe(200);

      const status = spec.assert(await postMetaFixture(app, 'status-delivered.json'));
      expect(status.status).toBe(200);

      const read = spec.assert(await api().put(`/api/channels/messages/${sent.body.data.id}/status`).set(auth()).send({ status: 'READ' }));
      expect(read.status).toBe(200);
      expect(read.body.data.status).toBe('READ');
      const backwards = spec.assert(await api().put(`/api/channels/messages/${sent.body.data.id}/status`).set(auth()).send({ status: 'PENDING' }));
      expect(backwards.status).toBe(409);
      expect(spec.assert(await api().put(`/api/channels/messages/${sent.body.data.id}/status`).set(auth(tenant.agentToken)).send({ status: 'READ' })).status).toBe(403);
    });

    it('send errors: 400 with errors[], 404, 409 closed conversation and inactive channel', async () => {
      const invalid = spec.assert(await api().post('/api/channels/messages').set(auth()).send({ channel_id: channel.id, message: '' }));
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors.length).toBeGreaterThan(0);
      const badRecipient = spec.assert(await api().post('/api/channels/messages').set(auth()).send({ channel_id: channel.id, to: 'abc', message: 'x' }));
      expect(badRecipient.status).toBe(400);
      expect(spec.assert(await api().post('/api/channels/messages').set(auth()).send({ conversation_id: UNKNOWN_ID, message: 'x' })).status).toBe(404);
      expect(spec.assert(await api().get(`/api/channels/messages/${UNKNOWN_ID}`).set(auth())).status).toBe(404);
      expect(spec.assert(await api().get(`/api/channels/conversations/${UNKNOWN_ID}`).set(auth())).status).toBe(404);
      expect(spec.assert(await api().get(`/api/channels/conversations/${UNKNOWN_ID}/messages`).set(auth())).status).toBe(404);

      spec.assert(await api().put(`/api/channels/conversations/${conversationId}`).set(auth()).send({ status: 'closed' }));
      expect(spec.assert(await api().post('/api/channels/messages').set(auth()).send({ conversation_id: conversationId, message: 'x' })).body.code).toBe('CONVERSATION_CLOSED');
      spec.assert(await api().put(`/api/channels/${channel.id}/deactivate`).set(auth()));
      const inactive = spec.assert(await api().post('/api/channels/messages').set(auth()).send({ channel_id: channel.id, to: '15550000003', message: 'x' }));
      expect(inactive.status).toBe(409);
      expect(inactive.body.code).toBe('CHANNEL_INACTIVE');
    });

    it("another company's resources are 404", async () => {
      const other = await createTenant(app, 'Other');
      expect(spec.assert(await api().get(`/api/channels/${channel.id}`).set(auth(other.adminToken))).status).toBe(404);
      expect(spec.assert(await api().get(`/api/channels/conversations/${conversationId}`).set(auth(other.adminToken))).status).toBe(404);
      const list = spec.assert(await api().get('/api/channels').set(auth(other.adminToken)));
      expect(list.body.data).toEqual({ items: [], pagination: { total: 0, page: 1, limit: 20, totalPages: 0 } });
    });
  });

  describe('webhooks', () => {
    it('GET verify echoes hub.challenge as text/plain; wrong token 403; unknown channel 404', async () => {
      const channel = await createChannel();
      const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'fixture-verify-token', 'hub.challenge': '1158201444' };
      const ok = spec.assert(await api().get(`/webhooks/meta/${channel.id}`).query(query));
      expect(ok.status).toBe(200);
      expect(ok.text).toBe('1158201444');
      expect(spec.assert(await api().get(`/webhooks/meta/${channel.id}`).query({ ...query, 'hub.verify_token': 'nope' })).status).toBe(403);
      expect(spec.assert(await api().get(`/webhooks/meta/${UNKNOWN_ID}`).query(query)).status).toBe(404);
      expect(spec.assert(await api().get('/webhooks/meta').query({ ...query, 'hub.verify_token': 'nope' })).status).toBe(403);
      const serviceWide = spec.assert(await api().get('/webhooks/meta').query({ ...query, 'hub.verify_token': SERVICE_VERIFY_TOKEN }));
      expect(serviceWide.status).toBe(200);
      expect(serviceWide.text).toBe('1158201444');
    });

    it('POST answers 200 with counts, 400 malformed, 401 bad signature or unknown number, 413 too large', async () => {
      const channel = await createChannel();
      const stored = spec.assert(await postMetaFixture(app, 'text-message.json', { path: `/webhooks/meta/${channel.id}` }));
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ success: true, message: 'EVENT_RECEIVED', data: { stored: 1 } });

      const unsigned = spec.assert(await postMetaWebhook(app, fixture('meta/text-message.json'), { signature: null }));
      expect(unsigned.status).toBe(401);
      expect(spec.assert(await postMetaWebhook(app, '{not json', { path: `/webhooks/meta/${channel.id}` })).status).toBe(400);
      expect(spec.assert(await postMetaWebhook(app, '{not json')).status).toBe(400);
      const unknownNumber = fixture('meta/text-message.json').toString().replace(/410000000000001/g, '499999999999999');
      expect(spec.assert(await postMetaWebhook(app, unknownNumber)).status).toBe(401);
      const tooLarge = spec.assert(await postMetaWebhook(app, JSON.stringify({ pad: 'x'.repeat(1_100_000) })));
      expect(tooLarge.status).toBe(413);
    });
  });

  describe('custom webhooks', () => {
    it('POST message and status answer 200 with counts, 400 bad body, 401 bad signature, 404 not a custom channel', async () => {
      const created = spec.assert(await api().post('/api/channels').set(auth()).send({ name: 'Chat', type: 'WEBCHAT', provider: 'CUSTOM', credentials: { secret: CUSTOM_SECRET }, config: { outboundUrl: 'http://127.0.0.1:9/hook' } }));
      expect(created.status).toBe(201);
      const id: string = created.body.data.id;
      const message = spec.assert(await postCustom(app, id, { id: 'm-1', from: 'visitor-1', text: 'hola' }));
      expect(message.body).toMatchObject({ success: true, message: 'EVENT_RECEIVED', data: { stored: 1 } });
      const status = spec.assert(await postCustom(app, id, { id: 'unknown', status: 'read' }, { status: true }));
      expect(status.body.data).toMatchObject({ statusesIgnored: 1 });
      for (const opts of [{}, { status: true }]) {
        expect(spec.assert(await postCustom(app, id, { nope: 1 }, opts)).status).toBe(400);
        expect(spec.assert(await postCustom(app, id, '{not json', opts)).status).toBe(400);
        expect(spec.assert(await postCustom(app, id, { id: 'm-2', from: 'v', text: 'x', status: 'read' }, { ...opts, signature: null })).status).toBe(401);
        expect(spec.assert(await postCustom(app, UNKNOWN_ID, {}, opts)).status).toBe(404);
      }
    });
  });

  describe('twilio webhooks', () => {
    let twilioApp: TestApp;
    let fake: FakeTwilioApi;
    beforeAll(async () => {
      fake = await new FakeTwilioApi().start();
      twilioApp = await startTestApp({ TWILIO_API_BASE_URL: fake.url, PUBLIC_BASE_URL });
    });
    afterAll(async () => {
      await twilioApp?.stop();
      await fake?.stop();
    });

    it('POST message, status, voice, voice status and recording answer TwiML; 400, 403, 404, 409 as documented', async () => {
      const sms = await createTwilioChannel(twilioApp, fake, tenant);
      const call = await createTwilioChannel(twilioApp, fake, tenant, { type: 'CALL', provider_account: '+15557770003' });
      const post = (path: string, body: string | Record<string, string>, opts = {}) => postTwilioForm(twilioApp, path, body, opts).then((r) => spec.assert(r));
      const callForm = { CallSid: 'CA66666666666666666666666666666666', From: '+15557770456', To: '+15557770003', CallStatus: 'ringing' };

      expect((await post(`/webhooks/twilio/${sms.id}`, twilioFixture('inbound-sms.form'))).status).toBe(200);
      expect((await post(`/webhooks/twilio/${sms.id}`, 'From=%2B1', {})).status).toBe(400);
      expect((await post(`/webhooks/twilio/${sms.id}`, twilioFixture('inbound-sms.form'), { signature: null })).status).toBe(403);
      expect((await post(`/webhooks/twilio/${UNKNOWN_ID}`, twilioFixture('inbound-sms.form'))).status).toBe(404);
      expect((await post(`/webhooks/twilio/${sms.id}/status`, twilioFixture('status-delivered.form'))).status).toBe(200);
      expect((await post(`/webhooks/twilio/${sms.id}/status`, 'MessageStatus=sent')).status).toBe(400);
      expect((await post(`/webhooks/twilio/${sms.id}/status`, twilioFixture('status-delivered.form'), { authToken: 'forged-token-00000000' })).status).toBe(403);
      expect((await post(`/webhooks/twilio/${call.id}/status`, twilioFixture('status-delivered.form'))).status).toBe(404);

      expect((await post(`/webhooks/twilio/${call.id}/voice`, callForm)).status).toBe(200);
      expect((await post(`/webhooks/twilio/${call.id}/voice`, { From: '+15557770456' })).status).toBe(400);
      expect((await post(`/webhooks/twilio/${call.id}/voice`, callForm, { signature: null })).status).toBe(403);
      expect((await post(`/webhooks/twilio/${sms.id}/voice`, callForm)).status).toBe(404);
      expect((await post(`/webhooks/twilio/${call.id}/voice/status`, { CallSid: callForm.CallSid, CallStatus: 'completed', CallDuration: '3' })).status).toBe(200);
      expect((await post(`/webhooks/twilio/${call.id}/voice/status`, { CallSid: callForm.CallSid })).status).toBe(400);
      expect((await post(`/webhooks/twilio/${call.id}/voice/status`, { CallSid: callForm.CallSid, CallStatus: 'busy' }, { signature: null })).status).toBe(403);
      expect((await post(`/webhooks/twilio/${UNKNOWN_ID}/voice/status`, { CallSid: callForm.CallSid, CallStatus: 'busy' })).status).toBe(404);
      const recording = { CallSid: callForm.CallSid, RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1', RecordingDuration: '2' };
      expect((await post(`/webhooks/twilio/${call.id}/voice/recording`, recording)).status).toBe(200);
      expect((await post(`/webhooks/twilio/${call.id}/voice/recording`, { CallSid: callForm.CallSid })).status).toBe(400);
      expect((await post(`/webhooks/twilio/${call.id}/voice/recording`, recording, { signature: null })).status).toBe(403);
      expect((await post(`/webhooks/twilio/${UNKNOWN_ID}/voice/recording`, recording)).status).toBe(404);

      const tooLarge = spec.assert(await postTwilioForm(twilioApp, `/webhooks/twilio/${sms.id}`, `Body=${'x'.repeat(1_100_000)}`));
      expect(tooLarge.status).toBe(413);
      await request(twilioApp.url).put(`/api/channels/${sms.id}/deactivate`).set(auth()).expect(200);
      expect((await post(`/webhooks/twilio/${sms.id}`, twilioFixture('inbound-sms.form').replace(/SM1{32}/g, 'SM3'.padEnd(34, '3')))).status).toBe(409);
    });
  });

  describe('generic errors', () => {
    it('401 (missing, invalid, expired, refresh token), 404 unknown route, 400 malformed JSON, 413 large body', async () => {
      expect(spec.assert(await api().get('/api/channels')).body.code).toBe('TOKEN_MISSING');
      expect(spec.assert(await api().get('/api/channels').set(auth('garbage'))).body.code).toBe('TOKEN_INVALID');
      const expired = app.token({ company_id: tenant.companyId }, -10);
      expect(spec.assert(await api().get('/api/channels').set(auth(expired))).body.code).toBe('TOKEN_EXPIRED');
      const jwt = await import('jsonwebtoken');
      const refresh = jwt.sign({ sub: 1, company_id: tenant.companyId, role: 'admin', type: 'refresh' }, process.env.JWT_SECRET!, { expiresIn: '1h' });
      expect(spec.assert(await api().get('/api/channels').set(auth(refresh))).status).toBe(401);

      const unknown = await api().get('/api/channels/conversations/x/y/z').set(auth());
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ success: false, data: null, statusCode: 404, code: 'ROUTE_NOT_FOUND' });
      expect(spec.validateSchema('ErrorResponse', unknown.body)).toEqual([]);

      const malformed = spec.assert(await api().post('/api/channels').set(auth()).set('Content-Type', 'application/json').send('{"name":'));
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_BODY');
      const large = spec.assert(await api().post('/api/channels').set(auth()).send({ name: 'x'.repeat(1_100_000) }));
      expect(large.status).toBe(413);

      const badQuery = spec.assert(await api().get('/api/channels').query({ limit: 101, sortBy: 'nope', foo: 1 }).set(auth()));
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['foo', 'limit', 'sortBy']);
      expect(spec.assert(await api().get('/api/channels/not-a-uuid').set(auth())).status).toBe(400);
    });
  });

  describe('event webhooks', () => {
    it('POST, GET list, GET one, deliveries, replay, DELETE (and their errors); every delivery body is an EventWebhookEvent', async () => {
      const receiver = await new FakeEventReceiver().start();
      try {
        const body = { url: receiver.url, secret: RECEIVER_SECRET, event_types: ['conversation.created', 'message.received'] };
        const created = spec.assert(await api().post('/api/webhooks').set(auth()).send(body));
        expect(created.status).toBe(201);
        const id: string = created.body.data.id;
        expect(spec.assert(await api().post('/api/webhooks').set(auth()).send({ ...body, secret: 'short' })).status).toBe(400);
        expect(spec.assert(await api().post('/api/webhooks').set(auth(tenant.agentToken)).send(body)).status).toBe(403);
        expect(spec.assert(await api().get('/api/webhooks').query({ page: 1, limit: 10, sortBy: 'created_at', sortDir: 'asc' }).set(auth())).body.data.items).toHaveLength(1);
        expect(spec.assert(await api().get(`/api/webhooks/${id}`).set(auth())).status).toBe(200);
        expect(spec.assert(await api().get(`/api/webhooks/${UNKNOWN_ID}`).set(auth())).status).toBe(404);

        receiver.fallback = 500;
        await createChannel();
        expect(spec.assert(await postMetaFixture(app, 'text-message.json')).status).toBe(200);
        await eventually(async () => (await sql(`SELECT 1 FROM webhook_deliveries WHERE status = 'dead'`)).length === 2, 10000, 'two dead deliveries');
        for (const r of receiver.received) expect(spec.validateSchema('EventWebhookEvent', r.body)).toEqual([]);
        const dead = spec.assert(await api().get(`/api/webhooks/${id}/deliveries`).query({ status: 'dead', page: 1, limit: 10 }).set(auth()));
        expect(dead.body.data.items).toHaveLength(2);
        receiver.fallback = 200;
        const replay = spec.assert(await api().post(`/api/webhooks/${id}/deliveries/${dead.body.data.items[0].id}/replay`).set(auth()));
        expect(replay.status).toBe(200);
        expect(spec.assert(await api().post(`/api/webhooks/${id}/deliveries/${UNKNOWN_ID}/replay`).set(auth())).status).toBe(404);
        expect(spec.assert(await api().delete(`/api/webhooks/${id}`).set(auth())).status).toBe(200);
      } finally {
        await receiver.stop();
      }
    });
  });

  describe('coverage', () => {
    // Runs last: every documented operation must have been checked against a real answer above,
    // and with a success status unless it cannot succeed in this version (none today).
    const NO_SUCCESS_IN_THIS_VERSION: string[] = [];

    it('every operation was checked, and every one that can succeed was checked with a success answer', () => {
      if (spec.checked.length === 0) return; // run on its own (-t): nothing to judge
      const ops = spec.operations().map((o) => `${o.method} ${o.path}`);
      const checked = new Set(spec.checked.map((c) => `${c.method} ${c.path}`));
      const succeeded = new Set(spec.checked.filter((c) => c.status < 400).map((c) => `${c.method} ${c.path}`));
      expect(ops.filter((o) => !checked.has(o))).toEqual([]);
      expect(ops.filter((o) => !succeeded.has(o)).sort()).toEqual([...NO_SUCCESS_IN_THIS_VERSION].sort());
    });
  });
});
