import request from 'supertest';
import { bearer } from '../support/api-helpers';
import { FakeCustomEndpoint } from '../support/fake-custom-endpoint';
import { waitForAllSettled } from '../support/outbound';
import { freePort } from '../support/ports';
import type { Tenant } from '../support/scenario';
import { waitFor } from '../support/socket-client';
import { killStrayServices, seedCustomChannel, receiptsPerMessage, startServiceProcess as startService, type ServiceProcess as Service } from '../support/service-process';
import { sql } from '../support/test-app';

describe('outbound queue across process crashes and stops (dist/main.js)', () => {
  let endpoint: FakeCustomEndpoint;
  let tenant: Tenant;
  let channel: { id: string };
  let port: number;

  beforeAll(async () => {
    endpoint = await new FakeCustomEndpoint().start();
    ({ tenant, channel } = await seedCustomChannel(endpoint));
    port = await freePort();
  });
  afterAll(async () => {
    killStrayServices();
    await endpoint.stop();
  });

  const send = (svc: Service, i: number) =>
    request(svc.url).post('/api/channels/messages').set(bearer(tenant.agentToken)).send({ channel_id: channel.id, to: `visitor-${i % 3}`, message: `burst ${i}` }).then((r) => r, () => null);

  it('when the service is SIGKILLed mid-burst of sends and restarted, then every stored message ends SENT, none stays PENDING, and the endpoint accepts each message once (one Idempotency-Key per message)', async () => {
    endpoint.replies.push(...Array.from({ length: 200 }, () => ({ delayMs: 80 })));
    const first = await startService(port);
    const answers = Promise.all(Array.from({ length: 40 }, (_, i) => send(first, i)));
    await waitFor(() => endpoint.received.length >= 8, 15_000, 'sends under way');
    first.child.kill('SIGKILL');
    const acknowledged = (await answers).filter((r) => r?.status === 201).map((r) => r!.body.data.id as string);
    await first.exited;

    const second = await startService(port);
    await waitForAllSettled(30_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const rows = await sql<{ id: string; status: string }>(`SELECT id, status::text FROM messages WHERE direction = 'outgoing'`);
    expect(rows.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(rows.filter((r) => r.status !== 'SENT')).toEqual([]);
    for (const id of acknowledged) expect(rows.map((r) => r.id)).toContain(id);
    // Every request names its message in the body and in Idempotency-Key; the endpoint's receipt count is per key.
    for (const d of endpoint.received) expect(d.headers['idempotency-key']).toBe(d.body.id);
    const perMessage = receiptsPerMessage(endpoint.received);
    expect([...perMessage.keys()].sort()).toEqual(rows.map((r) => r.id).sort());
    const repeats = [...perMessage.values()].filter((n) => n > 1).length;
    process.stdout.write(`SIGKILL burst: ${acknowledged.length} acknowledged, ${rows.length} stored, ${perMessage.size} accepted once each, ${repeats} repeated with the same Idempotency-Key\n`);
  }, 90_000);

  it('when the service gets SIGTERM while a send is in flight, then the send finishes, the message is SENT and the process exits 0', async () => {
    ({ tenant, channel } = await seedCustomChannel(endpoint));
    endpoint.reset();
    endpoint.replies.push({ delayMs: 1500 });
    const svc = await startService(port);
    const res = await send(svc, 1);
    expect(res?.status).toBe(201);
    await waitFor(() => endpoint.received.length === 1, 10_000, 'the send reached the endpoint');
    const stopAt = Date.now();
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    expect(Date.now() - stopAt).toBeGreaterThanOrEqual(1000);
    expect(await sql(`SELECT status::text FROM messages WHERE id = $1`, [res!.body.data.id])).toEqual([{ status: 'SENT' }]);
    expect(endpoint.received).toHaveLength(1);
  }, 60_000);
});
