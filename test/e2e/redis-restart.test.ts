import request from 'supertest';
import { bearer } from '../support/api-helpers';
import { FakeCustomEndpoint } from '../support/fake-custom-endpoint';
import { waitForAllSettled } from '../support/outbound';
import { freePort } from '../support/ports';
import type { Tenant } from '../support/scenario';
import { killStrayServices, seedCustomChannel, receiptsPerMessage, startServiceProcess, type ServiceProcess } from '../support/service-process';
import { waitFor } from '../support/socket-client';
import { sql } from '../support/test-app';
import { ThrowawayRedis } from '../support/throwaway-redis';

describe('outbound sends while Redis restarts and loses its queue (dist/main.js on a throwaway redis-server)', () => {
  let endpoint: FakeCustomEndpoint;
  let redis: ThrowawayRedis;
  let tenant: Tenant;
  let channel: { id: string };

  beforeAll(async () => {
    endpoint = await new FakeCustomEndpoint().start();
    redis = await ThrowawayRedis.create();
    ({ tenant, channel } = await seedCustomChannel(endpoint));
  });
  afterAll(async () => {
    killStrayServices();
    await redis.kill();
    await endpoint.stop();
  });

  const send = (svc: ServiceProcess, i: number) =>
    request(svc.url).post('/api/channels/messages').set(bearer(tenant.agentToken)).send({ channel_id: channel.id, to: `visitor-${i % 3}`, message: `redis ${i}` }).timeout(10_000).then((r) => r, () => null);

  it('when Redis is killed mid-burst of sends (every job lost) and started again, then every stored message still ends SENT and the endpoint accepts each once', async () => {
    endpoint.replies.push(...Array.from({ length: 200 }, () => ({ delayMs: 50 })));
    const svc = await startServiceProcess(await freePort(), {
      REDIS_URL: redis.url,
      OUTBOUND_RATE_DEFAULT: '10',
      OUTBOUND_SWEEP_MS: '500',
      OUTBOUND_SWEEP_AGE_MS: '3000',
    });
    const first = await Promise.all(Array.from({ length: 30 }, (_, i) => send(svc, i)));
    await waitFor(() => endpoint.received.length >= 5, 15_000, 'sends under way');
    await redis.kill();
    // Sends taken while Redis is down are stored PENDING; their enqueue waits, then gives up.
    const during = await Promise.all(Array.from({ length: 5 }, (_, i) => send(svc, 100 + i)));
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    const after = await Promise.all(Array.from({ length: 5 }, (_, i) => send(svc, 200 + i)));
    const answered = [...first, ...during, ...after].filter((r) => r?.status === 201).map((r) => r!.body.data.id as string);
    expect(answered.length).toBeGreaterThanOrEqual(35);

    await waitForAllSettled(30_000);
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);

    const rows = await sql<{ id: string; status: string }>(`SELECT id, status::text FROM messages WHERE direction = 'outgoing'`);
    expect(rows.filter((r) => r.status !== 'SENT')).toEqual([]);
    for (const id of answered) expect(rows.map((r) => r.id)).toContain(id);
    for (const d of endpoint.received) expect(d.headers['idempotency-key']).toBe(d.body.id);
    const perMessage = receiptsPerMessage(endpoint.received);
    expect([...perMessage.keys()].sort()).toEqual(rows.map((r) => r.id).sort());
    const repeats = [...perMessage.values()].filter((n) => n > 1).length;
    process.stdout.write(`Redis restart: ${answered.length} sends answered 201, ${rows.length} stored, all SENT, ${perMessage.size} accepted once each, ${repeats} repeated with the same Idempotency-Key\n`);
  }, 120_000);
});
