import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { migrate } from '../src/shared/database/migrator';
import { recreateDatabase } from '../test/support/database';
import { freePort } from '../test/support/ports';

/** Where the benchmarks run: a database of their own (recreated), a Redis database of their own. */
export const BENCH = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/axi_bench_test',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9',
  seconds: Number(process.env.BENCH_SECONDS ?? 60),
  jwtSecret: 'bench-jwt-secret-0123456789abcdef',
  credentialsKey: Buffer.alloc(32, 9).toString('base64'),
};

/** The machine, for the report. */
export function machine(): string {
  return `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** A fresh, migrated bench database. */
export async function freshDatabase(): Promise<void> {
  await recreateDatabase(BENCH.databaseUrl);
  await migrate(BENCH.databaseUrl);
}

/** Runs SQL on the bench database. */
export async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: BENCH.databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A company with an admin and an agent, and their tokens. */
export async function benchTenant(): Promise<{ companyId: number; adminToken: string; agentToken: string }> {
  const [company] = await sql<{ id: number }>(`INSERT INTO companies (name) VALUES ('Bench') RETURNING id`);
  const [admin] = await sql<{ id: number }>(`INSERT INTO agents (company_id, name, email, role) VALUES ($1, 'Admin', 'admin@bench.test', 'admin') RETURNING id`, [company.id]);
  const [agent] = await sql<{ id: number }>(`INSERT INTO agents (company_id, name, email, role) VALUES ($1, 'Agent', 'agent@bench.test', 'agent') RETURNING id`, [company.id]);
  const sign = (sub: number, role: string) => jwt.sign({ sub, company_id: company.id, role, type: 'access' }, BENCH.jwtSecret, { algorithm: 'HS256', expiresIn: '2h' });
  return { companyId: company.id, adminToken: sign(admin.id, 'admin'), agentToken: sign(agent.id, 'agent') };
}

/** Creates the bench's META channel through the API (credentials checked against the fake Graph API); its id. */
export async function createBenchChannel(serviceUrl: string, adminToken: string, graph: { validToken: string; phoneNumberId: string }, appSecret: string, config: Record<string, unknown> = {}): Promise<string> {
  const created = await fetch(`${serviceUrl}/api/channels`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ name: 'Bench', type: 'WHATSAPP', provider: 'META', config, credentials: { accessToken: graph.validToken, phoneNumberId: graph.phoneNumberId, appSecret, verifyToken: 'bench-verify-token' } }),
  }).then((r) => r.json() as Promise<{ data?: { id?: string } }>);
  if (!created?.data?.id) throw new Error(`channel creation failed: ${JSON.stringify(created)}`);
  return created.data.id;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** `node dist/main.js` on the bench database and Redis (build first). */
export async function startService(env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the service under load.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, path.resolve(__dirname, '../dist/main.js')], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: 'false',
      DATABASE_URL: BENCH.databaseUrl, REDIS_URL: BENCH.redisUrl, JWT_SECRET: BENCH.jwtSecret, CREDENTIALS_ENCRYPTION_KEY: BENCH.credentialsKey,
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '10', RATE_LIMIT_WEBHOOK_PER_SEC: '1000000', RATE_LIMIT_REST_PER_MIN: '1000000', ALLOW_PRIVATE_URLS: 'true', DATA_DIR: path.join(os.tmpdir(), `axi-bench-${process.pid}`),
      ...env,
      // BENCH_ENV_X=1 sets X=1 for the service: a setting can be compared without editing the bench.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_ENV_')).map(([k, v]) => [k.slice('BENCH_ENV_'.length), v as string])),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (up) break;
    if (i > 300 || child.exitCode !== null) throw new Error('service did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return { url, child, stop };
}

/** p-th percentile (0..100) of the values, in their unit; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Result of one open-loop run. */
export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  latenciesMs: number[];
  seconds: number;
}

/**
 * Open-loop load: `rate` requests per second for `seconds`, whatever the answers take (so a slow
 * server shows as latency, not as a lower offered rate), over keep-alive connections.
 */
export async function openLoop(url: string | string[], rate: number, seconds: number, body: (i: number) => { payload: string; headers: Record<string, string> }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  // Several URLs (instances behind a load balancer): request i goes to URL i mod n.
  const targets = (Array.isArray(url) ? url : [url]).map((u) => new URL(u));
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, latenciesMs: [], seconds };
  const inflight = new Set<Promise<void>>();
  const started = Date.now();
  const total = Math.round(rate * seconds);
  while (result.sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
    while (result.sent < due) {
      const i = result.sent++;
      const { payload, headers } = body(i);
      const t0 = process.hrtime.bigint();
      const target = targets[i % targets.length];
      const p = new Promise<void>((resolve) => {
        const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
          res.resume();
          res.on('end', () => {
            result.latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if (res.statusCode === 200) result.ok++;
            else result.failed++;
            resolve();
          });
        });
        req.on('error', () => {
          result.failed++;
          resolve();
        });
        req.end(payload);
      });
      inflight.add(p);
      void p.then(() => inflight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  result.seconds = (Date.now() - started) / 1000;
  agent.destroy();
  return result;
}

const PERFORMANCE_MD = path.join(__dirname, '..', 'docs', 'performance.md');
const PERFORMANCE_HEAD = '# Performance\n\nFigures written by `npm run bench` (bench/). These machines are shared and noisy: compare the ratio to the baseline measured in the same run, not absolute numbers across runs.\n\n';

/**
 * Writes a benchmark's section into docs/performance.md: replaces the section whose heading starts
 * with `prefix` (up to the next `## `), or adds it before the hand-written "## Against the targets".
 */
export function writeSection(prefix: string, lines: string[]): void {
  const old = fs.existsSync(PERFORMANCE_MD) ? fs.readFileSync(PERFORMANCE_MD, 'utf8') : PERFORMANCE_HEAD;
  const body = `${lines.join('\n').trimEnd()}\n\n`;
  const start = old.indexOf(prefix);
  let updated: string;
  if (start !== -1) {
    const after = old.indexOf('\n## ', start + 1);
    updated = old.slice(0, start) + body + (after === -1 ? '' : old.slice(after + 1));
  } else {
    const anchor = old.indexOf('## Against the targets');
    updated = anchor !== -1 ? old.slice(0, anchor) + body + old.slice(anchor) : `${old.trimEnd()}\n\n${body}`;
  }
  fs.writeFileSync(PERFORMANCE_MD, updated.replace(/\n{3,}/g, '\n\n'));
  process.stdout.write(`written to ${path.relative(process.cwd(), PERFORMANCE_MD)}\n`);
}

