import { promises as fs } from 'node:fs';
import request from 'supertest';
import { sessionFolder } from '../../src/modules/channels/infrastructure/providers/whatsapp-web/remote-auth.store';
import { bearer } from './api-helpers';
import type { FakeWhatsappClient, FakeWhatsappClients } from './fake-whatsapp-client';
import { createTenant, type Tenant } from './scenario';
import { resetDatabase, type TestApp } from './test-app';

/**
 * Makes fake clients behave like whatsapp-web.js with RemoteAuth on the app's session store: a saved
 * session logs in by itself at start-up (`authenticated` then `ready`), otherwise a QR comes.
 */
export function likeRemoteAuth(clients: FakeWhatsappClients, app: TestApp | (() => TestApp | undefined), phone = '15550001111'): void {
  // A getter, for clients started while the app itself is still starting (active channels at boot).
  const current = typeof app === 'function' ? app : () => app;
  const restoreOrQr = (client: FakeWhatsappClient): void => {
    const running = current();
    if (!running) return void setTimeout(() => restoreOrQr(client), 10);
    void running.container.authSessions.hasSerializedSession(client.channelId).then((saved) => (saved ? client.login(phone) : client.emit('qr', `2@qr-${client.channelId}-${Date.now()}`)));
  };
  clients.setup = (c) => {
    c.onInitialize = restoreOrQr;
  };
}

/** The phone scans the QR: the client logs in and RemoteAuth saves the session (zip) and its folder on disk. */
export async function scan(app: TestApp, client: FakeWhatsappClient, phone = '15550001111'): Promise<void> {
  await fs.mkdir(sessionFolder(app.container.config.dataDir, client.channelId), { recursive: true });
  await fs.writeFile(`${sessionFolder(app.container.config.dataDir, client.channelId)}/Default.txt`, 'chromium profile');
  client.login(phone);
  await app.container.authSessions.saveSerializedSession(client.channelId, Buffer.from(`PK zip of ${client.channelId}`));
}

/** Creates a WhatsApp Web channel through the API (inactive, with a pending QR session). */
export async function createWhatsappWebChannel(app: TestApp, tenant: Tenant): Promise<{ id: string; authSession: { sessionId: string } }> {
  const res = await request(app.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ name: 'WhatsApp Web', type: 'WHATSAPP', provider: 'CUSTOM' });
  if (res.status !== 201) throw new Error(`channel creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Fresh start of a test: empty database, no fake clients, RemoteAuth-like clients, a tenant with a new WhatsApp Web channel. */
export async function freshWhatsappWebChannel(app: TestApp, clients: FakeWhatsappClients): Promise<{ tenant: Tenant; channel: { id: string; authSession: { sessionId: string } } }> {
  await resetDatabase();
  clients.all.length = 0;
  likeRemoteAuth(clients, app);
  const tenant = await createTenant(app);
  return { tenant, channel: await createWhatsappWebChannel(app, tenant) };
}
