import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { FakeGraphApi } from '../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaFixture } from '../support/scenario';
import { freePort } from '../support/ports';
import { resetDatabase, type TestApp } from '../support/test-app';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');

describe('Redis unreachable (real server process)', () => {
  let graph: FakeGraphApi;
  let child: ChildProcess;
  let out = '';

  beforeAll(async () => {
    await resetDatabase();
    graph = await new FakeGraphApi().start();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await graph.stop();
  });

  it('when Redis is down from the start, then the service keeps serving, /ready says so quickly, and publishing events does not crash it', async () => {
    const env = {
      PATH: process.env.PATH,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      JWT_SECRET: process.env.JWT_SECRET,
      CREDENTIALS_ENCRYPTION_KEY: process.env.CREDENTIALS_ENCRYPTION_KEY,
      META_GRAPH_BASE_URL: graph.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const url = `http://127.0.0.1:${env.PORT}`;
    const deadline = Date.now() + 20_000;
    while (!(await request(url).get('/health').then((r) => r.status === 200, () => false))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`service did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const started = Date.now();
    const ready = await request(url).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ success: false, code: 'NOT_READY', checks: { database: 'up', store: 'down' } });
    expect(Date.now() - started).toBeLessThan(2000);

    // Every one of these publishes through the Redis adapter.
    const app = { url, token: (c: any) => require('jsonwebtoken').sign({ sub: 1, role: 'admin', type: 'access', ...c }, env.JWT_SECRET, { expiresIn: '1h' }) } as unknown as TestApp;
    const tenant = await createTenant(app);
    await createMetaChannel(app, graph, tenant);
    expect((await postMetaFixture(app, 'text-message.json')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 6000));

    expect({ exitCode: child.exitCode, out: child.exitCode === null ? '' : out }).toEqual({ exitCode: null, out: '' });
    expect((await request(url).get('/health')).status).toBe(200);
  }, 40_000);
});
