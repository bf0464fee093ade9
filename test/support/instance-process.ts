import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { JwtService } from '../../src/shared/auth/jwt.service';
import { freePort } from './ports';
import type { TestApp } from './test-app';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');

/** One `node dist/main.js` process, and enough of a TestApp for the scenario helpers ({url, token}). */
export interface Instance {
  name: string;
  child: ChildProcess;
  url: string;
  app: TestApp;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  exited: Promise<void>;
}

const jwt = new JwtService(process.env.JWT_SECRET!);
const token: TestApp['token'] = (claims, expiresIn = '1h') => jwt.sign({ sub: 1, role: 'admin', ...claims }, expiresIn);

/** Starts a server process (INSTANCE_ID `xinst-<name>`) on the shared test PostgreSQL and Redis; resolves once /health answers 200. */
export async function startInstance(name: string, dataDir: string, extraEnv: Record<string, string> = {}): Promise<Instance> {
  if (!fs.existsSync(MAIN)) throw new Error('dist/main.js missing: run `npm run build` first');
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    REDIS_URL: process.env.TEST_REDIS_URL,
    JWT_SECRET: process.env.JWT_SECRET,
    CREDENTIALS_ENCRYPTION_KEY: process.env.CREDENTIALS_ENCRYPTION_KEY,
    INSTANCE_ID: `xinst-${name}`,
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Tests poll the API; the REST limit is counted in the shared Redis across suites.
    RATE_LIMIT_REST_PER_MIN: '100000',
    ...extraEnv,
  };
  // cwd outside the repository: a developer's .env must not leak into the processes.
  const child = spawn(process.execPath, [MAIN], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await request(url).get('/health').then((r) => r.status === 200, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`instance ${name} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, child, url, app: { url, token } as unknown as TestApp, output: () => out, exited };
}

/** SIGTERM, then waits for the exit code (SIGKILL after 20 s). */
export function stopInstance(instance: Instance | undefined): Promise<number | null> {
  return new Promise((resolve) => {
    if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) return resolve(instance?.child.exitCode ?? null);
    const killer = setTimeout(() => instance.child.kill('SIGKILL'), 20_000);
    instance.child.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    instance.child.kill('SIGTERM');
  });
}
