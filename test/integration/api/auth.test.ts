import { waitForSettled } from '../../support/outbound';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { bearer, createConversation, expectErrorEnvelope, tableCounts } from '../../support/api-helpers';
import { APP_SECRET, createMetaChannel, createTenant, type Tenant } from '../../support/scenario';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('API authentication and RBAC', () => {
  const ctx = useAppWithGraph({ isolatedDatabase: true });
  let tenant: Tenant;

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
  });

  const channelBody = () => ({
    name: 'WhatsApp Ventas',
    type: 'WHATSAPP',
    provider: 'META',
    credentials: { accessToken: ctx.graph.validToken, phoneNumberId: ctx.graph.phoneNumberId, appSecret: APP_SECRET },
  });

  describe('tokens', () => {
    const validClaims = () => ({ sub: tenant.adminId, company_id: tenant.companyId, role: 'admin' as const });

    it('when no token is sent, then 401 in the error envelope and the token problem named', async () => {
      const res = await request(ctx.app.url).get('/api/channels');
      expectErrorEnvelope(res, 401, 'TOKEN_MISSING');
      expect(res.body.message).toMatch(/Token/);
    });

    it('when the Authorization header is not a Bearer token, then 401', async () => {
      const token = ctx.app.token(validClaims());
      const res = await request(ctx.app.url).get('/api/channels').set('Authorization', `Basic ${token}`);
      expectErrorEnvelope(res, 401);
    });

    it('when the token has expired, then 401 TOKEN_EXPIRED', async () => {
      const token = jwt.sign({ ...validClaims(), type: 'access', exp: Math.floor(Date.now() / 1000) - 60 }, process.env.JWT_SECRET!, { algorithm: 'HS256' });
      const res = await request(ctx.app.url).get('/api/channels').set(bearer(token));
      expectErrorEnvelope(res, 401, 'TOKEN_EXPIRED');
      expect(res.body.message).toMatch(/Token/);
    });

    it('when the token is signed with another secret, then 401 TOKEN_INVALID', async () => {
      const token = jwt.sign({ ...validClaims(), type: 'access' }, 'another-secret-0123456789abcdef', { algorithm: 'HS256', expiresIn: '1h' });
      const res = await request(ctx.app.url).get('/api/channels').set(bearer(token));
      expectErrorEnvelope(res, 401, 'TOKEN_INVALID');
    });

    it('when a valid token has its payload swapped (signature no longer matches), then 401', async () => {
      const [header, , signature] = ctx.app.token(validClaims()).split('.');
      const forged = `${header}.${b64url({ ...validClaims(), role: 'superadmin', type: 'access', exp: Math.floor(Date.now() / 1000) + 3600 })}.${signature}`;
      const res = await request(ctx.app.url).get('/api/channels').set(bearer(forged));
      expectErrorEnvelope(res, 401, 'TOKEN_INVALID');
    });

    it('when the token is signed with the right secret but HS512, then 401 (only HS256 is accepted)', async () => {
      const token = jwt.sign({ ...validClaims(), type: 'access' }, process.env.JWT_SECRET!, { algorithm: 'HS512', expiresIn: '1h' });
      expectErrorEnvelope(await request(ctx.app.url).get('/api/channels').set(bearer(token)), 401, 'TOKEN_INVALID');
    });

    it('when the token has no sub, then 401', async () => {
      const token = jwt.sign({ company_id: tenant.companyId, role: 'admin', type: 'access' }, process.env.JWT_SECRET!, { algorithm: 'HS256', expiresIn: '1h' });
      expectErrorEnvelope(await request(ctx.app.url).get('/api/channels').set(bearer(token)), 401, 'TOKEN_INVALID');
    });

    it('when the token uses alg none with an empty signature, then 401', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...validClaims(), type: 'access', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
      const res = await request(ctx.app.url).get('/api/channels').set(bearer(token));
      expectErrorEnvelope(res, 401, 'TOKEN_INVALID');
      const create = await request(ctx.app.url).post('/api/channels').set(bearer(token)).send(channelBody());
      expectErrorEnvelope(create, 401);
      expect(await sql('SELECT id FROM channels')).toHaveLength(0);
    });

    it('when a refresh token signed with the right secret is used, then 401', async () => {
      const token = jwt.sign({ ...validClaims(), type: 'refresh' }, process.env.JWT_SECRET!, { algorithm: 'HS256', expiresIn: '1h' });
      const res = await request(ctx.app.url).get('/api/channels').set(bearer(token));
      expectErrorEnvelope(res, 401, 'TOKEN_INVALID');
      expect(res.body.message).toMatch(/Token/);
    });

    it('when the token has no type claim, then 401', async () => {
      const token = jwt.sign(validClaims(), process.env.JWT_SECRET!, { algorithm: 'HS256', expiresIn: '1h' });
      expectErrorEnvelope(await request(ctx.app.url).get('/api/channels').set(bearer(token)), 401, 'TOKEN_INVALID');
    });

    it('when the token has no company_id, then 401', async () => {
      const token = jwt.sign({ sub: tenant.adminId, role: 'admin', type: 'access' }, process.env.JWT_SECRET!, { algorithm: 'HS256', expiresIn: '1h' });
      const res = await request(ctx.app.url).get('/api/channels').set(bearer(token));
      expectErrorEnvelope(res, 401, 'TOKEN_INVALID');
      expect(res.body.message).toMatch(/company_id/);
    });

    it('when the token has an unknown role, then 401', async () => {
      const token = jwt.sign({ ...validClaims(), role: 'owner', type: 'access' }, process.env.JWT_SECRET!, { algorithm: 'HS256', expiresIn: '1h' });
      expectErrorEnvelope(await request(ctx.app.url).get('/api/channels').set(bearer(token)), 401, 'TOKEN_INVALID');
    });

    it('when the token has no exp, then 401', async () => {
      const token = jwt.sign({ ...validClaims(), type: 'access' }, process.env.JWT_SECRET!, { algorithm: 'HS256' });
      expectErrorEnvelope(await request(ctx.app.url).get('/api/channels').set(bearer(token)), 401, 'TOKEN_INVALID');
    });

    it('when a rejected token is sent to a write endpoint, then nothing is stored', async () => {
      const before = await tableCounts();
      const expired = jwt.sign({ ...validClaims(), type: 'access', exp: Math.floor(Date.now() / 1000) - 60 }, process.env.JWT_SECRET!, { algorithm: 'HS256' });
      expectErrorEnvelope(await request(ctx.app.url).post('/api/channels').set(bearer(expired)).send(channelBody()), 401);
      expectErrorEnvelope(await request(ctx.app.url).post('/api/companies').send({ name: 'Nope' }), 401);
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.requests).toHaveLength(0);
    });

    it('when a valid access token is sent, then 200 with the list envelope', async () => {
      const res = await request(ctx.app.url).get('/api/channels').set(bearer(tenant.adminToken));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, message: expect.any(String), data: { items: [], pagination: { total: 0, page: 1, limit: 20, totalPages: 0 } } });
    });
  });

  describe('role defaults', () => {
    it('when an agent posts a channel, then 403 and nothing is stored', async () => {
      const res = await request(ctx.app.url).post('/api/channels').set(bearer(tenant.agentToken)).send(channelBody());
      expectErrorEnvelope(res, 403, 'FORBIDDEN');
      expect(res.body.message).toMatch(/channels:create/);
      expect(await sql('SELECT id FROM channels')).toHaveLength(0);
      expect(await sql('SELECT id FROM channel_credentials')).toHaveLength(0);
      expect(ctx.graph.requests).toHaveLength(0);
    });

    it('when an agent lists and reads channels, then 200', async () => {
      const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
      const list = await request(ctx.app.url).get('/api/channels').set(bearer(tenant.agentToken));
      expect(list.status).toBe(200);
      expect(list.body.data.items.map((c: any) => c.id)).toEqual([channel.id]);
      const one = await request(ctx.app.url).get(`/api/channels/${channel.id}`).set(bearer(tenant.agentToken));
      expect(one.status).toBe(200);
      expect(one.body.data).toMatchObject({ id: channel.id, company_id: tenant.companyId });
    });

    it('when an agent deletes or deactivates a channel, then 403 and the channel is unchanged', async () => {
      const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
      expectErrorEnvelope(await request(ctx.app.url).delete(`/api/channels/${channel.id}`).set(bearer(tenant.agentToken)), 403);
      expectErrorEnvelope(await request(ctx.app.url).put(`/api/channels/${channel.id}/deactivate`).set(bearer(tenant.agentToken)), 403);
      expect(await sql('SELECT is_active, deleted_at FROM channels WHERE id = $1', [channel.id])).toEqual([{ is_active: true, deleted_at: null }]);
    });

    it('when an agent changes a message status, then 403 (messages:update is not an agent default)', async () => {
      const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
      const conversation = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
      const sent = await request(ctx.app.url).post('/api/channels/messages').set(bearer(tenant.agentToken)).send({ conversation_id: conversation.id, message: 'Hola' });
      expect(sent.status).toBe(201);
      expect((await waitForSettled(sent.body.data.id)).status).toBe('SENT');
      const res = await request(ctx.app.url).put(`/api/channels/messages/${sent.body.data.id}/status`).set(bearer(tenant.agentToken)).send({ status: 'DELIVERED' });
      expectErrorEnvelope(res, 403);
      expect(await sql('SELECT status FROM messages WHERE id = $1', [sent.body.data.id])).toEqual([{ status: 'SENT' }]);
    });

    it('when an agent creates a conversation, then 403 (conversations:create is not an agent default)', async () => {
      const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
      const res = await request(ctx.app.url).post('/api/channels/conversations').set(bearer(tenant.agentToken)).send({ channel_id: channel.id, external_id: '15557770123' });
      expectErrorEnvelope(res, 403);
      expect(await sql('SELECT id FROM conversations')).toHaveLength(0);
    });

    it('when a supervisor posts a channel, then 403; when it updates a conversation, then 200 and the change is stored', async () => {
      const supervisor = ctx.app.token({ sub: 900, company_id: tenant.companyId, role: 'supervisor' });
      expectErrorEnvelope(await request(ctx.app.url).post('/api/channels').set(bearer(supervisor)).send(channelBody()), 403);
      expect(await sql('SELECT id FROM channels')).toHaveLength(0);

      const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
      const conversation = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
      const res = await request(ctx.app.url).put(`/api/channels/conversations/${conversation.id}`).set(bearer(supervisor)).send({ status: 'pending' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, data: { id: conversation.id, status: 'pending' } });
      expect(await sql('SELECT status FROM conversations WHERE id = $1', [conversation.id])).toEqual([{ status: 'pending' }]);
    });

    it('when an agent has an explicit channels:create permission, then it gets past RBAC (400 for a bad body, 201 for a good one)', async () => {
      const token = ctx.app.token({ sub: tenant.agentId, company_id: tenant.companyId, role: 'agent', permissions: ['channels:create'] });
      const bad = await request(ctx.app.url).post('/api/channels').set(bearer(token)).send({ name: 'x' });
      expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
      const good = await request(ctx.app.url).post('/api/channels').set(bearer(token)).send(channelBody());
      expect(good.status).toBe(201);
      expect(good.body.data).toMatchObject({ company_id: tenant.companyId, provider_account: ctx.graph.phoneNumberId });
      expect(await sql('SELECT company_id FROM channels')).toEqual([{ company_id: tenant.companyId }]);
    });

    it('when an agent has an unrelated explicit permission, then channels:create is still refused', async () => {
      const token = ctx.app.token({ sub: tenant.agentId, company_id: tenant.companyId, role: 'agent', permissions: ['channels:read'] });
      expectErrorEnvelope(await request(ctx.app.url).post('/api/channels').set(bearer(token)).send(channelBody()), 403);
      expect(await sql('SELECT id FROM channels')).toHaveLength(0);
    });
  });

  describe('company administration', () => {
    let superadmin: string;
    beforeEach(() => {
      superadmin = ctx.app.token({ sub: 1, company_id: tenant.companyId, role: 'superadmin' });
    });

    it('when an admin posts a company, then 403 and no company is stored', async () => {
      const res = await request(ctx.app.url).post('/api/companies').set(bearer(tenant.adminToken)).send({ name: 'Other Inc' });
      expectErrorEnvelope(res, 403);
      expect(await sql('SELECT name FROM companies')).toEqual([{ name: 'Acme' }]);
    });

    it('when an admin with an explicit companies:create permission posts a company, then it is still 403', async () => {
      const token = ctx.app.token({ sub: tenant.adminId, company_id: tenant.companyId, role: 'admin', permissions: ['companies:create'] });
      expectErrorEnvelope(await request(ctx.app.url).post('/api/companies').set(bearer(token)).send({ name: 'Other Inc' }), 403);
      expect(await sql('SELECT id FROM companies')).toHaveLength(1);
    });

    it('when an admin posts an agent to its own company, then 403 and no agent is stored', async () => {
      const res = await request(ctx.app.url).post(`/api/companies/${tenant.companyId}/agents`).set(bearer(tenant.adminToken)).send({ name: 'Eve', email: 'eve@acme.test' });
      expectErrorEnvelope(res, 403);
      expect(await sql(`SELECT id FROM agents WHERE email = 'eve@acme.test'`)).toHaveLength(0);
    });

    it('when a superadmin creates a company and then an agent in it, then 201 with both shapes and both rows stored', async () => {
      const company = await request(ctx.app.url).post('/api/companies').set(bearer(superadmin)).send({ name: '  Globex  ' });
      expect(company.status).toBe(201);
      expect(company.body).toEqual({
        success: true,
        message: expect.any(String),
        data: { id: expect.any(Number), name: 'Globex', created_at: expect.any(String), updated_at: expect.any(String) },
      });
      const companyId = company.body.data.id;
      expect(await sql('SELECT name FROM companies WHERE id = $1', [companyId])).toEqual([{ name: 'Globex' }]);

      const agent = await request(ctx.app.url)
        .post(`/api/companies/${companyId}/agents`)
        .set(bearer(superadmin))
        .send({ name: 'Gina', email: 'Gina@Globex.TEST', role: 'supervisor', permissions: ['channels:create'] });
      expect(agent.status).toBe(201);
      expect(agent.body).toEqual({
        success: true,
        message: expect.any(String),
        data: {
          id: expect.any(Number),
          company_id: companyId,
          name: 'Gina',
          email: 'gina@globex.test',
          role: 'supervisor',
          permissions: ['channels:create'],
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      });
      expect(await sql('SELECT company_id, email, role::text AS role, permissions FROM agents WHERE id = $1', [agent.body.data.id])).toEqual([
        { company_id: companyId, email: 'gina@globex.test', role: 'supervisor', permissions: ['channels:create'] },
      ]);
    });

    it('when a superadmin creates an agent without a role, then it is an agent with no explicit permissions', async () => {
      const res = await request(ctx.app.url).post(`/api/companies/${tenant.companyId}/agents`).set(bearer(superadmin)).send({ name: 'Ana', email: 'ana@acme.test' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ company_id: tenant.companyId, role: 'agent', permissions: [] });
    });

    it('when the agent email is already taken, then 409 and only the first agent is stored', async () => {
      const first = await request(ctx.app.url).post(`/api/companies/${tenant.companyId}/agents`).set(bearer(superadmin)).send({ name: 'Dup', email: 'dup@acme.test' });
      expect(first.status).toBe(201);
      const second = await request(ctx.app.url).post(`/api/companies/${tenant.companyId}/agents`).set(bearer(superadmin)).send({ name: 'Dup 2', email: 'DUP@acme.test' });
      expectErrorEnvelope(second, 409, 'AGENT_EMAIL_TAKEN');
      expect(await sql(`SELECT name FROM agents WHERE email = 'dup@acme.test'`)).toEqual([{ name: 'Dup' }]);
    });

    it('when the company does not exist, then 404 and no agent is stored', async () => {
      const before = await tableCounts();
      const res = await request(ctx.app.url).post('/api/companies/999999/agents').set(bearer(superadmin)).send({ name: 'Ghost', email: 'ghost@nowhere.test' });
      expectErrorEnvelope(res, 404, 'COMPANY_NOT_FOUND');
      expect(await tableCounts()).toEqual(before);
    });

    it('when the company body is invalid, then 400 naming the field', async () => {
      const res = await request(ctx.app.url).post('/api/companies').set(bearer(superadmin)).send({ name: '' });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    });
  });
});
