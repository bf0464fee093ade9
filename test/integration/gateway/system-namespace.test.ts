import { EventLog, emitWithAck, nextEvent, openSocket, settle } from '../../support/gateway-client';
import { useGatewaySuite } from '../../support/gateway-suite';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { createScriptedChannel } from '../../support/scripted-provider';
import { waitFor } from '../../support/socket-client';

const NAMESPACES = ['/auth', '/channel', '/message', '/system'];
const counters = { connectedSockets: expect.any(Number), rooms: expect.any(Number), eventsIn: expect.any(Number), eventsOut: expect.any(Number) };

describe('/system namespace', () => {
  const ctx = useGatewaySuite();
  let a: Tenant;
  let b: Tenant;

  beforeEach(async () => {
    a = await createTenant(ctx.app, 'Acme');
    b = await createTenant(ctx.app, 'Bravo');
  });

  const system = (token: string) => openSocket(ctx.app.url, '/system', { token });

  it('when a socket sends health_check, then it gets health_response with status, database, store, runtime and uptime (and the ack)', async () => {
    await createScriptedChannel(ctx.app, a);
    const socket = await system(a.agentToken);
    const event = nextEvent(socket, 'health_response');
    const ack = await emitWithAck(socket, 'health_check');
    const health = await event;
    expect(health).toEqual({
      status: 'ok',
      database: 'up',
      store: 'up',
      store_kind: 'redis',
      runtime: { instance_id: expect.any(String), active_channels: expect.any(Number) },
      uptime_s: expect.any(Number),
    });
    expect(health.runtime.active_channels).toBeGreaterThanOrEqual(1);
    expect(health.uptime_s).toBeGreaterThanOrEqual(0);
    expect(ack).toEqual({ success: true, data: health });
  });

  it('when health_check comes with odd arguments, then it is still answered', async () => {
    const socket = await system(a.agentToken);
    for (const args of [['x'], [null], [{ deep: { a: 1 } }], [42]]) {
      const event = nextEvent(socket, 'health_response');
      socket.emit('health_check', ...args);
      expect(await event).toMatchObject({ status: 'ok' });
    }
    expect(socket.connected).toBe(true);
  });

  it('when a socket sends ping {timestamp: 123}, then it gets pong echoing 123 with the server time (and the ack)', async () => {
    const socket = await system(a.agentToken);
    const event = nextEvent(socket, 'pong');
    const before = Date.now();
    const ack = await emitWithAck(socket, 'ping', [{ timestamp: 123 }]);
    const after = Date.now();
    const pong = await event;
    expect(pong).toEqual({ timestamp: 123, serverTime: expect.any(Number) });
    expect(pong.serverTime).toBeGreaterThanOrEqual(before - 5);
    expect(pong.serverTime).toBeLessThanOrEqual(after + 5);
    expect(ack).toEqual({ success: true, data: pong });
  });

  it.each([
    ['no payload', []],
    ['a string', ['hello']],
    ['null', [null]],
    ['an object without timestamp', [{ other: 1 }]],
  ])('when ping comes with %s, then pong answers with a null timestamp and the server time', async (_what, args) => {
    const socket = await system(a.agentToken);
    const event = nextEvent(socket, 'pong');
    socket.emit('ping', ...(args as unknown[]));
    expect(await event).toEqual({ timestamp: null, serverTime: expect.any(Number) });
    expect(socket.connected).toBe(true);
  });

  it('when a superadmin asks stats, then stats_response lists the four namespaces, and the counters grow with sockets, rooms and events', async () => {
    const meta = await createMetaChannel(ctx.app, ctx.graph, a);
    const admin = await system(ctx.app.token({ sub: 1, company_id: a.companyId, role: 'superadmin' }));
    const stats = async () => {
      const event = nextEvent(admin, 'stats_response');
      const ack = await emitWithAck(admin, 'stats');
      const payload = await event;
      expect(ack).toEqual({ success: true, data: payload });
      return payload;
    };

    const first = await stats();
    expect(first).toEqual({ timestamp: expect.stringMatching(/^\d{4}-/), namespaces: Object.fromEntries(NAMESPACES.map((n) => [n, counters])) });
    expect(first.namespaces['/system'].connectedSockets).toBeGreaterThanOrEqual(1);

    const messageA = await openSocket(ctx.app.url, '/message', { token: a.agentToken });
    await openSocket(ctx.app.url, '/message', { token: b.agentToken });
    const channel = await openSocket(ctx.app.url, '/channel', { token: a.agentToken });
    await openSocket(ctx.app.url, '/auth');
    expect(await emitWithAck(channel, 'channel.join', [{ channelId: meta.id }])).toMatchObject({ success: true });
    expect(await emitWithAck(messageA, 'send_message', [{}])).toMatchObject({ success: false });
    const received = new EventLog(messageA);
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    await waitFor(() => received.of('message_received').length === 1, 3000, 'message_received');

    const second = await stats();
    const d = (ns: string, key: string) => second.namespaces[ns][key] - first.namespaces[ns][key];
    expect(d('/message', 'connectedSockets')).toBe(2);
    expect(d('/channel', 'connectedSockets')).toBe(1);
    expect(d('/auth', 'connectedSockets')).toBe(1);
    expect(d('/message', 'rooms')).toBe(2); // company:A and company:B
    expect(d('/channel', 'rooms')).toBe(1); // channel:<meta>
    expect(d('/message', 'eventsIn')).toBeGreaterThanOrEqual(1);
    expect(d('/message', 'eventsOut')).toBeGreaterThanOrEqual(2); // message_error, message_received
    expect(d('/channel', 'eventsIn')).toBeGreaterThanOrEqual(1);
    expect(d('/channel', 'eventsOut')).toBeGreaterThanOrEqual(2); // channel.joined, channel.message.received
    expect(d('/system', 'eventsIn')).toBeGreaterThanOrEqual(1); // the first stats request
    expect(d('/system', 'eventsOut')).toBeGreaterThanOrEqual(1); // the first stats_response

    messageA.close();
    channel.close();
    await settle(200);
    const third = await stats();
    expect(third.namespaces['/message'].connectedSockets).toBe(second.namespaces['/message'].connectedSockets - 1);
    expect(third.namespaces['/message'].rooms).toBe(second.namespaces['/message'].rooms - 1);
    expect(third.namespaces['/channel'].rooms).toBe(second.namespaces['/channel'].rooms - 1);
  });

  it('when a superadmin asks stats, then it gets stats_response', async () => {
    const socket = await system(ctx.app.token({ sub: 1, company_id: a.companyId, role: 'superadmin' }));
    expect(await emitWithAck(socket, 'stats')).toMatchObject({ success: true, data: { namespaces: { '/system': counters } } });
  });

  it.each(['agent', 'supervisor', 'admin'])('when a token with role %s asks stats, then it gets system_error (and a failed ack) and no stats', async (role) => {
    const socket = await system(ctx.app.token({ sub: a.agentId, company_id: a.companyId, role: role as 'agent' }));
    const log = new EventLog(socket);
    const ack = await emitWithAck(socket, 'stats');
    expect(ack).toMatchObject({ success: false, code: 'FORBIDDEN', error: expect.any(String) });
    await settle(100);
    expect(log.names()).toEqual(['system_error']);
    expect(log.of('system_error')[0]).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String), event: 'stats' });
    expect(socket.connected).toBe(true);
  });
});
