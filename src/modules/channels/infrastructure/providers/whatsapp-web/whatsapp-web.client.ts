import path from 'node:path';
import type { AuthSessionService } from '../../../application/services/auth-session.service';
import { RemoteAuthSessionStore } from './remote-auth.store';
import type { WhatsappClientFactory, WhatsappWebClient } from './whatsapp-web-client.port';

/** Settings of the real whatsapp-web.js client. */
export interface RealWhatsappClientOptions {
  chromiumPath: string;
  dataDir: string;
  sessions: AuthSessionService;
}

/** Chromium flags that keep one session small (no GPU, no extensions, one renderer process). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-setuid-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--disable-extensions',
  '--no-first-run',
  '--no-zygote',
  '--mute-audio',
];

/**
 * Builds real whatsapp-web.js clients: RemoteAuth with clientId = channel id and its session zip
 * kept by AuthSessionService (Redis, or the memory store), Chromium from CHROMIUM_PATH. The
 * library is loaded on first use, so a service without WhatsApp Web channels never loads it.
 */
export function realWhatsappClientFactory(options: RealWhatsappClientOptions): WhatsappClientFactory {
  const dataPath = path.join(options.dataDir, 'wwebjs');
  const store = new RemoteAuthSessionStore(options.sessions, dataPath);
  return (channelId: string): WhatsappWebClient => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client, RemoteAuth } = require('whatsapp-web.js') as typeof import('whatsapp-web.js');
    const client = new Client({
      authStrategy: new RemoteAuth({ clientId: channelId, dataPath, store, backupSyncIntervalMs: 300_000 }),
      puppeteer: { executablePath: options.chromiumPath, headless: true, args: CHROMIUM_ARGS },
    });
    return client as unknown as WhatsappWebClient;
  };
}
