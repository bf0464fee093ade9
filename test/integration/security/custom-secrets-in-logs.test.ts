import { sendAndSettle } from '../../support/outbound';
import request from 'supertest';
import { bearer, sendMessage } from '../../support/api-helpers';
import { createCustomChannel, postCustom } from '../../support/custom-webhooks';
import { CUSTOM_SECRET, FakeCustomEndpoint } from '../../support/fake-custom-endpoint';
import { createTenant } from '../../support/scenario';
import { resetDatabase, startTestApp, type TestApp } from '../../support/test-app';

describe('custom channel secrets never reach the logs', () => {
  let endpoint: FakeCustomEndpoint;
  let app: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    endpoint = await new FakeCustomEndpoint().start();
    app = await startTestApp({ LOG_LEVEL: 'trace', PROVIDER_HTTP_TIMEOUT_MS: '300' }, { logLines: lines });
    await resetDatabase();
  });
  afterAll(async () => {
    await app.stop();
    await endpoint.stop();
  });

  it('when a custom channel is created, refused, used, failing and attacked, then its secret appears in no log line', async () => {
    const tenant = await createTenant(app);
    const refused = await request(app.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ name: 'x', type: 'WEBCHAT', provider: 'CUSTOM', credentials: { secret: CUSTOM_SECRET }, config: { outboundUrl: 'ftp://nope' } });
    expect(refused.status).toBe(400);
    const channel = await createCustomChannel(app, tenant, endpoint);
    expect((await postCustom(app, channel.id, { id: 'm1', from: 'v1', text: 'hola' })).status).toBe(200);
    expect((await postCustom(app, channel.id, { id: 'm2', from: 'v1', text: 'hola' }, { secret: 'forged-secret-0123456789' })).status).toBe(401);
    expect((await postCustom(app, channel.id, { id: 'm3', from: 'v1', text: 'hola' }, { timestamp: 1 })).status).toBe(401);
    endpoint.replies.push({ status: 500, body: {} }, { status: 200, body: {}, delayMs: 1000 });
    for (let i = 0; i < 3; i++) await sendAndSettle(app, tenant.agentToken, { channel_id: channel.id, to: 'v1', message: `try ${i}` });
    const rotated = await request(app.url).put(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).send({ credentials: { secret: `${CUSTOM_SECRET}-rotated` } });
    expect(rotated.status).toBe(200);

    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    expect(all).toContain('invalid webhook signature');
    expect(all.includes(CUSTOM_SECRET)).toBe(false);
  });
});
