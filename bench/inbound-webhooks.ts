import { spawn } from 'node:child_process';
import path from 'node:path';
import { io } from 'socket.io-client';
import { signMetaBody } from '../src/modules/channels/infrastructure/providers/meta/meta-signature';
import { FakeGraphApi } from '../test/support/fake-graph-api';
import { BENCH, benchTenant, cpuSeconds, createBenchChannel, freshDatabase, machine, openLoop, percentile, sql, startService, writeSection, type LoadResult } from './bench-support';

/**
 * Inbound benchmark (issue 7): signed Meta webhooks, one event each, 1 in 4 a customer's text and
 * 3 in 4 the sent/delivered/read statuses of our replies, at rising rates for BENCH_SECONDS each,
 * against the service (real PostgreSQL and Redis) and against a naive baseline (signature check +
 * one INSERT per request) in the same run. Writes docs/performance.md.
 */
const APP_SECRET = 'bench-app-secret';
const PHONE_NUMBER_ID = '410000000000001';
const RATES = (process.env.BENCH_RATES ?? '1000,2000,3000,4000').split(',').map(Number);
/** Seconds of load at the first rate before anything is measured (the service and the baseline warm up). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
/** Service instances sharing the load (one PostgreSQL, one Redis), webhooks spread over them round-robin. */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
const HEADING = INSTANCES > 1 ? `## Inbound on ${INSTANCES} instances:` : '## Inbound:';

function webhook(value: Record<string, unknown>): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '310000000000001', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15557770001', phone_number_id: PHONE_NUMBER_ID }, ...value } }] }] });
}

/** Request i of a run: a text (i % 4 == 0) or a status of reply floor(i / 4) of that run. */
function eventBody(run: string, i: number): string {
  const ts = String(Math.floor(Date.now() / 1000));
  if (i % 4 === 0) {
    const from = `1555${String(1000000 + (i % 500)).padStart(7, '0')}`;
    return webhook({ contacts: [{ profile: { name: 'Bench' }, wa_id: from }], messages: [{ from, id: `wamid.${run}.IN.${i}`, timestamp: ts, type: 'text', text: { body: `t=${Date.now()}` } }] });
  }
  const status = ['sent', 'delivered', 'read'][(i % 4) - 1];
  return webhook({ statuses: [{ id: `wamid.${run}.OUT.${Math.floor(i / 4)}`, status, timestamp: ts, recipient_id: '15551000000' }] });
}

/** Request i of a run as Meta sends it: the body and its X-Hub-Signature-256. */
function signedBodies(run: string): (i: number) => { payload: string; headers: Record<string, string> } {
  return (i) => {
    const payload = eventBody(run, i);
    return { payload, headers: { 'x-hub-signature-256': signMetaBody(Buffer.from(payload), APP_SECRET) } };
  };
}

/** Our replies whose statuses the run posts: stored SENT-able (PENDING) with their wamids, as the queue leaves them. */
async function seedReplies(run: string, companyId: number, channelId: string, count: number): Promise<void> {
  const [conv] = await sql<{ id: string }>(`INSERT INTO conversations (company_id, channel_id, external_id) VALUES ($1, $2, $3) RETURNING id`, [companyId, channelId, `bench-replies-${run}`]);
  await sql(
    `INSERT INTO messages (company_id, channel_id, conversation_id, direction, status, message, external_id)
     SELECT $1, $2, $3, 'outgoing', 'PENDING', 'reply', 'wamid.' || $4 || '.OUT.' || g FROM generate_series(0, $5 - 1) g`,
    [companyId, channelId, conv.id, run, count],
  );
}

interface Row {
  rate: number;
  service: LoadResult;
  baseline: LoadResult;
  socketMs: number[];
  stored: { messages: number; statuses: number };
  /** Service CPU time per stored event: the single-threaded ceiling is 1000 / this, per second. */
  cpuMsPerEvent: number;
}

async function main(): Promise<void> {
  await freshDatabase();
  const graph = await new FakeGraphApi().start();
  const services: Awaited<ReturnType<typeof startService>>[] = [];
  for (let n = 0; n < INSTANCES; n++) services.push(await startService({ META_GRAPH_BASE_URL: graph.url, INSTANCE_ID: `bench-${n + 1}` }));
  const service = services[0];
  const webhookUrls = services.map((s) => `${s.url}/webhooks/meta`);
  const serviceCpu = () => services.reduce((sum, s) => sum + cpuSeconds(s.child.pid), 0);
  const baselineChild = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'baseline-server.ts')], { env: { ...process.env, DATABASE_URL: BENCH.databaseUrl, APP_SECRET }, stdio: ['ignore', 'pipe', 'inherit'] });
  const baselineUrl = await new Promise<string>((resolve) => baselineChild.stdout!.once('data', (d) => resolve(`http://127.0.0.1:${String(d).trim()}`)));
  const rows: Row[] = [];
  try {
    const tenant = await benchTenant();
    const channelId = await createBenchChannel(service.url, tenant.adminToken, graph, APP_SECRET);
    const socket = io(`${service.url}/message`, { auth: { token: tenant.agentToken }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('connect_error', reject)));
    let socketMs: number[] = [];
    socket.on('message_received', (p: any) => {
      const sent = Number(/^t=(\d+)$/.exec(p?.message?.message ?? '')?.[1]);
      if (sent) socketMs.push(Date.now() - sent);
    });

    // A warm service (JIT-compiled, pools and caches filled), as in production: not measured.
    if (WARMUP_SECONDS > 0) {
      await seedReplies('WARM', tenant.companyId, channelId, Math.ceil((RATES[0] * WARMUP_SECONDS) / 4));
      await openLoop(webhookUrls, RATES[0], WARMUP_SECONDS, signedBodies('WARM'));
      await openLoop(baselineUrl, RATES[0], WARMUP_SECONDS, signedBodies('WARM'));
    }
    for (const rate of RATES) {
      const run = `R${rate}`;
      const total = rate * BENCH.seconds;
      await seedReplies(run, tenant.companyId, channelId, Math.ceil(total / 4));
      socketMs = [];
      const body = signedBodies(run);
      const cpuBefore = serviceCpu();
      const serviceResult = await openLoop(webhookUrls, rate, BENCH.seconds, body);
      const cpuMsPerEvent = ((serviceCpu() - cpuBefore) * 1000) / Math.max(1, serviceResult.ok);
      await new Promise((r) => setTimeout(r, 1000));
      const [m] = await sql<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE external_id LIKE $1`, [`wamid.${run}.IN.%`]);
      const [s] = await sql<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE external_id LIKE $1 AND status = 'READ'`, [`wamid.${run}.OUT.%`]);
      const baselineResult = await openLoop(baselineUrl, rate, BENCH.seconds, body);
      rows.push({ rate, service: serviceResult, baseline: baselineResult, socketMs, stored: { messages: Number(m.n), statuses: Number(s.n) }, cpuMsPerEvent });
      print(rows[rows.length - 1]);
    }
    socket.close();
  } finally {
    for (const s of services) await s.stop();
    baselineChild.kill('SIGTERM');
    await graph.stop();
  }
  report(rows);
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const perSecond = (r: LoadResult) => r.ok / r.seconds;

function print(r: Row): void {
  process.stdout.write(
    `rate ${r.rate}/s: service ${f(perSecond(r.service))} stored/s (p50 ${f(percentile(r.service.latenciesMs, 50))} ms, p99 ${f(percentile(r.service.latenciesMs, 99))} ms, failed ${r.service.failed}), ` +
      `socket p50 ${f(percentile(r.socketMs, 50))} ms p99 ${f(percentile(r.socketMs, 99))} ms; baseline ${f(perSecond(r.baseline))}/s (p99 ${f(percentile(r.baseline.latenciesMs, 99))} ms); ratio ${f(perSecond(r.service) / perSecond(r.baseline))}x; service CPU ${r.cpuMsPerEvent.toFixed(3)} ms/event\n`,
  );
}

function report(rows: Row[]): void {
  const lines = [
    `${HEADING} signed Meta webhooks (one event each: 1/4 texts, 3/4 statuses)${INSTANCES > 1 ? `, spread round-robin over ${INSTANCES} instances of the service on this one machine` : ''}`,
    '',
    `Measured ${new Date().toISOString()} on ${machine()}; ${BENCH.seconds} s per rate after ${WARMUP_SECONDS} s of warm-up at the first rate (not counted); \`npm run bench\`.`,
    '',
    '| offered/s | service stored/s | webhook p50 | webhook p99 | failed | webhook-to-socket p50 | p99 | baseline/s | baseline p99 | ratio | service CPU/event |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.rate} | ${f(perSecond(r.service))} | ${f(percentile(r.service.latenciesMs, 50))} ms | ${f(percentile(r.service.latenciesMs, 99))} ms | ${r.service.failed} | ${f(percentile(r.socketMs, 50))} ms | ${f(percentile(r.socketMs, 99))} ms | ${f(perSecond(r.baseline))} | ${f(percentile(r.baseline.latenciesMs, 99))} ms | ${f(perSecond(r.service) / perSecond(r.baseline))}x | ${r.cpuMsPerEvent.toFixed(3)} ms |`),
    '',
    `Stored in the database after each service run (texts / replies READ): ${rows.map((r) => `${r.rate}/s: ${r.stored.messages} / ${r.stored.statuses}`).join('; ')}.`,
    '',
  ];
  writeSection(HEADING, lines);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
