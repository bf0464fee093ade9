import path from 'node:path';
import type { AuthSessionService } from '../../../application/services/auth-session.service';
import { GuardedWhatsappClient, type GuardableClient } from './guarded-whatsapp.client';
import { RemoteAuthSessionStore } from './remote-auth.store';
import type { WhatsappClientFactory, WhatsappWebClient } from './whatsapp-web-client.port';

/** Settings of the real whatsapp-web.js client. */
export interface RealWhatsappClientOptions {
  chromiumPath: string;
  dataDir: string;
  sessions: AuthSessionService;
  /** Extra Chromium flags after CHROMIUM_ARGS (e.g. `--proxy-server=...`). */
  extraArgs?: string[];
  /** How long destroy() waits for a graceful browser close before it kills the browser; default 5 s. */
  closeTimeoutMs?: number;
}

/**
 * Chromium flags on top of puppeteer's defaults, which already give --headless=new,
 * --disable-background-networking, --disable-default-apps, --disable-sync, --disable-extensions,
 * --no-first-run, --mute-audio and --disable-dev-shm-usage. Each one below is a switch of Chromium
 * 156 (found in its binary) and leaves what WhatsApp Web needs alone (JS, IndexedDB, WebSocket,
 * workers). Measured with bench/whatsapp-web-memory.ts; see the README. Not used on purpose:
 * --no-zygote (+40 MB PSS: children no longer share the zygote's pages) and a V8 heap cap
 * (--max-old-space-size only turns a large account into a crashed tab).
 */
export const CHROMIUM_ARGS = [
  // Containers run as root without user namespaces.
  '--no-sandbox',
  '--disable-setuid-sandbox',
  // No GPU on servers; its (software) work runs inside the browser process: one process less.
  '--disable-gpu',
  '--in-process-gpu',
  // V8 favours memory over speed (smaller heap growth, less optimised code).
  '--js-flags=--optimize-for-size',
  // One site per browser: one renderer, no spare renderer kept warm, no extra processes for isolation.
  '--renderer-process-limit=1',
  '--disable-site-isolation-trials',
  '--disable-features=site-per-process,SpareRendererForSitePerProcess,AudioServiceOutOfProcess,BackForwardCache',
  // Nothing talks to Google's services behind our back.
  '--disable-component-update',
  '--disable-domain-reliability',
];

/**
 * Builds real whatsapp-web.js clients: RemoteAuth with clientId = channel id and its session zip
 * kept by AuthSessionService (Redis, or the memory store), Chromium from CHROMIUM_PATH, wrapped in
 * GuardedWhatsappClient so no browser outlives destroy(). The library is loaded on first use, so
 * a service without WhatsApp Web channels never loads it.
 */
export function realWhatsappClientFactory(options: RealWhatsappClientOptions): WhatsappClientFactory {
  const dataPath = path.resolve(options.dataDir, 'wwebjs');
  const store = new RemoteAuthSessionStore(options.sessions, dataPath);
  return (channelId: string): WhatsappWebClient => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client, RemoteAuth } = require('whatsapp-web.js') as typeof import('whatsapp-web.js');
    const auth = new RemoteAuth({ clientId: channelId, dataPath, store, backupSyncIntervalMs: 300_000 });
    const client = new Client({
      authStrategy: auth,
      puppeteer: { executablePath: options.chromiumPath, headless: true, args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])] },
    });
    const guarded = new GuardedWhatsappClient(client as unknown as GuardableClient, {
      chromiumPath: options.chromiumPath,
      // RemoteAuth's profile folder (RemoteAuth.beforeBrowserInitialized): the marker of this browser's processes.
      userDataDir: path.join(dataPath, `RemoteAuth-${channelId}`),
      closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
    });
    // The library's only hook between the launch and the page load; see GuardedWhatsappClient.browserLaunched.
    const afterLaunch = auth.afterBrowserInitialized.bind(auth);
    auth.afterBrowserInitialized = async () => {
      await afterLaunch();
      guarded.browserLaunched();
    };
    return guarded;
  };
}
