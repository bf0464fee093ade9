import http from 'node:http';
import request from 'supertest';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { fixture } from '../../support/fixtures';
import { APP_SECRET, createMetaChannel, createTenant, postMetaFixture, postMetaWebhook } from '../../support/scenario';
import { resetDatabase, startTestApp, type TestApp } from '../../support/test-app';

describe('secrets never reach the logs', () => {
  let graph: FakeGraphApi;
  let app: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, LOG_LEVEL: 'trace' }, { logLines: lines });
    await resetDatabase();
  });
  afterAll(async () => {
    await app.stop();
    await graph.stop();
  });

  it('when channels are created, rejected, unreachable, used and attacked, then no token, secret or JWT appears in any log line', async () => {
    const tenant = await createTenant(app);
    const auth = { Authorization: `Bearer ${tenant.adminToken}` };
    const creds = { accessToken: graph.validToken, phoneNumberId: graph.phoneNumberId, appSecret: APP_SECRET, verifyToken: 'fixture-verify-token' };
    const body = { name: 'WA', type: 'WHATSAPP', provider: 'META', credentials: creds };

    // Rejected by the provider, then unreachable (5xx and closed port), then accepted.
    expect((await request(app.url).post('/api/channels').set(auth).send({ ...body, credentials: { ...creds, accessToken: 'EAAG-wrong-token-123' } })).status).toBe(400);
    graph.lookupStatus = 503;
    expect((await request(app.url).post('/api/channels').set(auth).send(body)).status).toBe(502);
    graph.lookupStatus = undefined;
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const offline = await startTestApp({ META_GRAPH_BASE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'trace' }, { logLines: lines });
    expect((await request(offline.url).post('/api/channels').set(auth).send(body)).status).toBe(502);
    await offline.stop();
    await createMetaChannel(app, graph, tenant);

    // Inbound, forged inbound, a failing send and a successful one.
    await postMetaFixture(app, 'text-message.json');
    await postMetaWebhook(app, fixture('meta/text-message.json'), { secret: 'forged-secret' });
    const conv = await request(app.url).get('/api/channels/conversations').set(auth);
    graph.sendErrors.push({ status: 401, code: 190, message: 'Invalid OAuth access token' });
    await request(app.url).post('/api/channels/messages').set(auth).send({ conversation_id: conv.body.data.items[0].id, message: 'hola' });
    await request(app.url).post('/api/channels/messages').set(auth).send({ conversation_id: conv.body.data.items[0].id, message: 'hola' });

    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of [graph.validToken, 'EAAG-wrong-token-123', APP_SECRET, 'fixture-verify-token', tenant.adminToken, process.env.JWT_SECRET!]) {
      expect({ secret, found: all.includes(secret) }).toEqual({ secret, found: false });
    }
  });
});
