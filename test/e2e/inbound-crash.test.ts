import { metaTextWebhook } from '../support/api-helpers';
import { FakeGraphApi } from '../support/fake-graph-api';
import { freePort } from '../support/ports';
import { createMetaChannel, createTenant, postMetaWebhook } from '../support/scenario';
import { killStrayServices, startServiceProcess, type ServiceProcess } from '../support/service-process';
import { resetDatabase, sql, startTestApp } from '../support/test-app';

/** Posts the bodies a few at a time as Meta does; an answer that never came (connection reset) is status 0. */
async function burst(svc: ServiceProcess, bodies: string[], indexes: number[], concurrency: number, onAnswer: (i: number, status: number) => void) {
  const queue = [...indexes];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const status = await postMetaWebhook(svc, bodies[i]).then((r) => r.status, () => 0);
        onAnswer(i, status);
      }
    }),
  );
}

describe('inbound webhooks across a SIGKILL of the service (dist/main.js)', () => {
  let port: number;

  beforeAll(async () => {
    await resetDatabase();
    const graph = await new FakeGraphApi().start();
    const setup = await startTestApp({ META_GRAPH_BASE_URL: graph.url });
    await createMetaChannel(setup, graph, await createTenant(setup));
    await setup.stop();
    await graph.stop();
    port = await freePort();
  });
  afterAll(() => killStrayServices());

  it('when the service is SIGKILLed mid-burst and Meta retries what was not acknowledged (and some of what was), then every event is stored exactly once and none acknowledged is lost', async () => {
    const total = 300;
    const bodies = Array.from({ length: total }, (_, i) => metaTextWebhook({ id: `wamid.KILL${i}`, from: `1555100${String(i % 11).padStart(4, '0')}`, timestamp: 1764100000 + i, text: `kill ${i}` }));
    const acknowledged = new Set<number>();
    const unanswered = new Set<number>();
    const first = await startServiceProcess(port);
    let killed = false;
    await burst(first, bodies, bodies.map((_, i) => i), 8, (i, status) => {
      if (status === 200) acknowledged.add(i);
      else unanswered.add(i);
      if (acknowledged.size >= 80 && !killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    });
    await first.exited;
    expect(killed).toBe(true);
    expect(unanswered.size).toBeGreaterThan(0);
    const ackedBeforeKill = acknowledged.size;
    // Every acknowledged event is already in the database, before any retry.
    const stored = await sql<{ external_id: string }>(`SELECT external_id FROM messages WHERE external_id LIKE 'wamid.KILL%'`);
    for (const i of acknowledged) expect(stored.map((r) => r.external_id)).toContain(`wamid.KILL${i}`);

    const second = await startServiceProcess(port);
    // Meta's retries: the unacknowledged ones until acknowledged, plus duplicates of some acknowledged ones.
    const duplicates = [...acknowledged].slice(0, 30);
    await burst(second, bodies, duplicates, 4, (_i, status) => expect(status).toBe(200));
    for (let round = 0; round < 5 && unanswered.size; round++) {
      await burst(second, bodies, [...unanswered], 4, (i, status) => {
        if (status !== 200) return;
        unanswered.delete(i);
        acknowledged.add(i);
      });
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(unanswered.size).toBe(0);

    const rows = await sql<{ external_id: string; n: string }>(`SELECT external_id, count(*) AS n FROM messages WHERE external_id LIKE 'wamid.KILL%' GROUP BY external_id`);
    expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(rows).toHaveLength(total);
    process.stdout.write(`SIGKILL webhook burst: ${total} events, ${ackedBeforeKill} acknowledged before the kill (all stored), ${total - ackedBeforeKill} retried after restart, ${duplicates.length} duplicate deliveries, ${rows.length} stored once each\n`);
  }, 120_000);
});
