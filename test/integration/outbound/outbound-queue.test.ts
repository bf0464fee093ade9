import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { sendMessage } from '../../support/api-helpers';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { EventLog, emitWithAck, openSocket, closeOpenSockets } from '../../support/gateway-client';
import { waitForSettled } from '../../support/outbound';
import { metaConversation, type Tenant } from '../../support/scenario';
import { waitFor } from '../../support/socket-client';
import { sql, startTestApp, type TestApp } from '../../support/test-app';

// The same behaviour on both queue backends: BullMQ (REDIS_URL set) and the database queue (REDIS_URL='').
const BACKENDS: [string, string | undefined][] = [
  ['BullMQ on Redis', process.env.TEST_REDIS_URL],
  ['the database queue', ''],
];
const RATE = 5;

describe.each(BACKENDS)('outbound queue on %s', (_name, redisUrl) => {
  let app: TestApp;
  let graph: FakeGraphApi;
  let tenant: Tenant;
  let channel: { id: string };
  let conversationId: string;

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    app = await startTestApp({
      META_GRAPH_BASE_URL: graph.url,
      REDIS_URL: redisUrl,
      OUTBOUND_MAX_ATTEMPTS: '4',
      OUTBOUND_BREAKER_THRESHOLD: '3',
      OUTBOUND_BREAKER_COOLDOWN_MS: '300',
      OUTBOUND_RATE_META: String(RATE),
    });
  });
  afterAll(async () => {
    closeOpenSockets();
    await app?.stop();
    await graph?.stop();
  });
  beforeEach(async () => {
    ({ tenant, channel, conversationId } = await metaConversation(app, graph));
  });

  const send = async (message = 'Hola') => {
    const res = await sendMessage(app, tenant.agentToken, { conversation_id: conversationId, message });
    expect(res.status).toBe(201);
    expect(res.body.data.status).toBe('PENDING');
    return res.body.data.id as string;
  };
  const messageSocket = async (): Promise<EventLog> => new EventLog(await openSocket(app.url, '/message', { token: tenant.adminToken }));

  it('when Graph answers 503 then 429/130429, then the queue retries with backoff and the message ends SENT after three calls', async () => {
    graph.sendErrors.push({ status: 503, code: 2, message: 'Service temporarily unavailable' }, { status: 429, code: 130429, message: 'Rate limit hit' });
    const id = await send();
    expect(await waitForSettled(id)).toMatchObject({ status: 'SENT', external_id: 'wamid.FIXTURE.OUT.1', error_code: null });
    expect(graph.sends()).toHaveLength(3);
  });

  it('when Graph answers the permanent 131026, then the message fails at once with one call', async () => {
    graph.sendErrors.push({ status: 400, code: 131026, message: 'Message undeliverable' });
    const id = await send();
    expect(await waitForSettled(id)).toMatchObject({ status: 'FAILED', error_code: '131026', error_message: expect.stringContaining('Message undeliverable') });
    expect(graph.sends()).toHaveLength(1);
  });

  it('when every attempt fails with 500, then after OUTBOUND_MAX_ATTEMPTS calls it is FAILED with the reason and message_status tells the agents', async () => {
    const log = await messageSocket();
    graph.sendErrors.push(...Array.from({ length: 6 }, () => ({ status: 500, code: 1, message: 'An unknown error occurred' })));
    const id = await send();
    expect(await waitForSettled(id)).toMatchObject({ status: 'FAILED', error_code: '1', error_message: expect.stringContaining('after 4 attempts') });
    expect(graph.sends()).toHaveLength(4);
    await waitFor(() => log.of('message_status').length > 0, 3000, 'message_status');
    expect(log.of('message_status')).toEqual([expect.objectContaining({ message_id: id, status: 'FAILED', previous_status: 'PENDING', error_code: '1' })]);
  });

  it('when a message is enqueued again while and after it is sent, then Graph gets it exactly once', async () => {
    const id = await send();
    await Promise.all([app.container.outboundQueue.enqueue(id, channel.id), app.container.outboundWorker.recover()]);
    expect((await waitForSettled(id)).status).toBe('SENT');
    await app.container.outboundQueue.enqueue(id, channel.id);
    await app.container.outboundWorker.recover();
    await new Promise((r) => setTimeout(r, 300));
    expect(graph.sends()).toHaveLength(1);
  });

  it(`when 15 messages are sent at once to a channel limited to ${RATE}/s, then Graph never sees more than the burst plus ${RATE}/s`, async () => {
    const ids = await Promise.all(Array.from({ length: 15 }, (_, i) => send(`m${i}`)));
    for (const id of ids) expect((await waitForSettled(id, 15_000)).status).toBe('SENT');
    const times = graph.sends().map((s) => s.at).sort((a, b) => a - b);
    expect(times).toHaveLength(15);
    // Token bucket: any run of sends from i to j fits burst + rate * elapsed (250 ms for the delay between the grant and the request reaching the fake on a busy machine).
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) expect(j - i + 1).toBeLessThanOrEqual(RATE + Math.floor((RATE * (times[j] - times[i] + 250)) / 1000));
    }
    expect(times[14] - times[0]).toBeGreaterThanOrEqual(1700);
  });

  it('when the channel sets config.send_rate_per_second below the default, then its own rate holds', async () => {
    const updated = await request(app.url).put(`/api/channels/${channel.id}`).set('Authorization', `Bearer ${tenant.adminToken}`).send({ config: { send_rate_per_second: 2 } });
    expect(updated.status).toBe(200);
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => send(`r${i}`)));
    for (const id of ids) expect((await waitForSettled(id, 15_000)).status).toBe('SENT');
    const times = graph.sends().map((s) => s.at).sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) expect(j - i + 1).toBeLessThanOrEqual(2 + Math.floor((2 * (times[j] - times[i] + 250)) / 1000));
    }
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(1500);
    const bad = await request(app.url).put(`/api/channels/${channel.id}`).set('Authorization', `Bearer ${tenant.adminToken}`).send({ config: { send_rate_per_second: 0 } });
    expect(bad.status).toBe(400);
  });

  it('when three sends in a row fail, then the channel circuit opens, a probe after the cool-down succeeds and it closes, with channel.status.updated each time', async () => {
    const socket: Socket = await openSocket(app.url, '/channel', { token: tenant.agentToken });
    expect(await emitWithAck(socket, 'channel.join', [{ channelId: channel.id }])).toMatchObject({ success: true });
    const log = new EventLog(socket);
    graph.sendErrors.push(...Array.from({ length: 3 }, () => ({ status: 503, code: 2, message: 'Service temporarily unavailable' })));
    const id = await send();
    expect((await waitForSettled(id)).status).toBe('SENT');
    await waitFor(() => log.of('channel.status.updated').length >= 2, 3000, 'circuit events');
    expect(log.of('channel.status.updated').map((e) => e.reason)).toEqual(['circuit_open', 'circuit_closed']);
    const times = graph.sends().map((s) => s.at);
    expect(times).toHaveLength(4);
    expect(times[3] - times[2]).toBeGreaterThanOrEqual(280);
  });
});
