import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { CredentialsCipher } from '../../../src/shared/crypto/credentials-cipher';
import { AuthSessionService } from '../../../src/modules/channels/application/services/auth-session.service';
import type { ChannelEntity } from '../../../src/modules/channels/domain/entities/channel.entity';
import { realWhatsappClientFactory } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/whatsapp-web.client';
import { WhatsappWebProvider } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/whatsapp-web.provider';
import { createRedisClient, RedisCacheStore } from '../../../src/shared/cache/cache-store';
import { freePort } from '../../support/ports';

// The real whatsapp-web.js on the machine's Chromium. web.whatsapp.com is never reached: the
// browser goes through a local proxy that refuses (no network) or accepts and never answers (hang).
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(chromiumPath);
if (!hasChromium) console.warn(`real-chromium.test.ts SKIPPED: no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
const suite = hasChromium ? describe : describe.skip;

const channel = {
  id: '22222222-2222-4222-8222-222222222222', companyId: 1, name: 'WA', type: 'WHATSAPP', provider: 'CUSTOM', config: {}, isActive: false,
  credentialsId: null, providerAccount: null, defaultAgentId: null, createdAt: new Date(), updatedAt: new Date(), deletedAt: null,
} as ChannelEntity;

/** Pids whose command line mentions `dir`: read straight from /proc, independent of the code under test. */
function processesMentioning(dir: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(dir)) found.push({ pid: Number(name), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function waitFor<T>(probe: () => T, done: (value: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let value = probe();
  while (!done(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = probe();
  }
  return value;
}

suite('WhatsApp Web on the real Chromium', () => {
  let dataDir: string;
  let cache: RedisCacheStore;
  let blackhole: net.Server;
  let proxyConnections = 0;
  const proxySockets = new Set<net.Socket>();

  beforeAll(async () => {
    cache = new RedisCacheStore(createRedisClient(process.env.TEST_REDIS_URL!, () => undefined), `axi-test-${randomUUID()}:`);
    blackhole = net.createServer((socket) => {
      proxyConnections++;
      proxySockets.add(socket);
      socket.on('error', () => undefined).on('close', () => proxySockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-chromium-test-'));
    proxyConnections = 0;
  });

  afterEach(() => {
    // A failed assertion must not leave a browser behind for the next test or the CI machine.
    for (const p of processesMentioning(dataDir)) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await cache.close();
    for (const socket of proxySockets) socket.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
  });

  const blackholeProxy = () => `--proxy-server=http://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;

  function provider(opts: { chromium?: string; extraArgs?: string[]; startTimeoutMs: number }): WhatsappWebProvider {
    const createClient = realWhatsappClientFactory({ chromiumPath: opts.chromium ?? chromiumPath, dataDir, sessions: new AuthSessionService(cache, cache, new CredentialsCipher(randomBytes(32))), extraArgs: opts.extraArgs });
    return new WhatsappWebProvider(channel, {}, { createClient, startTimeoutMs: opts.startTimeoutMs, callTimeoutMs: 15_000, reconnectTimeoutMs: 15_000, batchWindowMs: 0 });
  }

  it('when web.whatsapp.com cannot be reached, then start-up fails fast with a clear error, state error and no Chromium left', async () => {
    const wa = provider({ extraArgs: [`--proxy-server=http://127.0.0.1:${await freePort()}`], startTimeoutMs: 20_000 });
    const started = Date.now();
    await expect(wa.initialize()).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      message: expect.stringMatching(/^WhatsApp Web could not start: net::ERR_PROXY_CONNECTION_FAILED at https:\/\/web\.whatsapp\.com/),
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(wa.getState()).toBe('error');
    expect(await waitFor(() => processesMentioning(dataDir), (ps) => ps.length === 0, 5_000)).toEqual([]);
  }, 40_000);

  it('when the page load hangs, then the start timeout ends it and every Chromium process is gone', async () => {
    const wa = provider({ extraArgs: [blackholeProxy()], startTimeoutMs: 5_000 });
    const starting = wa.initialize();
    const seen = await waitFor(() => processesMentioning(dataDir).length, (n) => n > 1, 5_000);
    await expect(starting).rejects.toThrow(/^WhatsApp Web could not start: WhatsApp Web start-up timed out after 5000 ms$/);
    expect(seen).toBeGreaterThan(1);
    expect(proxyConnections).toBeGreaterThan(0);
    expect(wa.getState()).toBe('error');
    expect(await waitFor(() => processesMentioning(dataDir), (ps) => ps.length === 0, 5_000)).toEqual([]);
  }, 40_000);

  it('when the browser no longer answers, then destroy kills it after the close timeout', async () => {
    const wa = provider({ extraArgs: [blackholeProxy()], startTimeoutMs: 5_000 });
    const starting = wa.initialize();
    // The page load reached the proxy: the browser is launched and connected; now it freezes.
    await waitFor(() => proxyConnections, (n) => n > 0, 5_000);
    const browser = processesMentioning(dataDir).find((p) => !p.cmdline.includes('--type='));
    expect(browser).toBeDefined();
    process.kill(browser!.pid, 'SIGSTOP');
    await expect(starting).rejects.toThrow(/timed out after 5000 ms/);
    expect(await waitFor(() => processesMentioning(dataDir), (ps) => ps.length === 0, 5_000)).toEqual([]);
  }, 40_000);

  it('when the start-up is given up during the launch, then the browser it started is killed', async () => {
    // whatsapp-web.js alone leaks this one: its destroy() finds no browser yet and closes nothing.
    const wa = provider({ extraArgs: [blackholeProxy()], startTimeoutMs: 150 });
    let seen = 0;
    const sampler = setInterval(() => (seen = Math.max(seen, processesMentioning(dataDir).length)), 20);
    try {
      await expect(wa.initialize()).rejects.toThrow(/timed out after 150 ms/);
      // The launch goes on after the timeout: either destroy() reaps the half-started browser or the aborted launch does.
      await waitFor(() => seen, (n) => n > 0, 10_000);
      expect(await waitFor(() => processesMentioning(dataDir), (ps) => ps.length === 0, 10_000)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      clearInterval(sampler);
    }
    expect(seen).toBeGreaterThan(0);
    // It stays gone, and the aborted launch never got to the page load.
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(proxyConnections).toBe(0);
  }, 40_000);

  it('when CHROMIUM_PATH points nowhere, then a clear error at once and no process', async () => {
    const wa = provider({ chromium: '/nonexistent/chromium', startTimeoutMs: 20_000 });
    const started = Date.now();
    await expect(wa.initialize()).rejects.toThrow('WhatsApp Web could not start: Chromium not found or not executable at /nonexistent/chromium (set CHROMIUM_PATH)');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(wa.getState()).toBe('error');
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});
