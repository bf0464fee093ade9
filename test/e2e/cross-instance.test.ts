import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { FakeGraphApi } from '../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../support/scenario';
import { connectSocket, waitFor } from '../support/socket-client';
import { startInstance as startProcess, stopInstance, type Instance } from '../support/instance-process';
import { resetDatabase } from '../support/test-app';

const startInstance = (name: string, graphUrl: string, dataDir: string) => startProcess(name, dataDir, { META_GRAPH_BASE_URL: graphUrl });

/** Every event a socket receives, in order, with its payload. */
function record(socket: Socket): { event: string; payload: any }[] {
  const seen: { event: string; payload: any }[] = [];
  socket.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  return seen;
}

const named = (seen: { event: string; payload: any }[], event: string) => seen.filter((e) => e.event === event).map((e) => e.payload);

describe('two server processes on one PostgreSQL and one Redis (Socket.IO Redis adapter)', () => {
  let graph: FakeGraphApi;
  let dataDir: string;
  let a: Instance | undefined;
  let b: Instance | undefined;
  let tenant: Tenant;
  let other: Tenant;
  let channelId: string;
  const sockets: Socket[] = [];
  const connect = async (instance: Instance, namespace: string, tokenValue: string) => {
    const socket = await connectSocket(instance.url, namespace, { token: tokenValue });
    sockets.push(socket);
    return socket;
  };

  // Sockets on B, opened in the first test and checked again in the second.
  let bMessage: Socket;
  let bChannel: Socket;
  let bSystem: Socket;
  let bMessageSeen: { event: string; payload: any }[];
  let bChannelSeen: { event: string; payload: any }[];
  let otherSeen: { event: string; payload: any }[];
  const disconnects: string[] = [];

  beforeAll(async () => {
    await resetDatabase();
    graph = await new FakeGraphApi().start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-xinst-'));
    [a, b] = await Promise.all([startInstance('a', graph.url, dataDir), startInstance('b', graph.url, dataDir)]);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await graph?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('when a webhook and a deactivation are handled by instance A, then the company\'s sockets on instance B get message_received and the channel.* events, and another company\'s sockets on B get nothing', async () => {
    tenant = await createTenant(a!.app, 'Acme');
    other = await createTenant(a!.app, 'Globex');
    channelId = (await createMetaChannel(a!.app, graph, tenant)).id;

    bMessage = await connect(b!, '/message', tenant.agentToken);
    bChannel = await connect(b!, '/channel', tenant.agentToken);
    bSystem = await connect(b!, '/system', tenant.adminToken);
    const otherMessage = await connect(b!, '/message', other.adminToken);
    const otherChannel = await connect(b!, '/channel', other.adminToken);
    for (const s of [bMessage, bChannel, bSystem]) s.on('disconnect', (reason) => disconnects.push(reason));

    // The sockets really are on B: B answers with its own instance id.
    const health = await bSystem.timeout(5000).emitWithAck('health_check', {});
    expect(health).toMatchObject({ success: true, data: { database: 'up', store: 'up', store_kind: 'redis', runtime: { instance_id: 'xinst-b' } } });

    const joined = await bChannel.timeout(5000).emitWithAck('channel.join', { channelId });
    expect(joined).toMatchObject({ success: true, data: { channelId, is_active: true } });
    // The other company cannot join the channel (404, never told apart from a missing one).
    const refused = await otherChannel.timeout(5000).emitWithAck('channel.join', { channelId });
    expect(refused).toEqual({ success: false, error: 'Channel not found', code: 'CHANNEL_NOT_FOUND' });

    bMessageSeen = record(bMessage);
    bChannelSeen = record(bChannel);
    otherSeen = [];
    for (const s of [otherMessage, otherChannel]) s.onAny((event: string, payload: unknown) => otherSeen.push({ event, payload }));

    // 1. A customer writes: the webhook is handled by A, the agents are on B.
    expect((await postMetaFixture(a!.app, 'text-message.json')).status).toBe(200);
    await waitFor(() => named(bMessageSeen, 'message_received').length === 1, 5000, 'message_received on B');
    await waitFor(() => named(bChannelSeen, 'channel.message.received').length === 1, 5000, 'channel.message.received on B');
    const [received] = named(bMessageSeen, 'message_received');
    expect(received.message).toMatchObject({
      external_id: 'wamid.FIXTURE.TEXT.1',
      channel_id: channelId,
      company_id: tenant.companyId,
      direction: 'incoming',
      status: 'RECEIVED',
      message: 'Hola, necesito ayuda con mi pedido',
    });
    expect(received.conversation).toMatchObject({ id: received.message.conversation_id, channel_id: channelId, company_id: tenant.companyId, status: 'open' });
    const [onChannel] = named(bChannelSeen, 'channel.message.received');
    expect(onChannel).toMatchObject({ channelId, message: { id: received.message.id }, conversation: { id: received.conversation.id } });
    expect(new Date(onChannel.timestamp).toISOString()).toBe(onChannel.timestamp);

    // A created the channel and holds its lease: B takes a reply for it and names A as the runner.
    const auth = { Authorization: `Bearer ${tenant.adminToken}` };
    expect((await request(b!.url).post('/api/channels/messages').set(auth).send({ conversation_id: received.conversation.id, message: 'Hola' })).status).toBe(201);
    expect((await request(b!.url).get(`/api/channels/${channelId}`).set(auth)).body.data).toMatchObject({ runtime_status: 'ready', owner_instance: 'xinst-a' });

    // 2. An admin deactivates the channel through A's REST API.
    const deactivated = await request(a!.url).put(`/api/channels/${channelId}/deactivate`).set('Authorization', `Bearer ${tenant.adminToken}`);
    expect(deactivated.status).toBe(200);
    await waitFor(() => named(bChannelSeen, 'channel.status.updated').length === 1, 5000, 'channel.status.updated on B');
    await waitFor(() => named(bChannelSeen, 'channel.stopped').length === 1, 5000, 'channel.stopped on B');
    expect(named(bChannelSeen, 'channel.status.updated')[0]).toMatchObject({ channelId, is_active: false, reason: 'deactivated', status: 'stopped', running: false, authenticated: false });
    expect(named(bChannelSeen, 'channel.stopped')[0]).toMatchObject({ channelId, status: 'stopped', running: false, authenticated: false });
    // The provider is stopped before the stored state is announced.
    expect(bChannelSeen.map((e) => e.event)).toEqual(['channel.message.received', 'channel.stopped', 'channel.status.updated']);
    // Once A gave the lease up, B sees the channel run nowhere.
    const deadline = Date.now() + 5000;
    let bRuntime = '';
    while (Date.now() < deadline && (bRuntime = (await request(b!.url).get(`/api/channels/${channelId}`).set(auth)).body.data.runtime_status) !== 'stopped') {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(bRuntime).toBe('stopped');
    expect(named(bChannelSeen, 'channel.stopped')).toHaveLength(1);

    // Whatever is still in flight has had time to arrive: the other company heard nothing at all.
    await new Promise((r) => setTimeout(r, 500));
    expect(otherSeen).toEqual([]);
    expect(named(bMessageSeen, 'message_received')).toHaveLength(1);
    expect(disconnects).toEqual([]);
  }, 40_000);

  it('when instance A gets SIGTERM, then only A\'s sockets are told and disconnected; B\'s sockets stay connected and keep receiving events', async () => {
    const onA = await connect(a!, '/message', tenant.agentToken);
    const aSeen = record(onA);
    const aDisconnect = new Promise<string>((resolve) => onA.once('disconnect', resolve));

    expect(await stopInstance(a)).toBe(0);
    // The notice arrives; the disconnect packet after it may be cut by the closing engine, so the
    // client sees either reason (with "transport close" socket.io-client reconnects by itself).
    expect(['io server disconnect', 'transport close']).toContain(await aDisconnect);
    expect(named(aSeen, 'server_shutdown')).toEqual([{ reason: 'Server shutting down' }]);

    // Give a stray cross-instance disconnect or shutdown notice time to arrive on B.
    await new Promise((r) => setTimeout(r, 500));
    expect(disconnects).toEqual([]);
    expect([bMessage.connected, bChannel.connected, bSystem.connected]).toEqual([true, true, true]);
    expect(named([...bMessageSeen, ...bChannelSeen], 'server_shutdown')).toEqual([]);

    // B still serves its sockets and pushes to them.
    const pong = await bSystem.timeout(5000).emitWithAck('ping', { timestamp: 42 });
    expect(pong).toMatchObject({ success: true, data: { timestamp: 42, serverTime: expect.any(Number) } });
    const activated = await request(b!.url).put(`/api/channels/${channelId}/activate`).set('Authorization', `Bearer ${tenant.adminToken}`);
    expect(activated.status).toBe(200);
    await waitFor(() => named(bChannelSeen, 'channel.status.updated').length === 2, 5000, 'channel.status.updated after activation on B');
    expect(named(bChannelSeen, 'channel.status.updated')[1]).toMatchObject({ channelId, is_active: true, reason: 'activated', status: 'ready', running: true });
    // A released its leases when it stopped, so B runs the channel now.
    expect(named(bChannelSeen, 'channel.started')).toHaveLength(1);
    expect((await request(b!.url).get(`/api/channels/${channelId}`).set('Authorization', `Bearer ${tenant.adminToken}`)).body.data.owner_instance).toBe('xinst-b');
    expect(otherSeen).toEqual([]);
    // Nothing unexpected was logged at warn level or above by A during its shutdown.
    expect(a!.output()).toBe('');
  }, 40_000);
});
