import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { bearer } from '../support/api-helpers';
import { createCustomChannel, postCustom } from '../support/custom-webhooks';
import { FakeCustomEndpoint } from '../support/fake-custom-endpoint';
import { startInstance, stopInstance, type Instance } from '../support/instance-process';
import { createTenant, type Tenant } from '../support/scenario';
import { resetDatabase, sql } from '../support/test-app';

const ROUNDS = 12;

describe('a channel deleted or deactivated on one instance is refused by every instance once the change is answered', () => {
  let a: Instance;
  let b: Instance;
  let endpoint: FakeCustomEndpoint;
  let tenant: Tenant;
  let dataDir: string;
  let n = 0;
  const text = (instance: Instance, channelId: string) => postCustom(instance.app, channelId, { id: `stale-${++n}`, from: '15550001111', text: 'hola' });

  beforeAll(async () => {
    await resetDatabase();
    endpoint = await new FakeCustomEndpoint().start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-stale-'));
    [a, b] = await Promise.all([startInstance('sa', dataDir), startInstance('sb', dataDir)]);
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
});
