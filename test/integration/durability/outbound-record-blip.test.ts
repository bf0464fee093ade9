import { sendMessage } from '../../support/api-helpers';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { metaConversation, type Tenant } from '../../support/scenario';
import { waitForSettled } from '../../support/outbound';
import { sql, startTestApp, type TestApp } from '../../support/test-app';

/**
 * Graph accepts the send, then storing SENT fails with the error a PostgreSQL restart gives (57P01
 * admin_shutdown) until the database "comes back". Meta offers no idempotency key: the message
 * must reach Graph once, and end SENT (the outcome is stored once the database answers again).
 */
const BACKENDS: [string, string | undefined][] = [
  ['the database queue', ''],
  ['BullMQ on Redis', process.env.TEST_REDIS_URL],
];

describe.each(BACKENDS)('a database blip while storing SENT, on %s', (_n, redisUrl) => {
  let app: TestApp;
  let graph: FakeGraphApi;
  let tenant: Tenant;
  let conversationId: string;

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, REDIS_URL: redisUrl, OUTBOUND_BACKOFF_MS: '50' });
  });
  afterAll(async () => {
    await sql('DROP TRIGGER IF EXISTS blip_fail_sent ON messages').catch(() => undefined);
    await app?.stop();
    await graph?.stop();
  });
  beforeEach(async () => {
    ({ tenant, conversationId } = await metaConversation(app, graph));
    await sql(`CREATE OR REPLACE FUNCTION blip_fail_sent() RETURNS trigger AS $$
      BEGIN IF NEW.status = 'SENT' AND OLD.status = 'PENDING' THEN
        RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
  });

  it('when the SENT update fails after Graph accepted, then Graph gets the message exactly once and it ends SENT', async () => {
    await sql('CREATE TRIGGER blip_fail_sent BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION blip_fail_sent()');
    const res = await sendMessage(app, tenant.agentToken, { conversation_id: conversationId, message: 'only once please' });
    expect(res.status).toBe(201);
    // the database "comes back" right after the first send reached Graph
    const until = Date.now() + 5000;
    while (graph.sends().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    await sql('DROP TRIGGER IF EXISTS blip_fail_sent ON messages');
    const settled = await waitForSettled(res.body.data.id, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(graph.sends()).toHaveLength(1);
    expect(settled).toMatchObject({ status: 'SENT', external_id: 'wamid.FIXTURE.OUT.1' });
  });
});
