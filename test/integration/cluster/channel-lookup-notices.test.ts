import { metaTextWebhook } from '../../support/api-helpers';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaWebhook } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

describe('channel lookups remembered by one instance follow channels created on another', () => {
  let a: TestApp;
  let b: TestApp;
  let graph: FakeGraphApi;

  beforeAll(async () => {
    await resetDatabase();
    graph = await new FakeGraphApi().start();
    // A long memory, so only the creation's notice can make B see the new channel in time.
    a = await startTestApp({ META_GRAPH_BASE_URL: graph.url, INSTANCE_ID: 'lookup-a', CHANNEL_LOOKUP_CACHE_MS: '60000' });
    b = await startTestApp({ META_GRAPH_BASE_URL: graph.url, INSTANCE_ID: 'lookup-b', CHANNEL_LOOKUP_CACHE_MS: '60000' });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await graph?.stop();
  });

  it('when B heard of a number before its channel existed and the channel is then created on A, then B stores the next text for it', async () => {
    const text = (id: string) => postMetaWebhook(b, metaTextWebhook({ id, from: '15557770123', text: 'hola', timestamp: 1767225600 }));
    // Unknown number on the app-level URL: refused like a bad signature, and B now remembers "no channel".
    expect((await text('wamid.LOOKUP.1')).status).toBe(401);
    const tenant = await createTenant(a);
    // The creation is answered once every instance has heard of it: no wait needed.
    await createMetaChannel(a, graph, tenant);
    expect((await text('wamid.LOOKUP.2')).status).toBe(200);
    expect(await sql(`SELECT external_id FROM messages WHERE direction = 'incoming'`)).toEqual([{ external_id: 'wamid.LOOKUP.2' }]);
  });
});
