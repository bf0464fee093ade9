import request from 'supertest';
import { sendAndSettle } from '../../support/outbound';
import { bearer, metaTextWebhook } from '../../support/api-helpers';
import { EVENT_WEBHOOK_TEST_ENV, eventually, FakeEventReceiver, subscribe } from '../../support/fake-event-receiver';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaFixture, postMetaWebhook, type Tenant } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

const ALL_TYPES = ['message.received', 'message.status', 'conversation.created', 'conversation.updated', 'channel.status'];

describe('event webhook deliveries', () => {
  let app: TestApp;
  let graph: FakeGraphApi;
  let receiver: FakeEventReceiver;
  let tenant: Tenant;
  let channel: { id: string };

  const deliveries = () => sql('SELECT id, event_type, status, attempts, last_error, last_status_code, payload FROM webhook_deliveries ORDER BY seq');
  const types = () => receiver.accepted().map((b) => b.type);
  const textFrom = (from: string, id: string, text: string) => postMetaWebhook(app, metaTextWebhook({ id, from, text, timestamp: 1767225600 }));

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    receiver = await new FakeEventReceiver().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, ...EVENT_WEBHOOK_TEST_ENV });
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.stop();
    await graph?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    graph.reset();
    receiver.reset();
    await receiver.up().catch(() => undefined);
    tenant = await createTenant(app);
    channel = await createMetaChannel(app, graph, tenant);
  });

  it('when a new customer writes, then conversation.created and message.received are POSTed signed, in order, with event and delivery headers', async () => {
    const hook = await subscribe(app, tenant.adminToken, receiver.url, ALL_TYPES);
    expect((await postMetaFixture(app, 'text-message.json')).status).toBe(200);
    await eventually(() => receiver.accepted().length === 2, 5000, 'two deliveries');
    expect(types()).toEqual(['conversation.created', 'message.received']);
    const rows = await deliveries();
    for (const [i, got] of receiver.received.entries()) {
      expect(got.signatureValid).toBe(true);
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['x-axi-event']).toBe(got.body.type);
      expect(got.headers['x-axi-delivery']).toBe(rows[i].id);
      expect(Object.keys(got.body)).toEqual(['id', 'type', 'created_at', 'company_id', 'data']);
      expect(got.body.company_id).toBe(tenant.companyId);
    }
    const [created, received] = receiver.accepted();
    expect(created.data).toMatchObject({ change: 'created', conversation: { external_id: '15557770123', channel_id: channel.id } });
    expect(received.data.message).toMatchObject({ external_id: 'wamid.FIXTURE.TEXT.1', direction: 'incoming', message: 'Hola, necesito ayuda con mi pedido' });
    await eventually(async () => (await deliveries()).every((d) => d.status === 'delivered'), 3000, 'rows delivered');
    const page = await request(app.url).get(`/api/webhooks/${hook.id}/deliveries`).query({ status: 'delivered' }).set(bearer(tenant.adminToken));
    expect(page.status).toBe(200);
    expect(page.body.data.pagination.total).toBe(2);
    expect(page.body.data.items[0]).toMatchObject({ status: 'delivered', attempts: 1, last_error: null, last_status_code: 200, next_attempt_at: null, subscription_id: hook.id });
  });

  it('when a reply is sent, Meta reports it delivered, the conversation changes and the channel is deactivated, then message.status, conversation.updated and channel.status arrive', async () => {
    await subscribe(app, tenant.adminToken, receiver.url, ['message.status', 'conversation.updated', 'channel.status']);
    await postMetaFixture(app, 'text-message.json');
    const [conv] = await sql('SELECT id FROM conversations');
    const sent = await sendAndSettle(app, tenant.agentToken, { conversation_id: conv.id, message: 'Hola Maria' });
    expect(sent.body.data.status).toBe('SENT');
    expect((await postMetaFixture(app, 'status-delivered.json')).status).toBe(200);
    expect((await request(app.url).put(`/api/channels/conversations/${conv.id}`).set(bearer(tenant.adminToken)).send({ status: 'pending' })).status).toBe(200);
    expect((await request(app.url).put(`/api/channels/${channel.id}/deactivate`).set(bearer(tenant.adminToken))).status).toBe(200);
    await eventually(() => receiver.accepted().length === 4, 5000, 'four deliveries');
    const bodies = receiver.accepted();
    const statuses = bodies.filter((b) => b.type === 'message.status').map((b) => [b.data.previous_status, b.data.status]);
    expect(statuses).toEqual([['PENDING', 'SENT'], ['SENT', 'DELIVERED']]);
    expect(bodies.find((b) => b.type === 'message.status').data).toMatchObject({ message_id: sent.body.data.id, conversation_id: conv.id, channel_id: channel.id });
    expect(bodies.find((b) => b.type === 'conversation.updated').data).toMatchObject({ change: 'status', conversation: { id: conv.id, status: 'pending' } });
    expect(bodies.find((b) => b.type === 'channel.status').data).toMatchObject({ channel_id: channel.id, is_active: false, reason: 'deactivated' });
  });

  it('when a company has no subscription for a type or the event is another company\'s, then nothing is delivered for it', async () => {
    const other = await createTenant(app, 'Globex');
    await subscribe(app, other.adminToken, receiver.url, ALL_TYPES);
    await subscribe(app, tenant.adminToken, receiver.url, ['channel.status']);
    await postMetaFixture(app, 'text-message.json');
    await request(app.url).put(`/api/channels/${channel.id}/deactivate`).set(bearer(tenant.adminToken));
    await eventually(() => receiver.accepted().length >= 1, 5000, 'the channel.status delivery');
    await new Promise((r) => setTimeout(r, 300));
    expect(types()).toEqual(['channel.status']);
    expect((await deliveries()).map((d) => d.event_type)).toEqual(['channel.status']);
  });

  it('when the receiver is down, then the delivery is retried with the error recorded, and delivered once it is back up', async () => {
    await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    await receiver.down();
    await postMetaFixture(app, 'text-message.json');
    await eventually(async () => (await deliveries())[0]?.attempts >= 2, 5000, 'two failed attempts');
    const [failing] = await deliveries();
    expect(failing).toMatchObject({ status: 'pending', last_status_code: null });
    expect(failing.last_error).toMatch(/ECONNREFUSED/);
    await receiver.up();
    await eventually(async () => (await deliveries())[0]?.status === 'delivered', 5000, 'delivered after the outage');
    expect(receiver.accepted()).toHaveLength(1);
    expect((await deliveries())[0]).toMatchObject({ last_error: null, last_status_code: 200 });
  });

  it('when the first attempt of a conversation\'s event fails, then the next event of that conversation waits for it (order kept)', async () => {
    await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    receiver.statuses.push(500);
    await textFrom('15557770123', 'wamid.ORDER.1', 'first');
    await textFrom('15557770123', 'wamid.ORDER.2', 'second');
    await eventually(() => receiver.accepted().length === 2, 5000, 'both delivered');
    expect(receiver.received.map((r) => [r.body.data.message.external_id, r.answered])).toEqual([
      ['wamid.ORDER.1', 500],
      ['wamid.ORDER.1', 200],
      ['wamid.ORDER.2', 200],
    ]);
  });

  it('when one conversation\'s event keeps failing, then other conversations are not held back, and its next event goes only after it is dead', async () => {
    await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    receiver.decide = (body) => (body?.data?.message?.external_id === 'wamid.STUCK.1' ? 503 : undefined);
    await textFrom('15557770123', 'wamid.STUCK.1', 'stuck');
    await textFrom('15557770123', 'wamid.STUCK.2', 'after stuck');
    await textFrom('15557770999', 'wamid.OTHER.1', 'other customer');
    await eventually(() => receiver.accepted().length === 2, 8000, 'the other two delivered');
    const ids = receiver.received.map((r) => r.body.data.message.external_id);
    expect(ids.filter((id) => id === 'wamid.STUCK.1')).toHaveLength(4);
    expect(ids.indexOf('wamid.STUCK.2')).toBeGreaterThan(ids.lastIndexOf('wamid.STUCK.1'));
    expect(ids.indexOf('wamid.OTHER.1')).toBeLessThan(ids.lastIndexOf('wamid.STUCK.1'));
  });

  it('when a delivery fails every attempt, then it is dead with its attempts and last error, and a replay delivers it', async () => {
    const hook = await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    receiver.fallback = 500;
    await postMetaFixture(app, 'text-message.json');
    await eventually(async () => (await deliveries())[0]?.status === 'dead', 5000, 'dead');
    expect(receiver.received).toHaveLength(4);
    const dead = await request(app.url).get(`/api/webhooks/${hook.id}/deliveries`).query({ status: 'dead' }).set(bearer(tenant.adminToken));
    expect(dead.body.data.items).toEqual([expect.objectContaining({ status: 'dead', attempts: 4, last_error: 'HTTP 500', last_status_code: 500, next_attempt_at: null })]);
    expect((await request(app.url).get(`/api/webhooks/${hook.id}/deliveries`).query({ status: 'pending' }).set(bearer(tenant.adminToken))).body.data.items).toEqual([]);

    receiver.fallback = 200;
    const id = dead.body.data.items[0].id;
    const replay = await request(app.url).post(`/api/webhooks/${hook.id}/deliveries/${id}/replay`).set(bearer(tenant.adminToken));
    expect(replay.status).toBe(200);
    expect(replay.body.data).toMatchObject({ id, status: 'pending', attempts: 0 });
    await eventually(async () => (await deliveries())[0]?.status === 'delivered', 5000, 'delivered after replay');
    expect((await deliveries())[0]).toMatchObject({ attempts: 1, last_error: null });
    expect(receiver.accepted().map((b) => b.id)).toEqual([receiver.received[0].body.id]);
    expect(new Set(receiver.received.map((r) => r.headers['x-axi-delivery']))).toEqual(new Set([id]));
  });

  it('when a pending delivery is replayed, then it is a 409 and nothing changes', async () => {
    const hook = await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    const [row] = await sql(
      `INSERT INTO webhook_deliveries (subscription_id, company_id, event_id, event_type, ordering_key, payload, attempts, next_attempt_at)
       VALUES ($1, $2, gen_random_uuid(), 'message.received', 'k', '{}', 2, now() + interval '1 hour') RETURNING id`,
      [hook.id, tenant.companyId],
    );
    const res = await request(app.url).post(`/api/webhooks/${hook.id}/deliveries/${row.id}/replay`).set(bearer(tenant.adminToken));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('DELIVERY_PENDING');
    expect((await deliveries())[0]).toMatchObject({ status: 'pending', attempts: 2 });
  });

  it('when many events are published at once (one batched insert), then their deliveries keep the publish order and each subscription gets every one', async () => {
    const first = await subscribe(app, tenant.adminToken, receiver.url, ['conversation.updated']);
    const second = await subscribe(app, tenant.adminToken, receiver.url, ['conversation.updated']);
    receiver.fallback = 500;
    await textFrom('15557770123', 'wamid.BATCH1', 'hola');
    const [conv] = await sql('SELECT * FROM conversations');
    const entity = { ...conv, id: conv.id, companyId: tenant.companyId, channelId: channel.id, externalId: conv.external_id, createdAt: new Date(), updatedAt: new Date() };
    for (let i = 0; i < 30; i++) app.container.publisher.conversationUpdated(entity as never, `change-${i}`);
    await app.container.publisher.durable();
    for (const hook of [first, second]) {
      const rows = await sql(`SELECT payload->'data'->>'change' AS change FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY seq`, [hook.id]);
      expect(rows.map((r) => r.change)).toEqual(Array.from({ length: 30 }, (_, i) => `change-${i}`));
    }
  });
});
