import request from 'supertest';
import { bearer, metaTextWebhook } from '../../support/api-helpers';
import { EVENT_WEBHOOK_TEST_ENV, eventually, FakeEventReceiver, subscribe } from '../../support/fake-event-receiver';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaWebhook, type Tenant } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

// A long memory of "no subscriptions", so only the change notices can make the new subscription count in time.
const LONG_CACHE = { ...EVENT_WEBHOOK_TEST_ENV, CHANNEL_LOOKUP_CACHE_MS: '60000' };

describe('events of companies without subscriptions are skipped, and a new subscription counts at once on every instance', () => {
  let a: TestApp;
  let b: TestApp;
  let graph: FakeGraphApi;
  let receiver: FakeEventReceiver;
  let tenant: Tenant;
  let n = 0;

  const text = (app: TestApp) => postMetaWebhook(app, metaTextWebhook({ id: `wamid.DIR.${++n}`, from: '15557770123', text: `hola ${n}`, timestamp: 1767225600 }));
  const receivedIds = () => receiver.accepted().filter((e) => e.type === 'message.received').map((e) => e.data.message.external_id);

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    receiver = await new FakeEventReceiver().start();
    a = await startTestApp({ META_GRAPH_BASE_URL: graph.url, INSTANCE_ID: 'dir-a', ...LONG_CACHE });
    b = await startTestApp({ META_GRAPH_BASE_URL: graph.url, INSTANCE_ID: 'dir-b', ...LONG_CACHE });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await receiver?.stop();
    await graph?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    graph.reset();
    receiver.reset();
    tenant = await createTenant(a);
    // The tables were emptied behind the instances' backs; the creation's notice clears B's lookups too.
    await createMetaChannel(a, graph, tenant);
  });

  // Two texts on `app` before any subscription: the first makes the instance read the company's (no) subscriptions.
  async function learnNoSubscriptions(app: TestApp): Promise<void> {
    expect((await text(app)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect((await text(app)).status).toBe(200);
    expect(await sql('SELECT id FROM webhook_deliveries')).toEqual([]);
  }

  it('when the subscription is created on another instance, then the next text on this one is delivered', async () => {
    await learnNoSubscriptions(b);
    // Answered once B has acknowledged the notice (Redis pub/sub), not after the 60 s memory.
    await subscribe(a, tenant.adminToken, receiver.url, ['message.received']);
    expect((await text(b)).status).toBe(200);
    await eventually(() => receivedIds().includes('wamid.DIR.' + n), 5000, 'the text after the subscription');
    expect(receivedIds()).toEqual(['wamid.DIR.' + n]);
  });

  it('when the subscription is created on the same instance, then the very next text is delivered', async () => {
    await learnNoSubscriptions(b);
    await subscribe(b, tenant.adminToken, receiver.url, ['message.received']);
    expect((await text(b)).status).toBe(200);
    await eventually(() => receivedIds().includes('wamid.DIR.' + n), 5000, 'the text after the subscription');
  });

  it('when a company listens to message.status only, then texts record no delivery, and after the subscription is deleted nothing is recorded', async () => {
    const hook = await subscribe(a, tenant.adminToken, receiver.url, ['message.status']);
    await learnNoSubscriptions(a);
    const { status } = await request(a.url).delete(`/api/webhooks/${hook.id}`).set(bearer(tenant.adminToken));
    expect(status).toBe(200);
    expect((await text(a)).status).toBe(200);
    expect(await sql('SELECT id FROM webhook_deliveries')).toEqual([]);
  });
});
