import request from 'supertest';
import { closeOpenSockets, openSocket } from '../../support/gateway-client';
import { sendAndSettle } from '../../support/outbound';
import { createMetaChannel, createTenant, postMetaFixture } from '../../support/scenario';
import { sql, startTestApp, type TestApp } from '../../support/test-app';
import { useAppWithGraph } from '../../support/suite';

/** The value of one series in a Prometheus text body, or undefined when absent. */
function series(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics (Prometheus)', () => {
  const ctx = useAppWithGraph();
  afterEach(() => closeOpenSockets());

  it('when webhooks, a reply and a socket have come, then their counters, the gauges and the instance id are in the scrape', async () => {
    const tenant = await createTenant(ctx.app);
    const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    await openSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const before = (await request(ctx.app.url).get('/metrics')).text;
    const storedBefore = series(before, 'axi_webhook_events_total', { provider: 'META', result: 'stored' }) ?? 0;
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    const [conv] = await sql('SELECT id FROM conversations');
    expect((await sendAndSettle(ctx.app, tenant.agentToken, { conversation_id: conv.id, message: 'Hola' })).body.data.status).toBe('SENT');
    expect((await postMetaFixture(ctx.app, 'status-delivered.json')).status).toBe(200);

    const res = await request(ctx.app.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const body = res.text;
    const instance = ctx.app.container.config.instanceId;
    expect(series(body, 'axi_webhook_events_total', { provider: 'META', result: 'stored' })).toBe(storedBefore + 1);
    expect(series(body, 'axi_webhook_events_total', { provider: 'META', result: 'duplicate' })).toBeGreaterThanOrEqual(1);
    expect(series(body, 'axi_messages_total', { channel_id: channel.id, direction: 'incoming', status: 'RECEIVED' })).toBe(1);
    expect(series(body, 'axi_messages_total', { channel_id: channel.id, direction: 'outgoing', status: 'SENT' })).toBe(1);
    expect(series(body, 'axi_messages_total', { channel_id: channel.id, direction: 'outgoing', status: 'DELIVERED' })).toBe(1);
    expect(series(body, 'axi_http_requests_total', { method: 'POST', route: '/webhooks/meta', status: '200' })).toBeGreaterThanOrEqual(3);
    expect(series(body, 'axi_socket_connections', { namespace: '/message', instance_id: instance })).toBe(1);
    expect(ctx.app.container.runtime.size).toBeGreaterThanOrEqual(1);
    expect(series(body, 'axi_active_channels', { instance_id: instance })).toBe(ctx.app.container.runtime.size);
    expect(series(body, 'axi_outbound_queue_depth', { instance_id: instance })).toBe(0);
    expect(body).toMatch(/^axi_process_resident_memory_bytes\{instance_id=/m);
    // Route templates, never raw ids (series would grow without bound).
    expect(body).not.toContain(conv.id);
  });

  it('when requests fail (400 validation, 404 unknown id), then they are labelled with their whole route template too', async () => {
    const tenant = await createTenant(ctx.app);
    expect((await request(ctx.app.url).post('/api/channels').set('Authorization', `Bearer ${tenant.adminToken}`).send({ name: '' })).status).toBe(400);
    expect((await request(ctx.app.url).get('/api/channels/6d1f6a0e-0000-4000-8000-000000000000').set('Authorization', `Bearer ${tenant.adminToken}`)).status).toBe(404);
    const body = (await request(ctx.app.url).get('/metrics')).text;
    expect(series(body, 'axi_http_requests_total', { method: 'POST', route: '/api/channels/', status: '400' })).toBeGreaterThanOrEqual(1);
    expect(series(body, 'axi_http_requests_total', { method: 'GET', route: '/api/channels/:id', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(body).not.toMatch(/route="\/"/);
  });

  it('when the Graph API refuses a send, then the provider error is counted by code', async () => {
    const tenant = await createTenant(ctx.app);
    await createMetaChannel(ctx.app, ctx.graph, tenant);
    await postMetaFixture(ctx.app, 'text-message.json');
    const [conv] = await sql('SELECT id FROM conversations');
    ctx.graph.sendErrors.push({ status: 400, code: 131047, message: 'Re-engagement message' });
    expect((await sendAndSettle(ctx.app, tenant.agentToken, { conversation_id: conv.id, message: 'late' })).body.data.status).toBe('FAILED');
    const body = (await request(ctx.app.url).get('/metrics')).text;
    expect(series(body, 'axi_provider_errors_total', { provider: 'META', code: '131047' })).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ METRICS_TOKEN: 'metrics-token-0123456789' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('when the token is missing or wrong, then 401 in the envelope; with it, the metrics', async () => {
    for (const auth of [undefined, 'Bearer wrong-token-000000000', 'metrics-token-0123456789']) {
      const req = request(app.url).get('/metrics');
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, statusCode: 401, code: 'UNAUTHORIZED', requestId: res.headers['x-request-id'] });
    }
    const ok = await request(app.url).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('axi_http_requests_total');
  });
});
