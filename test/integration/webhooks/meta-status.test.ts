import { waitForSettled } from '../../support/outbound';
import request from 'supertest';
import { fixture } from '../../support/fixtures';
import { createMetaChannel, createTenant, postMetaFixture, postMetaWebhook, type Tenant } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';

describe('Meta status webhooks', () => {
  const ctx = useAppWithGraph();
  let tenant: Tenant;


  /** A reply sent through the API: the fake Graph API gives it wamid.FIXTURE.OUT.1 (the fixtures' id). */
  async function sendReply(): Promise<string> {
    await postMetaFixture(ctx.app, 'text-message.json');
    const [conv] = await sql('SELECT id FROM conversations');
    const res = await request(ctx.app.url).post('/api/channels/messages').set('Authorization', `Bearer ${tenant.agentToken}`).send({ conversation_id: conv.id, message: 'Claro, te ayudo' });
    expect(res.status).toBe(201);
    expect(await waitForSettled(res.body.data.id)).toMatchObject({ status: 'SENT', external_id: 'wamid.FIXTURE.OUT.1' });
    return res.body.data.id;
  }

  const statusOf = async (id: string) => (await sql('SELECT status, error_code, error_message FROM messages WHERE id = $1', [id]))[0];

  beforeEach(async () => {
    await ctx.restartApp();
    tenant = await createTenant(ctx.app);
    await createMetaChannel(ctx.app, ctx.graph, tenant);
  });

  it('when sent, delivered and read arrive in order, then the message ends READ', async () => {
    const id = await sendReply();
    for (const f of ['status-sent.json', 'status-delivered.json', 'status-read.json']) expect((await postMetaFixture(ctx.app, f)).status).toBe(200);
    expect((await statusOf(id)).status).toBe('READ');
  });

  it('when delivered arrives after read, then the message stays READ and no status is emitted for it', async () => {
    const id = await sendReply();
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const statuses = collect(socket, 'message_status');
    await postMetaFixture(ctx.app, 'status-read.json');
    await postMetaFixture(ctx.app, 'status-delivered.json');
    await postMetaFixture(ctx.app, 'status-sent.json');
    await waitFor(() => statuses.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    expect((await statusOf(id)).status).toBe('READ');
    expect(statuses.map((s) => [s.previous_status, s.status])).toEqual([['SENT', 'READ']]);
    // Refused by the rule, not waiting for a message: nothing is parked.
    expect(await sql('SELECT * FROM orphan_statuses')).toEqual([]);
  });

  it('when the same status arrives twice, then it is applied and emitted once', async () => {
    await sendReply();
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const statuses = collect(socket, 'message_status');
    const res = await Promise.all([postMetaFixture(ctx.app, 'status-delivered.json'), postMetaFixture(ctx.app, 'status-delivered.json')]);
    expect(res.map((r) => r.status)).toEqual([200, 200]);
    await waitFor(() => statuses.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    expect(statuses).toHaveLength(1);
  });

  it('when failed arrives, then the message is FAILED with the provider code and title, and stays so', async () => {
    await postMetaFixture(ctx.app, 'text-message.json');
    const [conv] = await sql('SELECT id FROM conversations');
    ctx.graph.sendErrors = [];
    // The failed fixture refers to wamid.FIXTURE.OUT.2: the second send of the fake.
    const first = await request(ctx.app.url).post('/api/channels/messages').set('Authorization', `Bearer ${tenant.agentToken}`).send({ conversation_id: conv.id, message: 'one' });
    await waitForSettled(first.body.data.id);
    const second = await request(ctx.app.url).post('/api/channels/messages').set('Authorization', `Bearer ${tenant.agentToken}`).send({ conversation_id: conv.id, message: 'two' });
    expect((await waitForSettled(second.body.data.id)).external_id).toBe('wamid.FAKE.OUT.2');
    await sql(`UPDATE messages SET external_id = 'wamid.FIXTURE.OUT.2' WHERE id = $1`, [second.body.data.id]);
    expect((await postMetaFixture(ctx.app, 'status-failed.json')).status).toBe(200);
    expect(await statusOf(second.body.data.id)).toEqual({ status: 'FAILED', error_code: '131026', error_message: 'Message undeliverable' });
    const readLater = fixture('meta/status-read.json').toString().replace('wamid.FIXTURE.OUT.1', 'wamid.FIXTURE.OUT.2');
    expect((await postMetaWebhook(ctx.app, readLater)).status).toBe(200);
    expect((await statusOf(second.body.data.id)).status).toBe('FAILED');
  });

  it('when a status names an unknown message, then it is acknowledged and nothing changes', async () => {
    const res = await postMetaFixture(ctx.app, 'status-delivered.json');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ statusesApplied: 0, statusesIgnored: 1 });
    expect(await sql('SELECT id FROM messages')).toHaveLength(0);
  });

  it('when a status arrives before the send stored its wamid (Meta answering slower than its webhook), then it is kept and applied once the wamid is stored', async () => {
    const early = await postMetaFixture(ctx.app, 'status-delivered.json');
    expect(early.status).toBe(200);
    expect(await sql('SELECT external_id, status FROM orphan_statuses')).toEqual([{ external_id: 'wamid.FIXTURE.OUT.1', status: 'DELIVERED' }]);
    await postMetaFixture(ctx.app, 'text-message.json');
    const [conv] = await sql('SELECT id FROM conversations');
    const res = await request(ctx.app.url).post('/api/channels/messages').set('Authorization', `Bearer ${tenant.agentToken}`).send({ conversation_id: conv.id, message: 'Claro' });
    for (let i = 0; i < 250 && (await statusOf(res.body.data.id)).status !== 'DELIVERED'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await statusOf(res.body.data.id)).toMatchObject({ status: 'DELIVERED' });
    expect(await sql('SELECT * FROM orphan_statuses')).toEqual([]);
  });
});
