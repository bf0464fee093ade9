import Redis from 'ioredis';
import request from 'supertest';
import { bearer } from '../../support/api-helpers';
import { createCustomChannel } from '../../support/custom-webhooks';
import { FakeCustomEndpoint } from '../../support/fake-custom-endpoint';
import { createTenant, type Tenant } from '../../support/scenario';
import { waitFor } from '../../support/socket-client';
import { resetDatabase, startTestApp, type TestApp } from '../../support/test-app';
import { ThrowawayRedis } from '../../support/throwaway-redis';

// Short leases so the rules are seen quickly; the defaults are checked by test/e2e/channel-leases.
const TTL_MS = 2000;
const RENEW_MS = 500;
const prefix = () => `axi:${new URL(process.env.TEST_DATABASE_URL!).pathname.slice(1)}`;
const leaseKey = (channelId: string) => `${prefix()}:lease:${channelId}`;

describe('channel leases of one instance, against a Redis the test can change and kill', () => {
  let redis: ThrowawayRedis;
  let raw: Redis;
  let endpoint: FakeCustomEndpoint;
  let app: TestApp;
  let tenant: Tenant;
  let channelId: string;
  const owner = async () => (await request(app.url).get(`/api/channels/${channelId}`).set(bearer(tenant.adminToken))).body.data;

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    endpoint = await new FakeCustomEndpoint().start();
  });
  afterAll(async () => {
    raw.disconnect();
    await app?.stop();
    await endpoint?.stop();
    await redis?.kill();
  });

  beforeEach(async () => {
    await resetDatabase();
    app = await startTestApp({ REDIS_URL: redis.url, LEASE_TTL_MS: String(TTL_MS), LEASE_RENEW_MS: String(RENEW_MS), INSTANCE_ID: 'lease-test-1' });
    tenant = await createTenant(app);
    channelId = (await createCustomChannel(app, tenant, endpoint)).id;
  });
  afterEach(async () => {
    await app?.stop();
  });

  it('when a channel starts, then its lease names this instance with a TTL, and GET shows it as owner_instance', async () => {
    expect(await raw.get(leaseKey(channelId))).toBe('lease-test-1');
    const ttl = await raw.pttl(leaseKey(channelId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
    expect(await owner()).toMatchObject({ runtime_status: 'ready', owner_instance: 'lease-test-1' });
    // Renewed while alive: still held after several lifetimes.
    await new Promise((r) => setTimeout(r, TTL_MS * 2));
    expect(await raw.get(leaseKey(channelId))).toBe('lease-test-1');
  });

  it('when another instance holds the lease, then the channel stops here and GET names the other one', async () => {
    await raw.set(leaseKey(channelId), 'someone-else', 'PX', 60_000);
    await waitFor(() => app.container.runtime.size === 0, TTL_MS * 2, 'the provider stopped here');
    expect(await owner()).toMatchObject({ owner_instance: 'someone-else' });
    // The other holder's lease is left alone.
    expect(await raw.get(leaseKey(channelId))).toBe('someone-else');
  });

  it('when the lease is freed again, then this instance takes the channel back', async () => {
    await raw.set(leaseKey(channelId), 'someone-else', 'PX', 60_000);
    await waitFor(() => app.container.runtime.size === 0, TTL_MS * 2, 'the provider stopped here');
    await raw.del(leaseKey(channelId));
    await waitFor(() => app.container.runtime.size === 1, RENEW_MS * 4, 'the channel taken back');
    expect(await raw.get(leaseKey(channelId))).toBe('lease-test-1');
  });

  it('when the instance stops cleanly, then its leases are given up at once', async () => {
    await app.stop();
    expect(await raw.get(leaseKey(channelId))).toBeNull();
    expect(await raw.zrange(`${prefix()}:instances`, 0, -1)).not.toContain('lease-test-1');
  });
  it('when Redis stops answering, then the channel stops here before its lease could have expired there', async () => {
    const renewedAt = Date.now();
    await redis.kill();
    await waitFor(() => app.container.runtime.size === 0, TTL_MS * 2, 'the provider stopped without Redis');
    // Stopped within the lease's lifetime after the last renewal (which was at most RENEW_MS before the kill).
    expect(Date.now() - renewedAt).toBeLessThan(TTL_MS);
    // Back for the clean stop of afterEach.
    await redis.start();
  });

});
