import { WebhookDeliveryWorker } from '../../../src/modules/channels/application/services/webhook-delivery.worker';
import { PrismaWebhookDeliveryRepository } from '../../../src/modules/channels/infrastructure/repositories/webhook-delivery.repository';
import { PrismaWebhookSubscriptionRepository } from '../../../src/modules/channels/infrastructure/repositories/webhook-subscription.repository';
import { WebhookHttpSender } from '../../../src/modules/channels/infrastructure/webhooks/webhook-http.sender';
import { CredentialsCipher } from '../../../src/shared/crypto/credentials-cipher';
import { createPrismaClient, type PrismaClient } from '../../../src/shared/database/prisma-client';
import { createLogger } from '../../../src/shared/logging/logger';
import { EVENT_WEBHOOK_TEST_ENV, eventually, FakeEventReceiver, subscribe } from '../../support/fake-event-receiver';
import { createTenant, type Tenant } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

const RETRY = { baseDelayMs: 50, maxDelayMs: 300, maxAttempts: 4 };

/** Stores `n` deliveries of distinct conversations straight in the queue. */
async function queueDeliveries(subscriptionId: string, companyId: number, n: number, extra = ''): Promise<void> {
  await sql(
    `INSERT INTO webhook_deliveries (subscription_id, company_id, event_id, event_type, ordering_key, payload ${extra ? ', lease_token, lease_until' : ''})
     SELECT $1, $2, gen_random_uuid(), 'message.received', 'conversation:' || gen_random_uuid(), jsonb_build_object('id', gen_random_uuid(), 'type', 'message.received', 'created_at', now(), 'company_id', $2::int, 'data', jsonb_build_object('n', g))
       ${extra}
     FROM generate_series(1, $3::int) g`,
    [subscriptionId, companyId, n],
  );
}

describe('event webhook delivery worker', () => {
  let app: TestApp;
  let receiver: FakeEventReceiver;
  let tenant: Tenant;
  const clients: PrismaClient[] = [];

  /** A worker of "another instance": its own connection pool on the same database. */
  function otherInstanceWorker(batchSize: number): WebhookDeliveryWorker {
    const prisma = createPrismaClient(process.env.TEST_DATABASE_URL!, 4);
    clients.push(prisma);
    const cipher = new CredentialsCipher(app.container.config.credentialsKey);
    const sender = new WebhookHttpSender({ timeoutMs: 2000, allowPrivateUrls: true });
    return new WebhookDeliveryWorker(new PrismaWebhookDeliveryRepository(prisma), new PrismaWebhookSubscriptionRepository(prisma, cipher), sender, { retry: RETRY, pollIntervalMs: 20, leaseMs: 10_000, batchSize }, createLogger('silent'));
  }

  beforeAll(async () => {
    receiver = await new FakeEventReceiver().start();
    // The app's own worker polls rarely here, so the test's workers do the claiming.
    app = await startTestApp({ ...EVENT_WEBHOOK_TEST_ENV, EVENT_WEBHOOK_POLL_INTERVAL_MS: '60000', EVENT_WEBHOOK_STOP_DEADLINE_MS: '3000' });
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.stop();
    await Promise.all(clients.map((c) => c.$disconnect()));
  });
  beforeEach(async () => {
    await resetDatabase();
    receiver.reset();
    tenant = await createTenant(app);
  });

  it('when two workers of two instances claim the same queue at once, then every delivery is sent exactly once', async () => {
    const hook = await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    await queueDeliveries(hook.id, tenant.companyId, 40);
    receiver.delayMs = 30;
    const workers = [otherInstanceWorker(5), otherInstanceWorker(5), otherInstanceWorker(5)];
    const drain = async (w: WebhookDeliveryWorker) => {
      while ((await w.runOnce()) > 0);
    };
    await Promise.all(workers.map(drain));
    const ids = receiver.received.map((r) => r.headers['x-axi-delivery']);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(await sql(`SELECT status, attempts, count(*)::int AS n FROM webhook_deliveries GROUP BY 1, 2`)).toEqual([{ status: 'delivered', attempts: 1, n: 40 }]);
  });

  it('when a delivery is leased by another worker, then it is not sent until the lease runs out (a crashed holder)', async () => {
    const hook = await subscribe(app, tenant.adminToken, receiver.url, ['message.received']);
    await queueDeliveries(hook.id, tenant.companyId, 1, `, gen_random_uuid(), now() + interval '1 hour'`);
    await queueDeliveries(hook.id, tenant.companyId, 1, `, gen_random_uuid(), now() - interval '1 second'`);
    const worker = otherInstanceWorker(10);
    expect(await worker.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(await sql(`SELECT coalesce(lease_until > now(), false) AS held, status FROM webhook_deliveries ORDER BY seq`)).toEqual([{ held: true, status: 'pending' }, { held: false, status: 'delivered' }]);
  });

  it('when the service stops with a delivery in flight, then it stops claiming and the request finishes before it exits', async () => {
    const own = await startTestApp({ ...EVENT_WEBHOOK_TEST_ENV, EVENT_WEBHOOK_STOP_DEADLINE_MS: '3000' });
    const hook = await subscribe(own, tenant.adminToken, receiver.url, ['message.received']);
    receiver.delayMs = 400;
    await queueDeliveries(hook.id, tenant.companyId, 1);
    await eventually(() => receiver.received.length === 1, 5000, 'the request in flight');
    await queueDeliveries(hook.id, tenant.companyId, 1);
    await own.stop();
    expect((await sql(`SELECT status FROM webhook_deliveries ORDER BY seq`)).map((r) => r.status)).toEqual(['delivered', 'pending']);
    expect(receiver.received).toHaveLength(1);
  });

  it('when a stop outlasts its deadline, then the request is cancelled and the lease given back without counting the attempt', async () => {
    const own = await startTestApp({ ...EVENT_WEBHOOK_TEST_ENV, EVENT_WEBHOOK_STOP_DEADLINE_MS: '100' });
    const hook = await subscribe(own, tenant.adminToken, receiver.url, ['message.received']);
    receiver.delayMs = 5000;
    await queueDeliveries(hook.id, tenant.companyId, 1);
    await eventually(() => receiver.received.length === 1, 5000, 'the request in flight');
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await sql(`SELECT status, attempts, lease_token FROM webhook_deliveries`)).toEqual([{ status: 'pending', attempts: 0, lease_token: null }]);
  });
});
