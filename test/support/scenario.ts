import request from 'supertest';
import { signMetaBody } from '../../src/modules/channels/infrastructure/providers/meta/meta-signature';
import type { FakeGraphApi } from './fake-graph-api';
import { fixture } from './fixtures';
import { resetDatabase, sql, type TestApp } from './test-app';

/** App secret of the META channels the tests create. */
export const APP_SECRET = 'fixture-app-secret';

/** A company with an admin and an agent, and their tokens. */
export interface Tenant {
  companyId: number;
  adminId: number;
  agentId: number;
  adminToken: string;
  agentToken: string;
}

/** Creates a company with an admin and an agent directly in the database. */
export async function createTenant(app: TestApp, name = 'Acme'): Promise<Tenant> {
  const [company] = await sql<{ id: number }>('INSERT INTO companies (name) VALUES ($1) RETURNING id', [name]);
  const [admin] = await sql<{ id: number }>(
    `INSERT INTO agents (company_id, name, email, role) VALUES ($1, 'Admin', $2, 'admin') RETURNING id`,
    [company.id, `admin-${company.id}-${Date.now()}@${name.toLowerCase()}.test`],
  );
  const [agent] = await sql<{ id: number }>(
    `INSERT INTO agents (company_id, name, email, role) VALUES ($1, 'Agent', $2, 'agent') RETURNING id`,
    [company.id, `agent-${company.id}-${Date.now()}@${name.toLowerCase()}.test`],
  );
  return {
    companyId: company.id,
    adminId: admin.id,
    agentId: agent.id,
    adminToken: app.token({ sub: admin.id, company_id: company.id, role: 'admin' }),
    agentToken: app.token({ sub: agent.id, company_id: company.id, role: 'agent' }),
  };
}

/** Creates the fixtures' META channel (phone number id 410000000000001) through the API. */
export async function createMetaChannel(app: TestApp, graph: FakeGraphApi, tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const res = await request(app.url)
    .post('/api/channels')
    .set('Authorization', `Bearer ${tenant.adminToken}`)
    .send({
      name: 'WhatsApp Support',
      type: 'WHATSAPP',
      provider: 'META',
      credentials: { accessToken: graph.validToken, phoneNumberId: graph.phoneNumberId, appSecret: APP_SECRET, verifyToken: 'fixture-verify-token' },
      ...overrides,
    });
  if (res.status !== 201) throw new Error(`channel creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string; provider_account: string };
}

/** Posts a fixture (or any bytes) as a signed Meta webhook. */
export function postMetaWebhook(app: Pick<TestApp, 'url'>, body: Buffer | string, opts: { path?: string; secret?: string; signature?: string | null } = {}) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const req = request(app.url).post(opts.path ?? '/webhooks/meta').set('Content-Type', 'application/json');
  const signature = opts.signature === undefined ? signMetaBody(raw, opts.secret ?? APP_SECRET) : opts.signature;
  if (signature !== null) req.set('X-Hub-Signature-256', signature);
  // A string goes out byte for byte; superagent would JSON-encode a Buffer under a JSON content type.
  return req.send(raw.toString('utf8'));
}

/** Posts a fixture file by name as a signed Meta webhook. */
export function postMetaFixture(app: TestApp, name: string, opts: { path?: string } = {}) {
  return postMetaWebhook(app, fixture(`meta/${name}`), opts);
}

/**
 * A fresh start on a META channel with one open conversation (a customer's text from the fixtures):
 * empty database, fake reset, its recorded requests cleared, so a test sees only its own sends.
 */
export async function metaConversation(app: TestApp, graph: FakeGraphApi): Promise<{ tenant: Tenant; channel: { id: string; provider_account: string }; conversationId: string }> {
  await resetDatabase();
  graph.reset();
  const tenant = await createTenant(app);
  const channel = await createMetaChannel(app, graph, tenant);
  const res = await postMetaFixture(app, 'text-message.json');
  if (res.status !== 200) throw new Error(`fixture webhook failed: ${res.status}`);
  const [{ id: conversationId }] = await sql<{ id: string }>('SELECT id FROM conversations');
  graph.requests.length = 0;
  return { tenant, channel, conversationId };
}
