import request from 'supertest';
import { metaTextWebhook } from '../../support/api-helpers';
import { OpenApiValidator } from '../../support/openapi-validator';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaWebhook, type Tenant } from '../../support/scenario';
import { sql, startTestApp, type TestApp } from '../../support/test-app';
import { ThrowawayPostgres } from '../../support/throwaway-postgres';

/** Sends `bodies` like a provider does: a few at a time, each answer recorded by index. */
async function sendAll(app: TestApp, bodies: string[], indexes: number[], concurrency: number, onAnswer: (i: number, status: number) => Promise<void> | void) {
  const queue = [...indexes];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const res = await postMetaWebhook(app, bodies[i]);
        await onAnswer(i, res.status);
      }
    }),
  );
}

describe('inbound durability while PostgreSQL goes away (a throwaway cluster of its own)', () => {
  let pg: ThrowawayPostgres;
  let app: TestApp;
  let graph: FakeGraphApi;
  let tenant: Tenant;
  let previousUrl: string | undefined;

  beforeAll(async () => {
    pg = await ThrowawayPostgres.create('axi_outage_test');
    previousUrl = process.env.TEST_DATABASE_URL;
    process.env.TEST_DATABASE_URL = pg.url;
    graph = await new FakeGraphApi().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url });
    tenant = await createTenant(app);
    await createMetaChannel(app, graph, tenant);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await graph?.stop();
    await pg?.destroy();
    process.env.TEST_DATABASE_URL = previousUrl;
  });

  it('when the database is down, then webhooks and REST answer 503 DATABASE_UNAVAILABLE with Retry-After, and work again once it is back', async () => {
    await pg.stop('immediate');
    try {
      const hook = await postMetaWebhook(app, metaTextWebhook({ id: 'wamid.DOWN1', timestamp: 1764000000, text: 'down' }));
      const rest = await request(app.url).get('/api/channels').set('Authorization', `Bearer ${tenant.adminToken}`);
      const spec = new OpenApiValidator();
      for (const res of [hook, rest]) {
        expect(res.status).toBe(503);
        spec.assert(res);
        expect(res.body).toMatchObject({ success: false, data: null, statusCode: 503, code: 'DATABASE_UNAVAILABLE', requestId: res.headers['x-request-id'] });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(JSON.stringify(res.body)).not.toMatch(/prisma|127\.0\.0\.1|postgres/i);
      }
    } finally {
      await pg.start();
    }
    const again = await postMetaWebhook(app, metaTextWebhook({ id: 'wamid.DOWN1', timestamp: 1764000000, text: 'down' }));
    expect(again.status).toBe(200);
    expect(await sql(`SELECT id FROM messages WHERE external_id = 'wamid.DOWN1'`)).toHaveLength(1);
  });

  it('when PostgreSQL is crash-stopped during a webhook burst and the 503s are replayed after it is back, then every event is stored exactly once', async () => {
    const total = 80;
    const bodies = Array.from({ length: total }, (_, i) => metaTextWebhook({ id: `wamid.BURST${i}`, from: `1555000${String(i % 7).padStart(4, '0')}`, timestamp: 1764000100 + i, text: `burst ${i}` }));
    const acknowledged = new Set<number>();
    const refused = new Set<number>();
    const statuses = new Map<number, number>();
    let stopping: Promise<void> | undefined;
    let down = false;

    await sendAll(app, bodies, bodies.map((_, i) => i), 4, async (i, status) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) acknowledged.add(i);
      else refused.add(i);
      // Cut the database in the middle of the burst, while requests are in flight.
      if (acknowledged.size === 25 && !stopping) stopping = pg.stop('immediate').then(() => void (down = true));
    });
    await stopping;
    expect(down).toBe(true);
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect(refused.size).toBeGreaterThan(0);

    await pg.start();
    // The provider's retries: every unacknowledged event again until it is acknowledged.
    let replays = 0;
    for (let round = 0; round < 5 && refused.size; round++) {
      const pending = [...refused];
      await sendAll(app, bodies, pending, 4, (i, status) => {
        replays++;
        if (status === 200) {
          refused.delete(i);
          acknowledged.add(i);
        }
      });
    }
    expect(refused.size).toBe(0);

    const rows = await sql<{ external_id: string; n: string }>(`SELECT external_id, count(*) AS n FROM messages WHERE external_id LIKE 'wamid.BURST%' GROUP BY external_id`);
    expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(rows.map((r) => r.external_id).sort()).toEqual([...acknowledged].map((i) => `wamid.BURST${i}`).sort());
    expect(rows).toHaveLength(total);
    process.stdout.write(`database outage burst: ${total} events, first pass ${JSON.stringify(Object.fromEntries(statuses))}, ${replays} replays, ${rows.length} stored once each\n`);
  }, 90_000);
});
