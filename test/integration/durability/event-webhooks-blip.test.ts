import { EVENT_WEBHOOK_TEST_ENV, eventually, FakeEventReceiver, subscribe } from '../../support/fake-event-receiver';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

/**
 * The inbound message is stored but its event webhook delivery insert keeps failing (the error a
 * PostgreSQL restart gives): the webhook is not acknowledged, and Meta's retry (a duplicate)
 * records message.received again, so the subscriber still gets it once.
 */
describe('event webhook deliveries through a database blip', () => {
  let app: TestApp;
  let graph: FakeGraphApi;
  let receiver: FakeEventReceiver;
  let tenant: Tenant;

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    receiver = await new FakeEventReceiver().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, ...EVENT_WEBHOOK_TEST_ENV });
  });
  afterAll(async () => {
    await sql('DROP TRIGGER IF EXISTS blip_fail_delivery ON webhook_deliveries').catch(() => undefined);
    await app?.stop();
    await receiver?.stop();
    await graph?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    tenant = await createTenant(app);
    await createMetaChannel(app, graph, tenant);
  });

  it('when the delivery insert fails, then the webhook is not acknowledged, and the retry brings message.received to the subscriber once', async () => {
    await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    await sql(`CREATE OR REPLACE FUNCTION blip_fail_delivery() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END $$ LANGUAGE plpgsql`);
    await sql('CREATE TRIGGER blip_fail_delivery BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION blip_fail_delivery()');
    const res = await postMetaFixture(app, 'text-message.json');
    expect(res.status).toBeGreaterThanOrEqual(500);
    await app.container.publisher.flush();
    await sql('DROP TRIGGER IF EXISTS blip_fail_delivery ON webhook_deliveries');
    // Meta retries the same webhook (as it does when unsure): a duplicate, nothing new.
    expect((await postMetaFixture(app, 'text-message.json')).status).toBe(200);
    // And once more: the delivery already exists, nothing is added.
    expect((await postMetaFixture(app, 'text-message.json')).status).toBe(200);
    await eventually(async () => receiver.accepted().length > 0, 5000, 'delivered');
    const [{ n }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE direction = 'incoming'`);
    expect(Number(n)).toBe(1);
    expect(await sql('SELECT event_type FROM webhook_deliveries')).toEqual([{ event_type: 'message.received' }]);
    expect(receiver.accepted().map((b) => b.type)).toEqual(['message.received']);
  });
});
