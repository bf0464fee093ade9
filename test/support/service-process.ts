import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { createCustomChannel } from './custom-webhooks';
import type { CustomDelivery, FakeCustomEndpoint } from './fake-custom-endpoint';
import { createTenant, type Tenant } from './scenario';
import { resetDatabase, startTestApp } from './test-app';

// The built service (`npm run build` first; `npm test` does it in pretest), run as a real process.
const MAIN = path.resolve(__dirname, '../../dist/main.js');

const running = new Set<ChildProcess>();

/** SIGKILLs every service process a test started and left running (a failed test must not hang jest). */
export function killStrayServices(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

/** A `node dist/main.js` on the test PostgreSQL (and Redis, unless overridden). */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts the service on `port` against the test database and waits for /health; `env` overrides (e.g. REDIS_URL). */
export async function startServiceProcess(port: number, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      REDIS_URL: process.env.TEST_REDIS_URL,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      // A killed worker's jobs are handed out again after the lock lapses: short here so the tests are quick.
      OUTBOUND_LOCK_MS: '2000',
      SHUTDOWN_DEADLINE_MS: '5000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    const up = await request(url).get('/health').then((r) => r.status === 200, () => false);
    if (up) return { child, url, exited };
    if (Date.now() > until || child.exitCode !== null) throw new Error('service did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * An empty test database with a tenant and a custom channel posting to `endpoint`, made through an
 * in-process app that is stopped again: the state a service process is then started on.
 */
export async function seedCustomChannel(endpoint: FakeCustomEndpoint): Promise<{ tenant: Tenant; channel: { id: string } }> {
  await resetDatabase();
  const setup = await startTestApp();
  try {
    const tenant = await createTenant(setup);
    return { tenant, channel: await createCustomChannel(setup, tenant, endpoint) };
  } finally {
    await setup.stop();
  }
}

/** How many times the endpoint received each message (keyed by its id, which is also the Idempotency-Key). */
export function receiptsPerMessage(received: CustomDelivery[]): Map<string, number> {
  const perMessage = new Map<string, number>();
  for (const d of received) perMessage.set(d.body.id, (perMessage.get(d.body.id) ?? 0) + 1);
  return perMessage;
}
