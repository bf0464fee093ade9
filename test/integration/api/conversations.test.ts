import { sendAndSettle } from '../../support/outbound';
import request from 'supertest';
import { bearer, createConversation, errorFields, expectErrorEnvelope, metaTextWebhook, sendMessage, tableCounts } from '../../support/api-helpers';
import { createMetaChannel, createTenant, postMetaWebhook, type Tenant } from '../../support/scenario';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';

describe('Conversations API', () => {
  const ctx = useAppWithGraph({ isolatedDatabase: true });
  let tenant: Tenant;
  let channel: { id: string };

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
  });

  const api = () => request(ctx.app.url);
  const admin = () => bearer(tenant.adminToken);

  describe('create', () => {
    it('when a conversation is opened on a channel, then 201, status open, company taken from the channel, stored', async () => {
      const res = await api().post('/api/channels/conversations').set(admin()).send({
        channel_id: channel.id,
        external_id: '15557770123',
        participant_id: 'lead-77',
        participant_meta: { name: 'Maria' },
        participant_type: 'lead',
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        success: true,
        message: expect.any(String),
        data: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          status: 'open',
          company_id: tenant.companyId,
          channel_id: channel.id,
          external_id: '15557770123',
          assigned_agent_id: null,
          participant_id: 'lead-77',
          participant_meta: { name: 'Maria' },
          participant_type: 'lead',
          created_at: expect.any(String),
          updated_at: expect.any(String),
          last_message_at: null,
        },
      });
      expect(await sql('SELECT id, status, company_id, channel_id, external_id, participant_type FROM conversations')).toEqual([
        { id: res.body.data.id, status: 'open', company_id: tenant.companyId, channel_id: channel.id, external_id: '15557770123', participant_type: 'lead' },
      ]);
    });

    it("when the channel has a default agent, then a new conversation is assigned to it", async () => {
      await api().put(`/api/channels/${channel.id}`).set(admin()).send({ default_agent_id: tenant.agentId }).expect(200);
      const conversation = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
      expect(conversation).toMatchObject({ assigned_agent_id: tenant.agentId });
    });

    it('when a second open conversation is opened for the same channel and external_id, then 409 and only one is stored', async () => {
      const first = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
      const res = await api().post('/api/channels/conversations').set(admin()).send({ channel_id: channel.id, external_id: '15557770123' });
      expectErrorEnvelope(res, 409, 'CONVERSATION_ALREADY_OPEN');
      const pending = await api().post('/api/channels/conversations').set(admin()).send({ channel_id: channel.id, external_id: '15557770123', status: 'pending' });
      expectErrorEnvelope(pending, 409, 'CONVERSATION_ALREADY_OPEN');
      expect(await sql('SELECT id FROM conversations')).toEqual([{ id: first.id }]);
    });

    it('when the same conversation is opened by several requests at once, then exactly one 201 and the rest 409', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () => api().post('/api/channels/conversations').set(admin()).send({ channel_id: channel.id, external_id: '15557770123' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      expect(await sql('SELECT count(*)::int AS n FROM conversations')).toEqual([{ n: 1 }]);
    });

    it('when the open conversation is closed, then a new one can be opened for the same customer and the closed one is kept', async () => {
      const first = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
      const closed = await api().put(`/api/channels/conversations/${first.id}`).set(admin()).send({ status: 'closed' });
      expect(closed.status).toBe(200);
      const second = await api().post('/api/channels/conversations').set(admin()).send({ channel_id: channel.id, external_id: '15557770123' });
      expect(second.status).toBe(201);
      expect(second.body.data).toMatchObject({ status: 'open', external_id: '15557770123' });
      expect(second.body.data.id).not.toBe(first.id);
      expect(await sql('SELECT id, status FROM conversations ORDER BY created_at')).toEqual([
        { id: first.id, status: 'closed' },
        { id: second.body.data.id, status: 'open' },
      ]);
    });

    it('when a closed conversation is reopened while another is open for the same customer, then 409 and it stays closed', async () => {
      const first = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
      await api().put(`/api/channels/conversations/${first.id}`).set(admin()).send({ status: 'closed' }).expect(200);
      await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
      const res = await api().put(`/api/channels/conversations/${first.id}`).set(admin()).send({ status: 'open' });
      expectErrorEnvelope(res, 409, 'CONVERSATION_ALREADY_OPEN');
      expect(await sql('SELECT status FROM conversations WHERE id = $1', [first.id])).toEqual([{ status: 'closed' }]);
    });

    it('when the channel is unknown or deleted, then 404 and nothing is stored', async () => {
      const unknown = await api().post('/api/channels/conversations').set(admin()).send({ channel_id: '6d1f6a0e-0000-4000-8000-000000000000', external_id: '1555' });
      expectErrorEnvelope(unknown, 404, 'CHANNEL_NOT_FOUND');
      await api().delete(`/api/channels/${channel.id}`).set(admin()).expect(200);
      const deleted = await api().post('/api/channels/conversations').set(admin()).send({ channel_id: channel.id, external_id: '1555' });
      expectErrorEnvelope(deleted, 404, 'CHANNEL_NOT_FOUND');
      expect(await sql('SELECT id FROM conversations')).toHaveLength(0);
    });

    it.each([
      [{ external_id: '1555' }, 'channel_id'],
      [{ channel_id: 'not-a-uuid', external_id: '1555' }, 'channel_id'],
      [{ channel_id: '6d1f6a0e-0000-4000-8000-000000000000' }, 'external_id'],
      [{ channel_id: '6d1f6a0e-0000-4000-8000-000000000000', external_id: '1555', status: 'archived' }, 'status'],
      [{ channel_id: '6d1f6a0e-0000-4000-8000-000000000000', external_id: '1555', participant_type: 'robot' }, 'participant_type'],
      [{ channel_id: '6d1f6a0e-0000-4000-8000-000000000000', external_id: '1555', priority: 'high' }, 'priority'],
    ])('when the body is %j, then 400 naming %s', async (body, field) => {
      const res = await api().post('/api/channels/conversations').set(admin()).send(body);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
      expect(await sql('SELECT id FROM conversations')).toHaveLength(0);
    });
  });

  describe('update and assignment', () => {
    let conversation: { id: string };
    beforeEach(async () => {
      conversation = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
    });

    it('when the status and participant are changed, then 200 and the change is stored', async () => {
      const res = await api().put(`/api/channels/conversations/${conversation.id}`).set(admin()).send({ status: 'pending', participant_type: 'client', participant_meta: { vip: true } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, data: { id: conversation.id, status: 'pending', participant_type: 'client', participant_meta: { vip: true } } });
      expect(await sql('SELECT status, participant_type, participant_meta FROM conversations WHERE id = $1', [conversation.id])).toEqual([
        { status: 'pending', participant_type: 'client', participant_meta: { vip: true } },
      ]);
    });

    it('when an agent closes its conversation, then 200 (agents hold conversations:update)', async () => {
      const res = await api().put(`/api/channels/conversations/${conversation.id}`).set(bearer(tenant.agentToken)).send({ status: 'closed' });
      expect(res.status).toBe(200);
      expect(await sql('SELECT status FROM conversations WHERE id = $1', [conversation.id])).toEqual([{ status: 'closed' }]);
    });

    it.each([
      [{}, 'body'],
      [{ status: 'archived' }, 'status'],
      [{ channel_id: '6d1f6a0e-0000-4000-8000-000000000000' }, 'channel_id'],
      [{ assigned_agent_id: 1 }, 'assigned_agent_id'],
      [{ external_id: '999' }, 'external_id'],
    ])('when the update body is %j, then 400 naming %s and nothing changes', async (body, field) => {
      const before = await sql('SELECT * FROM conversations WHERE id = $1', [conversation.id]);
      const res = await api().put(`/api/channels/conversations/${conversation.id}`).set(admin()).send(body);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      if (field !== 'body') expect(errorFields(res)).toContain(field);
      expect(await sql('SELECT * FROM conversations WHERE id = $1', [conversation.id])).toEqual(before);
    });

    it('when an agent of the company is assigned, then 200 with assigned_agent_id, stored; unassign sets it back to null', async () => {
      const assigned = await api().put(`/api/channels/conversations/${conversation.id}/assign-agent`).set(admin()).send({ agent_id: tenant.agentId });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ success: true, data: { id: conversation.id, assigned_agent_id: tenant.agentId } });
      expect(await sql('SELECT assigned_agent_id FROM conversations WHERE id = $1', [conversation.id])).toEqual([{ assigned_agent_id: tenant.agentId }]);

      const unassigned = await api().put(`/api/channels/conversations/${conversation.id}/unassign-agent`).set(admin());
      expect(unassigned.status).toBe(200);
      expect(unassigned.body).toMatchObject({ success: true, data: { id: conversation.id, assigned_agent_id: null } });
      expect(await sql('SELECT assigned_agent_id FROM conversations WHERE id = $1', [conversation.id])).toEqual([{ assigned_agent_id: null }]);
    });

    it('when the agent is not in the company (or does not exist), then 400 naming agent_id and nothing is assigned', async () => {
      const other = await createTenant(ctx.app, 'Other');
      for (const agentId of [other.agentId, 999999]) {
        const res = await api().put(`/api/channels/conversations/${conversation.id}/assign-agent`).set(admin()).send({ agent_id: agentId });
        expectErrorEnvelope(res, 400, 'INVALID_AGENT');
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'agent_id' })]);
      }
      expect(await sql('SELECT assigned_agent_id FROM conversations WHERE id = $1', [conversation.id])).toEqual([{ assigned_agent_id: null }]);
    });

    it.each([[{}], [{ agent_id: 'bob' }], [{ agent_id: -1 }], [{ agent_id: 1.5 }]])('when the assign body is %j, then 400 naming agent_id', async (body) => {
      const res = await api().put(`/api/channels/conversations/${conversation.id}/assign-agent`).set(admin()).send(body);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain('agent_id');
    });

    it('when the conversation is unknown, then get, update, assign and unassign are 404', async () => {
      const id = '6d1f6a0e-0000-4000-8000-000000000000';
      for (const res of [
        await api().get(`/api/channels/conversations/${id}`).set(admin()),
        await api().put(`/api/channels/conversations/${id}`).set(admin()).send({ status: 'closed' }),
        await api().put(`/api/channels/conversations/${id}/assign-agent`).set(admin()).send({ agent_id: tenant.agentId }),
        await api().put(`/api/channels/conversations/${id}/unassign-agent`).set(admin()),
        await api().get(`/api/channels/conversations/${id}/messages`).set(admin()),
      ]) {
        expectErrorEnvelope(res, 404, 'CONVERSATION_NOT_FOUND');
      }
    });

    it('when the conversation is read, then 200 with its fields', async () => {
      const res = await api().get(`/api/channels/conversations/${conversation.id}`).set(bearer(tenant.agentToken));
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: conversation.id, status: 'open', channel_id: channel.id, company_id: tenant.companyId, external_id: '15557770123' });
    });
  });

  describe('list', () => {
    let ids: Record<string, string>;
    beforeEach(async () => {
      const open1 = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15550000001' });
      const open2 = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15550000002', assigned_agent_id: tenant.agentId });
      const pending = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15550000003', status: 'pending' });
      const closed = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15550000001', status: 'closed', assigned_agent_id: tenant.agentId });
      // A second channel of the same company, stored directly (the fake serves one phone number).
      const [other] = await sql<{ id: string }>(
        `INSERT INTO channels (company_id, name, type, provider, is_active, provider_account) VALUES ($1, 'SMS', 'SMS', 'CUSTOM', true, '+15550009999') RETURNING id`,
        [tenant.companyId],
      );
      const onOther = await createConversation(ctx.app, tenant.adminToken, { channel_id: other.id, external_id: '15550000001' });
      ids = { open1: open1.id, open2: open2.id, pending: pending.id, closed: closed.id, onOther: onOther.id, otherChannel: other.id };
      // Distinct, known creation times so the sort is checkable.
      const order = [ids.open1, ids.open2, ids.pending, ids.closed, ids.onOther];
      for (const [i, id] of order.entries()) {
        await sql(`UPDATE conversations SET created_at = $1, updated_at = $2, last_message_at = $3 WHERE id = $4`, [
          new Date(Date.UTC(2026, 0, 1 + i)),
          new Date(Date.UTC(2026, 5, 10 - i)),
          i === 2 ? null : new Date(Date.UTC(2026, 2, 1 + ((i * 3) % 5))),
          id,
        ]);
      }
    });
    const list = (query: Record<string, unknown>) => api().get('/api/channels/conversations').set(admin()).query(query);
    const idsOf = (res: request.Response) => res.body.data.items.map((c: any) => c.id);

    it('when filtered by channel_id, then only that channel\'s conversations are listed', async () => {
      const res = await list({ channel_id: ids.otherChannel });
      expect(res.status).toBe(200);
      expect(idsOf(res)).toEqual([ids.onOther]);
      expect(res.body.data.pagination.total).toBe(1);
      const first = await list({ channel_id: channel.id });
      expect(idsOf(first).sort()).toEqual([ids.open1, ids.open2, ids.pending, ids.closed].sort());
    });

    it('when filtered by status, then only conversations in that status are listed', async () => {
      expect(idsOf(await list({ status: 'closed' }))).toEqual([ids.closed]);
      expect(idsOf(await list({ status: 'pending' }))).toEqual([ids.pending]);
      expect(idsOf(await list({ status: 'open' })).sort()).toEqual([ids.open1, ids.open2, ids.onOther].sort());
    });

    it('when filtered by assigned_agent_id or external_id, then only matching conversations are listed', async () => {
      expect(idsOf(await list({ assigned_agent_id: tenant.agentId })).sort()).toEqual([ids.open2, ids.closed].sort());
      expect(idsOf(await list({ external_id: '15550000001' })).sort()).toEqual([ids.open1, ids.closed, ids.onOther].sort());
      expect(idsOf(await list({ external_id: '15550000001', status: 'open', channel_id: channel.id }))).toEqual([ids.open1]);
      const none = await list({ external_id: 'nobody' });
      expect(none.body.data).toEqual({ items: [], pagination: { total: 0, page: 1, limit: 20, totalPages: 0 } });
    });

    it('when sorted by created_at by default, then newest first; asc reverses it', async () => {
      const desc = await list({});
      expect(idsOf(desc)).toEqual([ids.onOther, ids.closed, ids.pending, ids.open2, ids.open1]);
      const asc = await list({ sortDir: 'asc' });
      expect(idsOf(asc)).toEqual([ids.open1, ids.open2, ids.pending, ids.closed, ids.onOther]);
    });

    it('when sorted by updated_at or last_message_at, then that field decides the order (conversations without messages last)', async () => {
      expect(idsOf(await list({ sortBy: 'updated_at', sortDir: 'asc' }))).toEqual([ids.onOther, ids.closed, ids.pending, ids.open2, ids.open1]);
      // last_message_at: i=0 -> Mar 1, i=1 -> Mar 4, i=2 -> null, i=3 -> Mar 5 (9 % 5 = 4), i=4 -> Mar 3 (12 % 5 = 2)
      expect(idsOf(await list({ sortBy: 'last_message_at', sortDir: 'desc' }))).toEqual([ids.closed, ids.open2, ids.onOther, ids.open1, ids.pending]);
      expect(idsOf(await list({ sortBy: 'last_message_at', sortDir: 'asc' }))).toEqual([ids.open1, ids.onOther, ids.open2, ids.closed, ids.pending]);
    });

    it('when paged, then the pages partition the list and pagination is reported', async () => {
      const p1 = await list({ limit: 2, page: 1, sortDir: 'asc' });
      const p3 = await list({ limit: 2, page: 3, sortDir: 'asc' });
      expect(p1.body.data.pagination).toEqual({ total: 5, page: 1, limit: 2, totalPages: 3 });
      expect(idsOf(p1)).toEqual([ids.open1, ids.open2]);
      expect(p3.body.data.pagination).toEqual({ total: 5, page: 3, limit: 2, totalPages: 3 });
      expect(idsOf(p3)).toEqual([ids.onOther]);
    });

    it.each([
      [{ limit: 101 }, 'limit'],
      [{ sortBy: 'name' }, 'sortBy'],
      [{ status: 'archived' }, 'status'],
      [{ channel_id: 'abc' }, 'channel_id'],
      [{ assigned_agent_id: 'me' }, 'assigned_agent_id'],
    ])('when the query is %j, then 400 naming %s', async (query, field) => {
      const res = await list(query);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
    });

    it("when the channel is deleted, then its conversations leave the list", async () => {
      await api().delete(`/api/channels/${ids.otherChannel}`).set(admin()).expect(200);
      const res = await list({});
      expect(idsOf(res)).not.toContain(ids.onOther);
      expect(res.body.data.pagination.total).toBe(4);
    });
  });

  describe('messages of a conversation', () => {
    /** Incoming messages posted out of order, plus one outgoing reply (timestamp = now). */
    async function seed() {
      // Days before now, so the reply (timestamp = now) is always the newest.
      const t = (day: number) => Math.floor(Date.now() / 1000) - (10 - day) * 86_400;
      for (const [id, day] of [['wamid.B', 2], ['wamid.C', 3], ['wamid.A', 1]] as const) {
        const res = await postMetaWebhook(ctx.app, metaTextWebhook({ id, timestamp: t(day), text: `text ${id}` }));
        expect(res.status).toBe(200);
      }
      const [conversation] = await sql<{ id: string }>('SELECT id FROM conversations');
      const sent = await sendAndSettle(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'reply' });
      expect(sent.status).toBe(201);
      return { conversationId: conversation.id, replyId: sent.body.data.id as string };
    }

    it('when listed without a sort, then the oldest message comes first', async () => {
      const { conversationId } = await seed();
      const res = await api().get(`/api/channels/conversations/${conversationId}/messages`).set(bearer(tenant.agentToken));
      expect(res.status).toBe(200);
      expect(res.body.data.items.map((m: any) => m.message)).toEqual(['text wamid.A', 'text wamid.B', 'text wamid.C', 'reply']);
      expect(res.body.data.items.map((m: any) => m.direction)).toEqual(['incoming', 'incoming', 'incoming', 'outgoing']);
      expect(res.body.data.pagination).toEqual({ total: 4, page: 1, limit: 20, totalPages: 1 });
      const timestamps = res.body.data.items.map((m: any) => Date.parse(m.timestamp));
      expect([...timestamps].sort((x, y) => x - y)).toEqual(timestamps);
    });

    it('when listed with sortDir desc, then the order is reversed', async () => {
      const { conversationId } = await seed();
      const asc = await api().get(`/api/channels/conversations/${conversationId}/messages`).set(admin());
      const desc = await api().get(`/api/channels/conversations/${conversationId}/messages`).set(admin()).query({ sortDir: 'desc' });
      expect(desc.status).toBe(200);
      expect(desc.body.data.items.map((m: any) => m.message)).toEqual(['reply', 'text wamid.C', 'text wamid.B', 'text wamid.A']);
      expect(desc.body.data.items.map((m: any) => m.id)).toEqual([...asc.body.data.items.map((m: any) => m.id)].reverse());
    });

    it('when paged, then each page holds the next oldest messages', async () => {
      const { conversationId } = await seed();
      const p2 = await api().get(`/api/channels/conversations/${conversationId}/messages`).set(admin()).query({ limit: 2, page: 2 });
      expect(p2.status).toBe(200);
      expect(p2.body.data.items.map((m: any) => m.message)).toEqual(['text wamid.C', 'reply']);
      expect(p2.body.data.pagination).toEqual({ total: 4, page: 2, limit: 2, totalPages: 2 });
    });

    it('when another conversation has messages, then they are not in this list', async () => {
      const { conversationId } = await seed();
      const other = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15550004444' });
      await sendMessage(ctx.app, tenant.adminToken, { conversation_id: other.id, message: 'elsewhere' }).expect(201);
      const res = await api().get(`/api/channels/conversations/${conversationId}/messages`).set(admin());
      expect(res.body.data.items.map((m: any) => m.message)).not.toContain('elsewhere');
      expect(res.body.data.items.every((m: any) => m.conversation_id === conversationId)).toBe(true);
      const empty = await api().get(`/api/channels/conversations/${other.id}/messages`).set(admin()).query({ sortBy: 'created_at' });
      expect(empty.body.data.items.map((m: any) => m.message)).toEqual(['elsewhere']);
    });

    it.each([[{ sortBy: 'status' }, 'sortBy'], [{ limit: 500 }, 'limit'], [{ sortDir: 'sideways' }, 'sortDir']])(
      'when the messages query is %j, then 400 naming %s',
      async (query, field) => {
        const conversation = await createConversation(ctx.app, tenant.adminToken, { channel_id: channel.id, external_id: '15557770123' });
        const res = await api().get(`/api/channels/conversations/${conversation.id}/messages`).set(admin()).query(query);
        expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
        expect(errorFields(res)).toContain(field);
      },
    );

    it('when the conversation id in the path is not a uuid, then 400 and nothing is read', async () => {
      const before = await tableCounts();
      const res = await api().get('/api/channels/conversations/123/messages').set(admin());
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain('conversationId');
      expect(await tableCounts()).toEqual(before);
    });
  });
});
