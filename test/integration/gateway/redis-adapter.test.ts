import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaFixture } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { resetDatabase, startTestApp, type TestApp } from '../../support/test-app';

describe('Socket.IO over Redis', () => {
  let graph: FakeGraphApi;
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, ...env });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    await resetDatabase();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await graph.stop();
  });

  it('when instances share a Redis database, then an event of one reaches sockets of the other; another Redis database hears nothing; stopping one keeps the others\' sockets', async () => {
    const a = await start();
    const b = await start();
    const elsewhere = await start({ REDIS_URL: process.env.TEST_REDIS_URL!.replace(/\/\d+$/, '/9') });
    const tenant = await createTenant(a);
    await createMetaChannel(a, graph, tenant);

    const onA = await connectSocket(a.url, '/message', { token: tenant.agentToken });
    const onElsewhere = await connectSocket(elsewhere.url, '/message', { token: tenant.agentToken });
    const gotA = collect(onA, 'message_received');
    const gotElsewhere = collect(onElsewhere, 'message_received');
    let disconnected = false;
    onA.on('disconnect', () => (disconnected = true));

    expect((await postMetaFixture(b, 'text-message.json')).status).toBe(200);
    await waitFor(() => gotA.length === 1, 5000, 'cross-instance message_received');
    await b.stop();
    apps.splice(apps.indexOf(b), 1);
    await new Promise((r) => setTimeout(r, 300));

    expect(gotA[0].message.external_id).toBe('wamid.FIXTURE.TEXT.1');
    expect(gotElsewhere).toEqual([]);
    expect(disconnected).toBe(false);
    onA.close();
    onElsewhere.close();
  });

  it('when a socket\'s token expires while connected, then it is disconnected and told why', async () => {
    const app = apps[0];
    const token = app.token({ sub: 1, company_id: 1, role: 'agent' }, 2);
    const socket = await connectSocket(app.url, '/message', { token });
    const expired = collect(socket, 'auth_expired');
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
    expect(expired).toEqual([{ message: 'Token expired' }]);
  });
});
