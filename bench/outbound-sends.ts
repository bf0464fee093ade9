import http from 'node:http';
import { FakeGraphApi } from '../test/support/fake-graph-api';
import { BENCH, benchTenant, createBenchChannel, freshDatabase, machine, percentile, sql, startService, writeSection } from './bench-support';

/**
 * Outbound benchmark (issue 7): BENCH_OUT_MESSAGES (20,000) replies POSTed to the REST API as fast
 * as it takes them, sent by the queue to a local fake Graph API; sent per second, enqueue-to-sent
 * p50/p99 (created_at -> updated_at of SENT), and the channel's rate limit checked on the fake's
 * receipt times. Baseline in the same run: the same number of Graph calls made directly (no API,
 * no queue) at the same concurrency. Run twice: a channel limit that allows 2,000/s and one of 200/s.
 */
const MESSAGES = Number(process.env.BENCH_OUT_MESSAGES ?? 20000);
const CONCURRENCY = 64;

/** POSTs `count` JSON bodies to `url`, CONCURRENCY at a time; returns the seconds it took. */
async function postAll(url: string, count: number, body: (i: number) => object, headers: Record<string, string>): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(url);
  let next = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < count; i = next++) {
      const payload = JSON.stringify(body(i));
      await new Promise<void>((resolve) => {
        const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => res.resume().on('end', () => resolve()));
        req.on('error', () => resolve());
        req.end(payload);
      });
    }
  }));
  agent.destroy();
  return (Date.now() - started) / 1000;
}

/** The most sends the fake saw in any 1 s window. */
function busiestSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

interface Run { limit: number; restPerSecond: number; sentPerSecond: number; p50: number; p99: number; busiest: number; baselinePerSecond: number; sent: number }

async function waitUntilSettled(): Promise<void> {
  for (let waited = 0; waited < 900_000; waited += 500) {
    const [{ n }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE direction = 'outgoing' AND status = 'PENDING'`);
    if (Number(n) === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('sends did not settle');
}

async function run(limit: number): Promise<Run> {
  await freshDatabase();
  const graph = await new FakeGraphApi().start();
  const env = { META_GRAPH_BASE_URL: graph.url, OUTBOUND_CONCURRENCY: '50' };
  let service = await startService(env);
  try {
    const tenant = await benchTenant();
    const auth = { authorization: `Bearer ${tenant.adminToken}` };
    const channelId = await createBenchChannel(service.url, tenant.adminToken, graph, 'bench-app-secret', { send_rate_per_second: limit });
    // 1. The REST send path alone: how fast the API takes replies (each stored PENDING and queued).
    const restCount = Math.min(2000, MESSAGES);
    const restSeconds = await postAll(`${service.url}/api/channels/messages`, restCount, (i) => ({ channel_id: channelId, to: `1555${String(2000000 + (i % 100))}`, message: `rest ${i}` }), auth);
    await waitUntilSettled();
    // 2. The queue alone: MESSAGES replies stored PENDING while the service is down; start-up recovery queues them all.
    await service.stop();
    const [conv] = await sql<{ id: string }>(`SELECT id FROM conversations LIMIT 1`);
    await sql(`INSERT INTO messages (company_id, channel_id, conversation_id, direction, status, message, "to")
               SELECT $1, $2, $3, 'outgoing', 'PENDING', 'queued ' || g, '15552000000' FROM generate_series(1, $4) g`, [tenant.companyId, channelId, conv.id, MESSAGES]);
    graph.requests.length = 0;
    service = await startService(env);
    await waitUntilSettled();
    const rows = await sql<{ ms: number }>(`SELECT EXTRACT(EPOCH FROM (updated_at - created_at)) * 1000 AS ms FROM messages WHERE direction = 'outgoing' AND status = 'SENT' AND message LIKE 'queued %'`);
    const times = graph.sends().map((s) => s.at);
    const span = (Math.max(...times) - Math.min(...times)) / 1000 || 1;
    // Baseline: the same Graph calls straight from here, no API and no queue.
    const baselineSeconds = await postAll(`${graph.url}/v21.0/${graph.phoneNumberId}/messages`, MESSAGES, (i) => ({ messaging_product: 'whatsapp', to: '15552000000', type: 'text', text: { body: `direct ${i}` } }), { authorization: `Bearer ${graph.validToken}` });
    const latencies = rows.map((r) => Number(r.ms));
    return { limit, restPerSecond: restCount / restSeconds, sentPerSecond: times.length / span, p50: percentile(latencies, 50), p99: percentile(latencies, 99), busiest: busiestSecond(times), baselinePerSecond: MESSAGES / baselineSeconds, sent: rows.length };
  } finally {
    await service.stop();
    await graph.stop();
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (const limit of (process.env.BENCH_OUT_LIMITS ?? '2000,200').split(',').map(Number)) {
    const r = await run(limit);
    runs.push(r);
    process.stdout.write(`limit ${r.limit}/s: REST takes ${r.restPerSecond.toFixed(0)} sends/s; queue: ${r.sent} sent at ${r.sentPerSecond.toFixed(0)}/s, stored-to-sent p50 ${r.p50.toFixed(0)} ms p99 ${r.p99.toFixed(0)} ms, busiest second ${r.busiest} (at most ${r.limit * 2}); baseline ${r.baselinePerSecond.toFixed(0)} calls/s; ratio ${(r.sentPerSecond / r.baselinePerSecond).toFixed(2)}x\n`);
  }
  const lines = [
    `## Outbound: ${MESSAGES} queued replies to a fake Graph API`,
    '',
    `Measured ${new Date().toISOString()} on ${machine()}; \`npm run bench\`. The queue alone: the replies are stored PENDING while the service is down and queued by its start-up recovery (stored-to-sent therefore includes the start). The REST send path is measured apart (2,000 POSTs, ${CONCURRENCY} at a time). Baseline: the same number of Graph calls made directly (${CONCURRENCY} at a time, no API, no queue).`,
    '',
    '| channel limit | REST sends/s | sent by the queue | sent/s | stored-to-sent p50 | p99 | busiest second at the fake | baseline calls/s | ratio |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.map((r) => `| ${r.limit}/s | ${r.restPerSecond.toFixed(0)} | ${r.sent} | ${r.sentPerSecond.toFixed(0)} | ${r.p50.toFixed(0)} ms | ${r.p99.toFixed(0)} ms | ${r.busiest} (at most ${r.limit * 2}: rate + burst) | ${r.baselinePerSecond.toFixed(0)} | ${(r.sentPerSecond / r.baselinePerSecond).toFixed(2)}x |`),
    '',
  ];
  writeSection('## Outbound:', lines);
}

void BENCH;
main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
