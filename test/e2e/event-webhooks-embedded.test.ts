import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startService, stopService, type Started } from '../support/embedded-service';
import { EVENT_WEBHOOK_TEST_ENV, eventually, FakeEventReceiver, subscribe } from '../support/fake-event-receiver';
import { FakeGraphApi } from '../support/fake-graph-api';
import { createMetaChannel, postMetaFixture, type Tenant } from '../support/scenario';
import type { TestApp } from '../support/test-app';

describe('end to end: event webhooks in embedded mode (PGlite, in-process store, real server process)', () => {
  let graph: FakeGraphApi;
  let receiver: FakeEventReceiver;
  let dataDir: string;
  let svc: Started | undefined;

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    receiver = await new FakeEventReceiver().start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-e2e-evhooks-'));
  });
  afterAll(async () => {
    if (svc) await stopService(svc.child);
    await receiver.stop();
    await graph.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a customer writes and the first attempt fails, then the PGlite queue (FOR UPDATE SKIP LOCKED + lease) retries and delivers both events in order, and SIGTERM exits 0', async () => {
    svc = await startService(dataDir, graph.url, EVENT_WEBHOOK_TEST_ENV);
    // The helpers only need the service's URL and the printed demo admin token (company 1).
    const app = { url: svc.baseUrl } as TestApp;
    const tenant = { companyId: 1, adminToken: svc.token } as Tenant;
    await createMetaChannel(app, graph, tenant);
    const hook = await subscribe(app, svc.token, receiver.url, ['conversation.created', 'message.received']);
    receiver.statuses.push(503);
    expect((await postMetaFixture(app, 'text-message.json')).status).toBe(200);
    await eventually(() => receiver.accepted().length === 2, 15000, 'two deliveries');
    expect(receiver.received.map((r) => [r.body.type, r.answered])).toEqual([
      ['conversation.created', 503],
      ['conversation.created', 200],
      ['message.received', 200],
    ]);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    const page = await request(svc.baseUrl).get(`/api/webhooks/${hook.id}/deliveries`).set('Authorization', `Bearer ${svc.token}`);
    expect(page.body.data.items.map((d: { status: string; attempts: number }) => [d.status, d.attempts]).sort()).toEqual([['delivered', 1], ['delivered', 2]]);
    expect(svc.output()).not.toContain('could not claim deliveries');
    expect(await stopService(svc.child)).toBe(0);
    svc = undefined;
  });
});
