import net from 'node:net';
import request from 'supertest';
import { bearer } from '../support/api-helpers';
import { FakeCustomEndpoint } from '../support/fake-custom-endpoint';
import type { Tenant } from '../support/scenario';
import { waitFor } from '../support/socket-client';
import { killStrayServices, seedCustomChannel, startServiceProcess } from '../support/service-process';
import { freePort } from '../support/ports';
import { sql } from '../support/test-app';

describe('graceful stop under load (dist/main.js)', () => {
  let endpoint: FakeCustomEndpoint;
  let tenant: Tenant;
  let channel: { id: string };

  beforeAll(async () => {
    endpoint = await new FakeCustomEndpoint().start();
  });
  beforeEach(async () => {
    ({ tenant, channel } = await seedCustomChannel(endpoint));
    endpoint.reset();
  });
  afterAll(async () => {
    killStrayServices();
    await endpoint.stop();
  });

  it('when a webhook request is still being received at SIGTERM, then the process still exits 0 within its deadline', async () => {
    const port = await freePort();
    const svc = await startServiceProcess(port, { SHUTDOWN_DEADLINE_MS: '2000' });
    // A webhook whose body is still on its way (a slow uplink): headers and part of the body.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /webhooks/custom/${channel.id} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"id":"slow`);
    socket.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const stopAt = Date.now();
    svc.child.kill('SIGTERM');
    const code = await svc.exited;
    const took = Date.now() - stopAt;
    socket.destroy();
    expect(code).toBe(0);
    // Cut at the deadline, well before main's backstop (deadline + 5 s) would exit 1.
    expect(took).toBeLessThan(6000);
  }, 60_000);

  it('when SIGTERM arrives while a send is in flight, then no new send is taken during the drain, and the one in flight ends SENT', async () => {
    endpoint.replies.push({ delayMs: 3000 });
    const svc = await startServiceProcess(await freePort(), { SHUTDOWN_DEADLINE_MS: '8000' });
    const first = await request(svc.url).post('/api/channels/messages').set(bearer(tenant.agentToken)).send({ channel_id: channel.id, to: 'visitor-1', message: 'in flight' });
    expect(first.status).toBe(201);
    await waitFor(() => endpoint.received.length === 1, 10_000, 'send in flight');
    svc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    const late = await request(svc.url).post('/api/channels/messages').set(bearer(tenant.agentToken)).send({ channel_id: channel.id, to: 'visitor-2', message: 'after SIGTERM' }).then((r) => r.status, (e) => `error ${e.code}`);
    const code = await svc.exited;
    expect(code).toBe(0);
    expect(late).not.toBe(201);
    expect(await sql(`SELECT message, status::text FROM messages ORDER BY created_at`)).toEqual([{ message: 'in flight', status: 'SENT' }]);
  }, 60_000);
});
