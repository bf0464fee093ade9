/**
 * Memory of one Chromium session: launches the machine's Chromium through puppeteer (the copy
 * whatsapp-web.js depends on) with our CHROMIUM_ARGS and, in the same run, with puppeteer's
 * default args as the baseline; loads a local WhatsApp-like page in each and sums RSS and PSS over
 * every process of the browser (/proc/<pid>/smaps_rollup). Run: `npm run bench:wa-memory`
 * (CHROMIUM_PATH, BENCH_ROUNDS and BENCH_SETTLE_MS override the defaults).
 */
import fs from 'node:fs';
import os from 'node:os';
import { listProcesses, type ProcessInfo } from '../src/modules/channels/infrastructure/providers/whatsapp-web/chromium-processes';
import { CHROMIUM_ARGS } from '../src/modules/channels/infrastructure/providers/whatsapp-web/whatsapp-web.client';
import { serveWhatsappLikePage } from './whatsapp-like.page';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const puppeteer = require('puppeteer') as typeof import('puppeteer');

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const settleMs = Number(process.env.BENCH_SETTLE_MS ?? 5000);

interface Sample { processes: number; rssMb: number; pssMb: number; byType: Record<string, number> }

/** The browser process and all its descendants. */
function processTree(rootPid: number): ProcessInfo[] {
  const all = listProcesses();
  const tree = all.filter((p) => p.pid === rootPid);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i].pid));
  return tree;
}

/** kB of `field` in /proc/<pid>/smaps_rollup (0 when the process is gone). */
function rollup(pid: number, field: 'Rss' | 'Pss'): number {
  try {
    const match = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function kind(p: ProcessInfo): string {
  const type = p.cmdline.match(/--type=(\S+)/)?.[1];
  const sub = p.cmdline.match(/--utility-sub-type=(\S+)/)?.[1].split('.').pop();
  return type ? (sub ? `${type}:${sub}` : type) : 'browser';
}

async function measure(args: string[], url: string): Promise<Sample> {
  const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args });
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction('document.title === "ready"', { timeout: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const tree = processTree(browser.process()!.pid!);
    const byType: Record<string, number> = {};
    let rss = 0;
    let pss = 0;
    for (const p of tree) {
      const processPss = rollup(p.pid, 'Pss');
      rss += rollup(p.pid, 'Rss');
      pss += processPss;
      byType[kind(p)] = Math.round((byType[kind(p)] ?? 0) + processPss / 1024);
    }
    return { processes: tree.length, rssMb: rss / 1024, pssMb: pss / 1024, byType };
  } finally {
    await browser.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!fs.existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const page = await serveWhatsappLikePage();
  // Root in containers needs --no-sandbox even for the baseline; everything else is puppeteer's default.
  const configs = { baseline: ['--no-sandbox'], ours: CHROMIUM_ARGS };
  const samples: Record<string, Sample[]> = { baseline: [], ours: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, args] of Object.entries(configs)) {
        const s = await measure(args, page.url);
        samples[name].push(s);
        console.log(`round ${round + 1} ${name.padEnd(8)} processes=${s.processes} rss=${s.rssMb.toFixed(0)} MB pss=${s.pssMb.toFixed(0)} MB ${JSON.stringify(s.byType)}`);
      }
    }
  } finally {
    await page.close();
  }
  const summary = Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, {
    processes: median(xs.map((x) => x.processes)), rssMb: median(xs.map((x) => x.rssMb)), pssMb: median(xs.map((x) => x.pssMb)),
  }]));
  console.log(`\n${new Date().toISOString()} ${os.cpus().length} CPU, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.release()}, ${chromiumPath}`);
  for (const [name, s] of Object.entries(summary)) console.log(`median ${name.padEnd(8)} processes=${s.processes} rss=${s.rssMb.toFixed(0)} MB pss=${s.pssMb.toFixed(0)} MB`);
  console.log(`ours/baseline: pss ${(summary.ours.pssMb / summary.baseline.pssMb).toFixed(2)}, rss ${(summary.ours.rssMb / summary.baseline.rssMb).toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
