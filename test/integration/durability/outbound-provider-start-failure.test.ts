import { sendMessage } from '../../support/api-helpers';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { waitForSettled } from '../../support/outbound';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

/**
 * A queued message whose provider cannot be started (here: credentials that no longer decrypt, as
 * after a CREDENTIALS_ENCRYPTION_KEY change; the same path as a WhatsApp Web browser that fails to
 * launch): retried with backoff up to OUTBOUND_MAX_ATTEMPTS, then FAILED with the reason.
 */
describe('a queued message whose provider cannot start', () => {
  let app: TestApp;
  let graph: FakeGraphApi;
  let tenant: Tenant;
  const lines: string[] = [];

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url, REDIS_URL: '', OUTBOUND_MAX_ATTEMPTS: '3', OUTBOUND_BACKOFF_MS: '50', LOG_LEVEL: 'warn' }, { logLines: lines });
  });
  afterAll(async () => {
    await app?.stop();
    await graph?.stop();
  });

  it('when the provider start keeps throwing, then the message ends FAILED after a bounded number of attempts', async () => {
    await resetDatabase();
    tenant = await createTenant(app);
    const channel = await createMetaChannel(app, graph, tenant);
    expect((await postMetaFixture(app, 'text-message.json')).status).toBe(200);
    const [{ id: conversationId }] = await sql<{ id: string }>('SELECT id FROM conversations');
    await app.container.outboundWorker.stop(1000);
    const res = await sendMessage(app, tenant.agentToken, { conversation_id: conversationId, message: 'stuck?' });
    expect(res.status).toBe(201);
    await app.container.runtime.stopChannel({ id: channel.id, companyId: tenant.companyId }, false);
    // Tag no longer matches: decrypt() throws "Unsupported state or unable to authenticate data".
    await sql(`UPDATE channel_credentials SET ciphertext = regexp_replace(ciphertext, '^(v1:[^:]+:)[^:]+', '\\1AAAAAAAAAAAAAAAAAAAAAA==')`);
    await app.container.outboundWorker.start();
    const row = await waitForSettled(res.body.data.id, 10_000);
    expect(row).toMatchObject({ status: 'FAILED', error_code: 'PROVIDER_START_FAILED', error_message: expect.stringContaining('after 3 attempts') });
    expect(lines.filter((l) => l.includes('provider could not start'))).toHaveLength(3);
    expect(lines.filter((l) => l.includes('outbound job failed; it runs again later'))).toHaveLength(0);
  });
});
