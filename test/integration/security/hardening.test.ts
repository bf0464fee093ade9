import jwt from 'jsonwebtoken';
import request from 'supertest';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { fixture, fixtureJson } from '../../support/fixtures';
import { APP_SECRET, createMetaChannel, createTenant, postMetaWebhook, type Tenant } from '../../support/scenario';
import { signMetaBody } from '../../../src/modules/channels/infrastructure/providers/meta/meta-signature';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

/** The fixture text message with its message object changed by `edit`, as raw JSON text. */
function textMessage(edit: (message: any, value: any) => void): string {
  const body = fixtureJson('meta/text-message.json');
  edit(body.entry[0].changes[0].value.messages[0], body.entry[0].changes[0].value);
  return JSON.stringify(body);
}

describe('hardening found by adversarial testing', () => {
  let app: TestApp;
  let graph: FakeGraphApi;
  let tenant: Tenant;
  let channel: { id: string };

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url });
  });
  afterAll(async () => {
    await app.stop();
    await graph.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    graph.reset?.();
    tenant = await createTenant(app);
    channel = await createMetaChannel(app, graph, tenant);
  });

  describe('signed webhooks with content PostgreSQL cannot store as is', () => {
    it.each([
      ['a lone surrogate in the text', (m: any) => (m.text.body = 'hola \ud800 mundo')],
      ['a lone surrogate in the contact name', (_m: any, v: any) => (v.contacts[0].profile.name = 'Mar\udfffia')],
      ['a NUL inside a payload key', (m: any) => (m['bad\u0000key'] = 1)],
    ])('when a message carries %s, then it is stored (cleaned) and acknowledged', async (_what, edit) => {
      const res = await postMetaWebhook(app, textMessage(edit as any));
      expect(res.status).toBe(200);
      expect(res.body.data.stored).toBe(1);
      expect(await sql('SELECT id FROM messages')).toHaveLength(1);
    });

    it('when a message carries 5,000 levels of nesting, then it is stored with the depth cut and acknowledged', async () => {
      // Built as text: the test's own JSON.stringify could not serialise such depth either.
      const raw = fixture('meta/text-message.json').toString().replace('"type":"text"', `"deep":${'['.repeat(5000)}${']'.repeat(5000)},"type":"text"`);
      const res = await postMetaWebhook(app, raw);
      expect(res.status).toBe(200);
      expect(await sql('SELECT id FROM messages')).toHaveLength(1);
    });

    it('when the middle one of three messages is unstorable as is, then all three are stored', async () => {
      const body = fixtureJson('meta/text-message.json');
      const base = body.entry[0].changes[0].value.messages[0];
      body.entry[0].changes[0].value.messages = ['first', '\ud800', 'third'].map((t, i) => ({ ...base, id: `wamid.M${i}`, text: { body: t } }));
      expect((await postMetaWebhook(app, JSON.stringify(body))).status).toBe(200);
      expect((await sql('SELECT external_id FROM messages ORDER BY external_id')).map((r) => r.external_id)).toEqual(['wamid.M0', 'wamid.M1', 'wamid.M2']);
    });
  });

  describe('unsigned callers learn nothing', () => {
    it('when an unsigned app-level webhook names a registered or an unknown number, then both get the same 401', async () => {
      const registered = await postMetaWebhook(app, fixture('meta/text-message.json'), { signature: null });
      const unknown = await postMetaWebhook(app, fixture('meta/text-message.json').toString().replace(/410000000000001/g, '499999999999999'), { signature: null });
      expect([registered.status, unknown.status]).toEqual([401, 401]);
      expect(registered.body.message).toBe(unknown.body.message);
    });

    it('when a valid signature has extra characters after it, then it is refused', async () => {
      const body = fixture('meta/text-message.json');
      for (const suffix of ['zz', '0', ', sha256=deadbeef']) {
        expect((await postMetaWebhook(app, body, { signature: signMetaBody(body, APP_SECRET) + suffix })).status).toBe(401);
      }
      expect(await sql('SELECT id FROM messages')).toHaveLength(0);
    });

    it('when the channel id in the URL is 36 characters but not a UUID, then 404', async () => {
      for (const id of ['a'.repeat(36), '-'.repeat(36)]) {
        expect((await postMetaWebhook(app, fixture('meta/text-message.json'), { path: `/webhooks/meta/${id}` })).status).toBe(404);
        expect((await request(app.url).get(`/webhooks/meta/${id}`)).status).toBe(404);
      }
    });

    it('when a body on a channel URL names many other numbers without a signature, then 401 before any of them is looked at', async () => {
      const body = fixtureJson('meta/text-message.json');
      body.entry = Array.from({ length: 2000 }, (_, i) => ({ ...body.entry[0], changes: [{ ...body.entry[0].changes[0], value: { ...body.entry[0].changes[0].value, metadata: { phone_number_id: String(500000000000000 + i) } } }] }));
      const res = await postMetaWebhook(app, JSON.stringify(body), { path: `/webhooks/meta/${channel.id}`, signature: null });
      expect(res.status).toBe(401);
    });
  });

  describe('REST input', () => {
    it('when a body holds a lone surrogate in a JSON field, then 400 and nothing stored', async () => {
      const res = await request(app.url).post('/api/channels/conversations').set('Authorization', `Bearer ${tenant.adminToken}`).send(`{"channel_id":"${channel.id}","external_id":"15550004242","participant_meta":{"a":"\\udfff"}}`).type('json');
      expect(res.status).toBe(400);
      expect(await sql('SELECT id FROM conversations')).toHaveLength(0);
    });

    it('when a token carries a company id beyond INTEGER or as a string, then 401', async () => {
      for (const company_id of [2147483648, '1']) {
        const token = jwt.sign({ sub: '1', company_id, role: 'admin', type: 'access' }, process.env.JWT_SECRET!, { expiresIn: '1h' });
        expect((await request(app.url).get('/api/channels').set('Authorization', `Bearer ${token}`)).status).toBe(401);
      }
    });

    it('when a WhatsApp conversation is opened with a formatted number, then it is the same conversation as the customer\'s messages', async () => {
      const auth = { Authorization: `Bearer ${tenant.adminToken}` };
      const opened = await request(app.url).post('/api/channels/conversations').set(auth).send({ channel_id: channel.id, external_id: '+1 555 777 0123' });
      expect(opened.status).toBe(201);
      expect(opened.body.data.external_id).toBe('15557770123');
      expect((await postMetaWebhook(app, fixture('meta/text-message.json'))).status).toBe(200);
      expect(await sql('SELECT id FROM conversations')).toHaveLength(1);
      const bad = await request(app.url).post('/api/channels/conversations').set(auth).send({ channel_id: channel.id, external_id: 'not a phone' });
      expect(bad.status).toBe(400);
    });

    it('when a channel has a default agent, then conversations opened by customers are assigned to it', async () => {
      await request(app.url).put(`/api/channels/${channel.id}`).set('Authorization', `Bearer ${tenant.adminToken}`).send({ default_agent_id: tenant.agentId }).expect(200);
      await postMetaWebhook(app, fixture('meta/text-message.json'));
      expect(await sql('SELECT assigned_agent_id FROM conversations')).toEqual([{ assigned_agent_id: tenant.agentId }]);
    });
  });
});
