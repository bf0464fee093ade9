import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { signMetaBody } from '../src/modules/channels/infrastructure/providers/meta/meta-signature';
import { FakeGraphApi } from '../test/support/fake-graph-api';
import { benchTenant, createBenchChannel, freshDatabase, machine, percentile, startService, writeSection } from './bench-support';

/**
 * Socket benchmark (issue 7): BENCH_SOCKETS (5,000) authenticated connections on /message; memory
 * per connection (the server's RSS before and after) and broadcast latency (a customer's message
 * reaching every agent socket of the company, BENCH_BROADCASTS times). Baseline in the same run: a
 * bare Socket.IO server broadcasting the same payload to the same number of sockets.
 */
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 5000);
const BROADCASTS = Number(process.env.BENCH_BROADCASTS ?? 20);
const APP_SECRET = 'bench-app-secret';

/** Resident memory of a process in KB (Linux /proc). */
function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** Opens `count` sockets, 200 at a time; resolves when all are connected. */
async function connectAll(url: string, count: number, token?: string): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, () => io(`${url}/message`, { auth: token ? { token } : {}, transports: ['websocket'], forceNew: true, reconnection: false }));
    await Promise.all(batch.map((s) => new Promise<void>((resolve, reject) => (s.once('connect', () => resolve()), s.once('connect_error', reject)))));
    sockets.push(...batch);
  }
  return sockets;
}

/** Fires `trigger(sentAt)` BROADCASTS times and collects every socket's receive delay (ms). */
async function broadcastLatencies(sockets: Socket[], trigger: (sentAt: number) => Promise<void>): Promise<number[]> {
  const delays: number[] = [];
  for (const s of sockets) s.on('message_received', (p: any) => {
    const sent = Number(/t=(\d+)/.exec(JSON.stringify(p))?.[1]);
    if (sent) delays.push(Date.now() - sent);
  });
  for (let b = 0; b < BROADCASTS; b++) {
    const expected = (b + 1) * sockets.length;
    await trigger(Date.now());
    for (let waited = 0; delays.length < expected && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  }
  return delays;
}

async function main(): Promise<void> {
  await freshDatabase();
  const graph = await new FakeGraphApi().start();
  const service = await startService({ META_GRAPH_BASE_URL: graph.url });
  let bare: ChildProcess | undefined;
  const result: Record<string, { perConnectionKb: number; p50: number; p99: number; received: number }> = {};
  try {
    const tenant = await benchTenant();
    await createBenchChannel(service.url, tenant.adminToken, graph, APP_SECRET);
    let n = 0;
    const webhook = async (sentAt: number) => {
      const from = '15553000001';
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '310000000000001', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15557770001', phone_number_id: graph.phoneNumberId }, contacts: [{ profile: { name: 'Bench' }, wa_id: from }], messages: [{ from, id: `wamid.SOCK.${n++}`, timestamp: String(Math.floor(sentAt / 1000)), type: 'text', text: { body: `t=${sentAt}` } }] } }] }] });
      await fetch(`${service.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(Buffer.from(body), APP_SECRET) }, body });
    };
    await webhook(Date.now());
    const before = rssKb(service.child.pid!);
    const sockets = await connectAll(service.url, SOCKETS, tenant.agentToken);
    await new Promise((r) => setTimeout(r, 2000));
    const after = rssKb(service.child.pid!);
    const delays = await broadcastLatencies(sockets, webhook);
    result.service = { perConnectionKb: (after - before) / SOCKETS, p50: percentile(delays, 50), p99: percentile(delays, 99), received: delays.length };
    for (const s of sockets) s.close();

    bare = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'bare-socket-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const bareUrl = await new Promise<string>((resolve) => bare!.stdout!.once('data', (d) => resolve(`http://127.0.0.1:${String(d).trim()}`)));
    const bareBefore = rssKb(bare.pid!);
    const bareSockets = await connectAll(bareUrl, SOCKETS);
    await new Promise((r) => setTimeout(r, 2000));
    const bareAfter = rssKb(bare.pid!);
    // The same payload as the service's message_received, so both push the same bytes.
    const payload = { message: { id: 'x', message: '', direction: 'incoming' }, conversation: { id: 'y' } };
    const bareDelays = await broadcastLatencies(bareSockets, async (sentAt) => {
      await fetch(`${bareUrl}/broadcast`, { method: 'POST', body: JSON.stringify({ ...payload, message: { ...payload.message, message: `t=${sentAt}` } }) });
    });
    result.baseline = { perConnectionKb: (bareAfter - bareBefore) / SOCKETS, p50: percentile(bareDelays, 50), p99: percentile(bareDelays, 99), received: bareDelays.length };
    for (const s of bareSockets) s.close();
  } finally {
    bare?.kill('SIGTERM');
    await service.stop();
    await graph.stop();
  }
  const s = result.service;
  const b = result.baseline;
  process.stdout.write(`sockets ${SOCKETS}: service ${s.perConnectionKb.toFixed(1)} KB/connection, broadcast p50 ${s.p50} ms p99 ${s.p99} ms (${s.received} receipts); bare Socket.IO ${b.perConnectionKb.toFixed(1)} KB/connection, p50 ${b.p50} ms p99 ${b.p99} ms; p99 ratio ${(s.p99 / b.p99).toFixed(2)}x\n`);
  const lines = [
    `## Sockets: ${SOCKETS} authenticated connections on /message`,
    '',
    `Measured ${new Date().toISOString()} on ${machine()}; \`npm run bench\`. Broadcast: a customer's message (signed Meta webhook) reaching every agent socket of the company, ${BROADCASTS} times; latency from the webhook POST to each receipt. Baseline: a bare Socket.IO server broadcasting the same payload to as many sockets (latency from its trigger).`,
    '',
    '| server | memory per connection | broadcast p50 | broadcast p99 | receipts |',
    '|---|---|---|---|---|',
    `| service | ${s.perConnectionKb.toFixed(1)} KB | ${s.p50} ms | ${s.p99} ms | ${s.received} |`,
    `| bare Socket.IO | ${b.perConnectionKb.toFixed(1)} KB | ${b.p50} ms | ${b.p99} ms | ${b.received} |`,
    '',
    `Ratio (service / bare): memory ${(s.perConnectionKb / b.perConnectionKb).toFixed(2)}x, broadcast p99 ${(s.p99 / b.p99).toFixed(2)}x.`,
    '',
  ];
  writeSection('## Sockets:', lines);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
