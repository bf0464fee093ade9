import type { Socket } from 'socket.io-client';
import { useIsolatedDatabase } from '../../support/api-helpers';
import { EventLog, closeOpenSockets, emitWithAck, openMultiplexed, openSocket, settle } from '../../support/gateway-client';
import { offsetCompanyIds } from '../../support/gateway-suite';
import { createTenant } from '../../support/scenario';
import { createScriptedChannel, registerScriptedProvider } from '../../support/scripted-provider';
import { resetDatabase, startTestApp, type TestApp } from '../../support/test-app';

/** What one socket saw until it was disconnected. */
interface Watched {
  namespace: string;
  socket: Socket;
  log: EventLog;
  order: string[];
  reason?: string;
}

function watch(namespace: string, socket: Socket): Watched {
  const w: Watched = { namespace, socket, log: new EventLog(socket), order: [] };
  socket.on('server_shutdown', () => w.order.push('server_shutdown'));
  socket.on('disconnect', (reason) => {
    w.order.push('disconnect');
    w.reason = reason;
  });
  return w;
}

describe('gateway shutdown', () => {
  let dropDatabase: () => Promise<void>;
  const running: TestApp[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const app = await startTestApp(env);
    running.push(app);
    return app;
  };
  const stop = async (app: TestApp) => {
    await app.stop();
    running.splice(running.indexOf(app), 1);
  };

  beforeAll(async () => {
    dropDatabase = await useIsolatedDatabase();
  });
  beforeEach(async () => {
    await resetDatabase();
    await offsetCompanyIds();
  });
  afterEach(async () => {
    closeOpenSockets();
    await Promise.all(running.splice(0).map((app) => app.stop()));
  });
  afterAll(async () => {
    await dropDatabase();
  });

  /** One socket on each namespace (two on /auth: anonymous and authenticated), the /channel one joined to a channel. */
  async function socketsOnEveryNamespace(app: TestApp) {
    registerScriptedProvider(app);
    const tenant = await createTenant(app);
    const channel = await createScriptedChannel(app, tenant);
    const watched = [
      watch('/auth', await openSocket(app.url, '/auth')),
      watch('/auth', await openSocket(app.url, '/auth', { token: tenant.agentToken })),
      watch('/channel', await openSocket(app.url, '/channel', { token: tenant.agentToken })),
      watch('/message', await openSocket(app.url, '/message', { token: tenant.agentToken })),
      watch('/system', await openSocket(app.url, '/system', { token: tenant.adminToken })),
    ];
    expect(await emitWithAck(watched[2].socket, 'channel.join', [{ channelId: channel.id }])).toMatchObject({ success: true });
    for (const w of watched) w.log.clear();
    return { tenant, channel, watched };
  }

  it('when the app stops, then sockets on all four namespaces get server_shutdown with a reason, then are disconnected by the server', async () => {
    const app = await start();
    const { watched } = await socketsOnEveryNamespace(app);
    const began = Date.now();
    await stop(app);
    expect(Date.now() - began).toBeLessThan(5000);
    await settle(200);
    for (const w of watched) {
      expect({ namespace: w.namespace, order: w.order }).toEqual({ namespace: w.namespace, order: ['server_shutdown', 'disconnect'] });
      // The server ends the connection: 'io server disconnect' (DISCONNECT packet) or 'transport close' (connection closed).
      expect(['io server disconnect', 'transport close']).toContain(w.reason);
      expect(w.log.of('server_shutdown')).toEqual([{ reason: expect.stringMatching(/\w/) }]);
      expect(w.socket.connected).toBe(false);
    }
  });

  it('when a client multiplexes the four namespaces over one connection (the socket.io-client default), then every namespace socket gets server_shutdown before the disconnect', async () => {
    const app = await start();
    const tenant = await createTenant(app);
    const namespaces = ['/auth', '/channel', '/message', '/system'];
    const sockets = await openMultiplexed(app.url, namespaces, tenant.adminToken);
    expect(new Set(sockets.map((s) => s.io)).size).toBe(1);
    const watched = sockets.map((socket, i) => watch(namespaces[i], socket));
    await stop(app);
    await settle(200);
    expect(watched.map((w) => [w.namespace, w.order])).toEqual(namespaces.map((ns) => [ns, ['server_shutdown', 'disconnect']]));
  });

  it('when the app stopped, then new connections are refused and stopping again is harmless', async () => {
    const app = await start();
    const tenant = await createTenant(app);
    await stop(app);
    await expect(openSocket(app.url, '/message', { token: tenant.agentToken })).rejects.toThrow();
    await expect(app.stop()).resolves.toBeUndefined();
  });

  it('when one instance stops, then sockets of another instance on the same Redis get no server_shutdown and stay connected', async () => {
    const first = await start();
    const second = await start();
    const tenant = await createTenant(first);
    const onSecond = ['/auth', '/channel', '/message', '/system'].map(async (ns) => watch(ns, await openSocket(second.url, ns, { token: tenant.adminToken })));
    const watched = await Promise.all(onSecond);
    const onFirst = watch('/message', await openSocket(first.url, '/message', { token: tenant.adminToken }));
    for (const w of watched) w.log.clear();
    await stop(first);
    await settle(300);
    expect(onFirst.order).toEqual(['server_shutdown', 'disconnect']);
    for (const w of watched) {
      expect({ namespace: w.namespace, order: w.order }).toEqual({ namespace: w.namespace, order: [] });
      expect(w.socket.connected).toBe(true);
    }
  });
});
