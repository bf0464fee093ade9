import request from 'supertest';
import { bearer, createConversation, expectErrorEnvelope, tableCounts } from '../../support/api-helpers';
import { APP_SECRET, createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';

const B_PHONE_NUMBER_ID = '420000000000002';

describe('Tenant isolation', () => {
  const ctx = useAppWithGraph({ isolatedDatabase: true });
  let a: Tenant;
  let b: Tenant;
  let channelA: { id: string };
  let channelB: { id: string };
  let conversationA: { id: string };
  let conversationB: { id: string };
  let incomingA: { id: string };
  let outgoingA: { id: string };


  /** Company A: a channel, a conversation with one incoming and one outgoing message. Company B: its own channel and conversation. */
  beforeEach(async () => {
    a = await createTenant(ctx.app, 'Alpha');
    b = await createTenant(ctx.app, 'Beta');
    channelA = await createMetaChannel(ctx.app, ctx.graph, a, { name: 'Alpha WhatsApp' });
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    const [conv] = await sql<{ id: string }>('SELECT id FROM conversations WHERE channel_id = $1', [channelA.id]);
    conversationA = conv;
    const [incoming] = await sql<{ id: string }>(`SELECT id FROM messages WHERE direction = 'incoming'`);
    incomingA = incoming;
    const sent = await request(ctx.app.url).post('/api/channels/messages').set(bearer(a.adminToken)).send({ conversation_id: conversationA.id, message: 'Hola Maria' });
    expect(sent.status).toBe(201);
    outgoingA = sent.body.data;

    // The fake serves one phone number id at a time: B's channel gets its own number.
    const original = ctx.graph.phoneNumberId;
    ctx.graph.phoneNumberId = B_PHONE_NUMBER_ID;
    try {
      channelB = await createMetaChannel(ctx.app, ctx.graph, b, {
        name: 'Beta WhatsApp',
        credentials: { accessToken: ctx.graph.validToken, phoneNumberId: B_PHONE_NUMBER_ID, appSecret: APP_SECRET },
      });
    } finally {
      ctx.graph.phoneNumberId = original;
    }
    conversationB = await createConversation(ctx.app, b.adminToken, { channel_id: channelB.id, external_id: '15559990000' });
    ctx.graph.requests.length = 0;
  });

  const asB = (req: request.Test) => req.set(bearer(b.adminToken));

  describe('channels', () => {
    it("when B reads, changes, deletes, activates or deactivates A's channel, then 404 each time and A's channel is unchanged", async () => {
      const before = await sql('SELECT name, is_active, deleted_at, config, updated_at FROM channels WHERE id = $1', [channelA.id]);
      const calls = [
        asB(request(ctx.app.url).get(`/api/channels/${channelA.id}`)),
        asB(request(ctx.app.url).put(`/api/channels/${channelA.id}`)).send({ name: 'Hijacked' }),
        asB(request(ctx.app.url).delete(`/api/channels/${channelA.id}`)),
        asB(request(ctx.app.url).put(`/api/channels/${channelA.id}/activate`)),
        asB(request(ctx.app.url).put(`/api/channels/${channelA.id}/deactivate`)),
        asB(request(ctx.app.url).get(`/api/channels/${channelA.id}/qr`)),
      ];
      for (const res of await Promise.all(calls)) {
        expectErrorEnvelope(res, 404, 'CHANNEL_NOT_FOUND');
        expect(JSON.stringify(res.body)).not.toContain('Alpha');
      }
      expect(await sql('SELECT name, is_active, deleted_at, config, updated_at FROM channels WHERE id = $1', [channelA.id])).toEqual(before);
      expect(before[0]).toMatchObject({ name: 'Alpha WhatsApp', is_active: true, deleted_at: null });
    });

    it("when B lists channels, then only B's channel is in the list, with any filter", async () => {
      for (const query of [{}, { provider: 'META' }, { type: 'WHATSAPP' }, { is_active: true }, { sortBy: 'name', sortDir: 'asc', limit: 100 }]) {
        const res = await asB(request(ctx.app.url).get('/api/channels').query(query));
        expect(res.status).toBe(200);
        expect(res.body.data.items.map((c: any) => c.id)).toEqual([channelB.id]);
        expect(res.body.data.pagination.total).toBe(1);
      }
    });

    it("when B lists channels with A's company_id, then 403", async () => {
      const res = await asB(request(ctx.app.url).get('/api/channels').query({ company_id: a.companyId }));
      expectErrorEnvelope(res, 403, 'FORBIDDEN_COMPANY');
    });

    it("when B's admin posts a channel naming A's company_id, then 403, nothing is stored and the Graph API is not called", async () => {
      const before = await tableCounts();
      const res = await asB(request(ctx.app.url).post('/api/channels')).send({
        name: 'Sneaky',
        type: 'WHATSAPP',
        provider: 'META',
        company_id: a.companyId,
        credentials: { accessToken: ctx.graph.validToken, phoneNumberId: '430000000000003', appSecret: APP_SECRET },
      });
      expectErrorEnvelope(res, 403, 'FORBIDDEN_COMPANY');
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.requests).toHaveLength(0);
    });

    it("when B sets an agent of A as its channel's default agent, then 400 and nothing changes", async () => {
      const res = await asB(request(ctx.app.url).put(`/api/channels/${channelB.id}`)).send({ default_agent_id: a.agentId });
      expectErrorEnvelope(res, 400, 'INVALID_AGENT');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'default_agent_id' })]);
      expect(await sql('SELECT default_agent_id FROM channels WHERE id = $1', [channelB.id])).toEqual([{ default_agent_id: null }]);
    });
  });

  describe('conversations', () => {
    it("when B reads, changes, assigns, unassigns or lists the messages of A's conversation, then 404 each time and nothing changes", async () => {
      await sql('UPDATE conversations SET assigned_agent_id = $1 WHERE id = $2', [a.agentId, conversationA.id]);
      const before = await sql('SELECT * FROM conversations WHERE id = $1', [conversationA.id]);
      const calls = [
        asB(request(ctx.app.url).get(`/api/channels/conversations/${conversationA.id}`)),
        asB(request(ctx.app.url).put(`/api/channels/conversations/${conversationA.id}`)).send({ status: 'closed' }),
        asB(request(ctx.app.url).put(`/api/channels/conversations/${conversationA.id}/assign-agent`)).send({ agent_id: b.agentId }),
        asB(request(ctx.app.url).put(`/api/channels/conversations/${conversationA.id}/unassign-agent`)),
        asB(request(ctx.app.url).get(`/api/channels/conversations/${conversationA.id}/messages`)),
      ];
      for (const res of await Promise.all(calls)) {
        expectErrorEnvelope(res, 404, 'CONVERSATION_NOT_FOUND');
        expect(JSON.stringify(res.body)).not.toContain('Maria');
      }
      expect(await sql('SELECT * FROM conversations WHERE id = $1', [conversationA.id])).toEqual(before);
      expect(before[0]).toMatchObject({ status: 'open', assigned_agent_id: a.agentId });
    });

    it("when B lists conversations, then A's conversation is never in the list, whatever the filter", async () => {
      const queries = [{}, { channel_id: channelA.id }, { external_id: '15557770123' }, { status: 'open' }, { assigned_agent_id: a.agentId }];
      for (const query of queries) {
        const res = await asB(request(ctx.app.url).get('/api/channels/conversations').query(query));
        expect(res.status).toBe(200);
        const ids = res.body.data.items.map((c: any) => c.id);
        expect(ids).not.toContain(conversationA.id);
        expect(res.body.data.items.every((c: any) => c.company_id === b.companyId)).toBe(true);
      }
      const all = await asB(request(ctx.app.url).get('/api/channels/conversations'));
      expect(all.body.data.items.map((c: any) => c.id)).toEqual([conversationB.id]);
    });

    it("when B lists conversations with A's company_id, then 403", async () => {
      expectErrorEnvelope(await asB(request(ctx.app.url).get('/api/channels/conversations').query({ company_id: a.companyId })), 403, 'FORBIDDEN_COMPANY');
    });

    it("when B opens a conversation on A's channel, then 404 and nothing is stored", async () => {
      const before = await tableCounts();
      const res = await asB(request(ctx.app.url).post('/api/channels/conversations')).send({ channel_id: channelA.id, external_id: '15550001111' });
      expectErrorEnvelope(res, 404, 'CHANNEL_NOT_FOUND');
      expect(await tableCounts()).toEqual(before);
    });

    it("when B opens a conversation on its own channel naming A's company_id, then 403 and nothing is stored", async () => {
      const before = await tableCounts();
      const res = await asB(request(ctx.app.url).post('/api/channels/conversations')).send({ channel_id: channelB.id, external_id: '15550001111', company_id: a.companyId });
      expectErrorEnvelope(res, 403);
      expect(await tableCounts()).toEqual(before);
    });

    it("when B assigns an agent of A to B's conversation, then 400 and nothing is assigned", async () => {
      const res = await asB(request(ctx.app.url).put(`/api/channels/conversations/${conversationB.id}/assign-agent`)).send({ agent_id: a.agentId });
      expectErrorEnvelope(res, 400, 'INVALID_AGENT');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'agent_id' })]);
      expect(await sql('SELECT assigned_agent_id FROM conversations WHERE id = $1', [conversationB.id])).toEqual([{ assigned_agent_id: null }]);
    });

    it("when B opens a conversation assigned to an agent of A, then 400 and nothing is stored", async () => {
      const before = await tableCounts();
      const res = await asB(request(ctx.app.url).post('/api/channels/conversations')).send({ channel_id: channelB.id, external_id: '15550002222', assigned_agent_id: a.agentId });
      expectErrorEnvelope(res, 400, 'INVALID_AGENT');
      expect(await tableCounts()).toEqual(before);
    });
  });

  describe('messages', () => {
    it("when B reads or changes the status of A's messages, then 404 and the messages are unchanged", async () => {
      const before = await sql('SELECT id, status, updated_at FROM messages ORDER BY id');
      for (const id of [incomingA.id, outgoingA.id]) {
        const get = await asB(request(ctx.app.url).get(`/api/channels/messages/${id}`));
        expectErrorEnvelope(get, 404, 'MESSAGE_NOT_FOUND');
        expect(JSON.stringify(get.body)).not.toMatch(/Hola/);
        const put = await asB(request(ctx.app.url).put(`/api/channels/messages/${id}/status`)).send({ status: 'READ' });
        expectErrorEnvelope(put, 404, 'MESSAGE_NOT_FOUND');
      }
      expect(await sql('SELECT id, status, updated_at FROM messages ORDER BY id')).toEqual(before);
    });

    it("when B sends into A's conversation, then 404, nothing is stored and nothing reaches the Graph API", async () => {
      const before = await tableCounts();
      const res = await asB(request(ctx.app.url).post('/api/channels/messages')).send({ conversation_id: conversationA.id, message: 'Spam from B' });
      expectErrorEnvelope(res, 404, 'CONVERSATION_NOT_FOUND');
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it("when B sends through A's channel to a new number, then 404, no conversation is opened and nothing reaches the Graph API", async () => {
      const before = await tableCounts();
      const res = await asB(request(ctx.app.url).post('/api/channels/messages')).send({ channel_id: channelA.id, to: '15550003333', message: 'Spam from B' });
      expectErrorEnvelope(res, 404, 'CHANNEL_NOT_FOUND');
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it("when B's agent tries the same, then 404 too", async () => {
      const res = await request(ctx.app.url).post('/api/channels/messages').set(bearer(b.agentToken)).send({ conversation_id: conversationA.id, message: 'x' });
      expectErrorEnvelope(res, 404);
      expect(ctx.graph.sends()).toHaveLength(0);
    });
  });

  describe('superadmin', () => {
    it('when a superadmin lists channels, then it sees both companies and can filter by company_id', async () => {
      const superadmin = ctx.app.token({ sub: 1, company_id: a.companyId, role: 'superadmin' });
      const all = await request(ctx.app.url).get('/api/channels').set(bearer(superadmin)).query({ sortBy: 'name', sortDir: 'asc' });
      expect(all.status).toBe(200);
      expect(all.body.data.items.map((c: any) => [c.id, c.company_id])).toEqual([
        [channelA.id, a.companyId],
        [channelB.id, b.companyId],
      ]);
      expect(all.body.data.pagination.total).toBe(2);

      const onlyB = await request(ctx.app.url).get('/api/channels').set(bearer(superadmin)).query({ company_id: b.companyId });
      expect(onlyB.status).toBe(200);
      expect(onlyB.body.data.items.map((c: any) => c.id)).toEqual([channelB.id]);
      expect(onlyB.body.data.pagination.total).toBe(1);
    });

    it("when a superadmin reads B's channel and conversations, then 200", async () => {
      const superadmin = ctx.app.token({ sub: 1, company_id: a.companyId, role: 'superadmin' });
      const channel = await request(ctx.app.url).get(`/api/channels/${channelB.id}`).set(bearer(superadmin));
      expect(channel.status).toBe(200);
      expect(channel.body.data).toMatchObject({ id: channelB.id, company_id: b.companyId });
      const conversations = await request(ctx.app.url).get('/api/channels/conversations').set(bearer(superadmin)).query({ company_id: b.companyId });
      expect(conversations.status).toBe(200);
      expect(conversations.body.data.items.map((c: any) => c.id)).toEqual([conversationB.id]);
    });
  });
});
