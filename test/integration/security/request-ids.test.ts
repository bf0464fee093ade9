import request from 'supertest';
import { bearer, metaTextWebhook } from '../../support/api-helpers';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaWebhook, type Tenant } from '../../support/scenario';
import { resetDatabase, startTestApp, type TestApp } from '../../support/test-app';

/** Parsed log lines written since `from`. */
function linesSince(lines: string[], from: number): Record<string, any>[] {
  return lines.slice(from).map((l) => JSON.parse(l));
}

describe('request ids in every log line and error body', () => {
  const lines: string[] = [];
  let app: TestApp;
  let graph: FakeGraphApi;
  let tenant: Tenant;

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, LOG_LEVEL: 'debug' }, { logLines: lines });
  });
  afterAll(async () => {
    await app?.stop();
    await graph?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    tenant = await createTenant(app);
    await createMetaChannel(app, graph, tenant);
  });

  it('when webhooks are handled concurrently, then the use case\'s lines (after the body is read) carry their own request\'s id', async () => {
    const start = lines.length;
    const ids = Array.from({ length: 6 }, (_, i) => `hook-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        postMetaWebhook(app, metaTextWebhook({ id: `wamid.RID${i}`, timestamp: 1_764_000_000 + i, text: `t${i}` })).set('X-Request-Id', id).then((res) => expect(res.headers['x-request-id']).toBe(id)),
      ),
    );
    const logged = linesSince(lines, start);
    const ingested = logged.filter((l) => l.module === 'ingest');
    expect(ingested.map((l) => l.request_id).sort()).toEqual(ids);
    expect(logged.filter((l) => l.module === 'http').map((l) => l.request_id).sort()).toEqual(ids);
  });

  it('when a request logs a warning deep in a use case, then that line and the request line carry the request id', async () => {
    const start = lines.length;
    const res = await postMetaWebhook(app, metaTextWebhook({ id: 'wamid.BAD', timestamp: 1_764_000_000, text: 'x' }), { signature: 'sha256=' + '0'.repeat(64) }).set('X-Request-Id', 'bad-sig-1');
    expect(res.status).toBe(401);
    expect(res.body.requestId).toBe('bad-sig-1');
    const logged = linesSince(lines, start);
    expect(logged.find((l) => l.msg === 'invalid webhook signature')).toMatchObject({ request_id: 'bad-sig-1', module: 'webhooks' });
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged.filter((l) => l.request_id !== 'bad-sig-1')).toEqual([]);
  });

  it('when an incoming X-Request-Id is unsafe, then it is replaced by a fresh uuid in the header, the error body and the logs', async () => {
    for (const unsafe of ['has space', 'x'.repeat(65), 'quote"', 'semi;colon', '<script>']) {
      const start = lines.length;
      const res = await request(app.url).get('/api/nope').set(bearer(tenant.adminToken)).set('X-Request-Id', unsafe);
      const id = res.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(res.body.requestId).toBe(id);
      expect(linesSince(lines, start).map((l) => l.request_id)).toEqual([id]);
    }
  });

  it('when an incoming X-Request-Id is safe, then it is kept', async () => {
    for (const safe of ['abc-123', 'trace.id_42', 'a:b:c', 'f'.repeat(64)]) {
      const res = await request(app.url).get('/api/channels').set(bearer(tenant.adminToken)).set('X-Request-Id', safe);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe(safe);
    }
  });

  it('when a log line is written outside any request, then it has no request_id', async () => {
    const start = lines.length;
    app.container.logger.info({ module: 'test' }, 'outside');
    expect(linesSince(lines, start)[0]).not.toHaveProperty('request_id');
  });
});
