import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { bearer } from '../support/api-helpers';
import { createCustomChannel, postCustom } from '../support/custom-webhooks';
import { FakeCustomEndpoint } from '../support/fake-custom-endpoint';
import { startInstance, stopInstance, type Instance } from '../support/instance-process';
import { createTenant, type Tenant } from '../support/scenario';
import { waitForAllSettled } from '../support/outbound';
import { resetDatabase, sql } from '../support/test-app';

const ROUNDS = 12;

describe('a channel changed on one instance is seen changed by every instance once the change is answered', () => {
  let a: Instance;
  let b: Instance;
  let endpoint: FakeCustomEndpoint;
  let tenant: Tenant;
  let dataDir: string;
  let n = 0;
  const text = (instance: Instance, channelId: string, secret?: string) => postCustom(instance.app, channelId, { id: `stale-${++n}`, from: '15550001111', text: 'hola' }, { secret });

  beforeAll(async () => {
    await resetDatabase();
    endpoint = await new FakeCustomEndpoint().start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-stale-'));
    [a, b] = await Promise.all([startInstance('sa', dataDir, { ALLOW_PRIVATE_URLS: 'true' }), startInstance('sb', dataDir, { ALLOW_PRIVATE_URLS: 'true' })]);
    tenant = await createTenant(a.app);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await endpoint?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when B has just looked the channel up and A deletes or deactivates it, then B refuses the next webhook and stores nothing', async () => {
    const answers: Record<'delete' | 'deactivate', number[]> = { delete: [], deactivate: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const op of ['delete', 'deactivate'] as const) {
        const channel = await createCustomChannel(a.app, tenant, endpoint, { name: `Stale ${op} ${i}` });
        // B reads the channel now: its lookup cache holds it (CHANNEL_LOOKUP_CACHE_MS).
        expect((await text(b, channel.id)).status).toBe(200);
        const change = op === 'delete' ? request(a.url).delete(`/api/channels/${channel.id}`) : request(a.url).put(`/api/channels/${channel.id}/deactivate`);
        expect((await change.set(bearer(tenant.adminToken))).status).toBe(200);
        answers[op].push((await text(b, channel.id)).status);
      }
    }
    expect(answers.delete.every((s) => s === 404)).toBe(true);
    expect(answers.deactivate.every((s) => s >= 400)).toBe(true);
    // One text per channel, the one sent before the change.
    expect(await sql(`SELECT channel_id, count(*)::int AS n FROM messages GROUP BY channel_id HAVING count(*) > 1`)).toEqual([]);
  }, 60_000);

  it('when the secret is rotated through the instance that does not run the channel, then it answers 200, every instance checks the new secret, and the runner signs replies with it', async () => {
    const rotated = 'rotated-secret-0123456789abcdefghij';
    const channel = await createCustomChannel(a.app, tenant, endpoint, { name: 'Rotated' });
    const owner = (await request(a.url).get(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken))).body.data.owner_instance;
    const [runner, other] = owner === 'xinst-sa' ? [a, b] : [b, a];
    for (const instance of [a, b]) expect((await text(instance, channel.id)).status).toBe(200);
    const res = await request(other.url).put(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).send({ credentials: { secret: rotated } });
    expect(res.status).toBe(200);
    for (const instance of [a, b]) {
      expect((await text(instance, channel.id)).status).toBe(401);
      expect((await text(instance, channel.id, rotated)).status).toBe(200);
    }
    // Replies queued through both instances: the runner's rebuilt provider and the other's both sign with the new secret.
    endpoint.reset();
    endpoint.secret = rotated;
    const [conv] = await sql<{ id: string }>('SELECT id FROM conversations WHERE channel_id = $1 LIMIT 1', [channel.id]);
    for (let i = 0; i < 6; i++) {
      const via = i % 2 ? runner : other;
      expect((await request(via.url).post('/api/channels/messages').set(bearer(tenant.adminToken)).send({ conversation_id: conv.id, message: `after rotation ${i}` })).status).toBe(201);
    }
    await waitForAllSettled(20_000);
    expect(await sql(`SELECT status::text AS status, error_code FROM messages WHERE channel_id = $1 AND direction = 'outgoing' AND status <> 'SENT'`, [channel.id])).toEqual([]);
    expect(endpoint.received.length).toBeGreaterThanOrEqual(6);
    expect(endpoint.received.every((d) => d.signatureValid)).toBe(true);
    expect(await sql(`SELECT status::text AS status FROM messages WHERE channel_id = $1 AND direction = 'outgoing' AND status <> 'SENT'`, [channel.id])).toEqual([]);
  }, 60_000);
});
