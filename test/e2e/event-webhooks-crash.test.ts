import { metaTextWebhook } from '../support/api-helpers';
import { FakeEventReceiver, subscribe } from '../support/fake-event-receiver';
import { FakeGraphApi } from '../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaWebhook } from '../support/scenario';
import { killStrayServices, startServiceProcess, type ServiceProcess } from '../support/service-process';
import { freePort } from '../support/ports';
import { resetDatabase, sql, startTestApp } from '../support/test-app';

/**
 * SIGKILL mid webhook burst with a message.received subscription: every acknowledged message has
 * its delivery at once, and Meta's retries of the unacknowledged ones (stored or not) complete the rest.
 */
describe('event webhook deliveries across a SIGKILL of the service (dist/main.js)', () => {
  let receiver: FakeEventReceiver;
  beforeAll(async () => {
    receiver = await new FakeEventReceiver().start();
    receiver.fallback = 500; // keep rows pending; we only count rows
    await resetDatabase();
    const graph = await new FakeGraphApi().start();
    const setup = await startTestApp({ META_GRAPH_BASE_URL: graph.url });
    const tenant = await createTenant(setup);
    await createMetaChannel(setup, graph, tenant);
    await subscribe(setup, tenant.adminToken, receiver.url, ['message.received']);
    await setup.stop();
    await graph.stop();
  });
  afterAll(async () => {
    killStrayServices();
    await receiver.stop();
  });

  it('when the service is SIGKILLed mid-burst and Meta retries what was not acknowledged, then every message has exactly one message.received delivery', async () => {
    const total = 400;
    const bodies = Array.from({ length: total }, (_, i) => metaTextWebhook({ id: `wamid.EVK${i}`, from: `1555200${String(i % 13).padStart(4, '0')}`, timestamp: 1764200000 + i, text: `k ${i}` }));
    const port = await freePort();
    const env = { EVENT_WEBHOOK_POLL_INTERVAL_MS: '60000' };
    const svc: ServiceProcess = await startServiceProcess(port, env);
    const acknowledged = new Set<number>();
    let acked = 0;
    let killed = false;
    const queue = bodies.map((_, i) => i);
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const status = await postMetaWebhook(svc, bodies[i]).then((r) => r.status, () => 0);
        if (status === 200) {
          acked++;
          acknowledged.add(i);
        }
        if (acked >= 250 && !killed) {
          killed = true;
          svc.child.kill('SIGKILL');
        }
      }
    }));
    await svc.exited;
    const deliveredIds = async () => new Set((await sql<{ ext: string }>(`SELECT payload->'data'->'message'->>'external_id' AS ext FROM webhook_deliveries WHERE event_type = 'message.received'`)).map((r) => r.ext));
    const afterKill = await deliveredIds();
    for (const i of acknowledged) expect(afterKill.has(`wamid.EVK${i}`)).toBe(true);

    const again = await startServiceProcess(port, env);
    const unacknowledged = bodies.map((_, i) => i).filter((i) => !acknowledged.has(i));
    for (const i of unacknowledged) expect((await postMetaWebhook(again, bodies[i])).status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    const [{ n: stored }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE external_id LIKE 'wamid.EVK%'`);
    const [{ n: rows }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE event_type = 'message.received'`);
    expect(Number(stored)).toBe(total);
    expect(Number(rows)).toBe(total);
    process.stdout.write(`SIGKILL with event webhooks: ${acked} acknowledged (each with its delivery), ${unacknowledged.length} retried, ${rows} message.received deliveries for ${stored} messages\n`);
  }, 120_000);
});
