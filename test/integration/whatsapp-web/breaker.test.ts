import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sendAndSettle, waitForSettled } from '../../support/outbound';
import { bearer, sendMessage } from '../../support/api-helpers';
import { FakeWhatsappClients, type FakeWhatsappClient } from '../../support/fake-whatsapp-client';
import type { Tenant } from '../../support/scenario';
import { waitFor } from '../../support/socket-client';
import { sql, startTestApp, type TestApp } from '../../support/test-app';
import { sessionFolder } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/remote-auth.store';
import { freshWhatsappWebChannel, scan } from '../../support/whatsapp-login';

/** Adversarial cases: races between a channel's browser and its deletion, concurrent QR logins, slow media. */
describe('WhatsApp Web under races and hostile inputs (fake whatsapp-web.js client)', () => {
  let app: TestApp;
  let clients: FakeWhatsappClients;
  let tenant: Tenant;
  let channel: { id: string; authSession: { sessionId: string } };

  beforeAll(async () => {
    clients = new FakeWhatsappClients();
    app = await startTestApp({ PROVIDER_HTTP_TIMEOUT_MS: '500', WHATSAPP_RECONNECT_TIMEOUT_MS: '1000' }, { whatsappClientFactory: clients.create });
  });
  afterAll(async () => {
    await app?.stop();
  });
  beforeEach(async () => {
    ({ tenant, channel } = await freshWhatsappWebChannel(app, clients));
  });
  afterEach(async () => {
    await app.container.runtime.stopAll();
    await app.container.authSessions.deleteSerializedSession(channel.id);
  });

  const api = () => request(app.url);
  const qr = () => api().get(`/api/channels/${channel.id}/qr`).set(bearer(tenant.adminToken));
  /** Clients of the channel whose browser was never destroyed: live Chromium processes. */
  const live = () => clients.all.filter((c) => c.channelId === channel.id && c.destroyed === 0);

  async function loggedIn(): Promise<FakeWhatsappClient> {
    expect((await qr()).status).toBe(200);
    const client = clients.latest(channel.id);
    await scan(app, client);
    for (let i = 0; i < 50 && !(await sql('SELECT is_active FROM channels WHERE id = $1', [channel.id]))[0].is_active; i++) await new Promise((r) => setTimeout(r, 50));
    expect(app.container.runtime.runningProvider(channel.id)?.getState()).toBe('ready');
    return client;
  }

  it('when a channel is deleted while a send is in flight and the dying browser rejects it with "Session closed", then no new browser is started for the deleted channel', async () => {
    const client = await loggedIn();
    let rejectSend: (err: Error) => void = () => undefined;
    let sendCalled = false;
    client.sendMessage = () => {
      sendCalled = true;
      return new Promise((_, reject) => (rejectSend = reject));
    };
    const originalDestroy = client.destroy.bind(client);
    // As Puppeteer does: closing the browser rejects the calls in flight.
    client.destroy = async () => {
      rejectSend(new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.'));
      return originalDestroy();
    };
    const sending = sendMessage(app, tenant.agentToken, { channel_id: channel.id, to: '15557770123', message: 'hola' }).then((r) => r);
    await waitFor(() => sendCalled, 3000, 'send reached the browser');
    expect((await api().delete(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken))).status).toBeLessThan(300);
    const sent = await sending;
    expect(sent.status).toBe(201);
    expect((await waitForSettled(sent.body.data.id)).status).toBe('FAILED');
    await new Promise((r) => setTimeout(r, 200));
    expect(clients.all.filter((c) => c.channelId === channel.id)).toHaveLength(1);
    expect(live()).toHaveLength(0);
  });

  it('when a channel is deleted while GET /qr is still starting its browser, then no browser outlives the channel and none is left running for it', async () => {
    let release: () => void = () => undefined;
    const remoteAuth = clients.setup;
    clients.setup = (c) => {
      remoteAuth?.(c);
      // Only the first browser is slow to start; a second one (the bug) would start at once.
      if (clients.all.length === 0) c.initialize = () => new Promise<void>((resolve) => (release = resolve));
    };
    const pending = qr().then((r) => r);
    await waitFor(() => clients.all.length === 1, 3000, 'browser starting');
    expect((await api().delete(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken))).status).toBeLessThan(300);
    release();
    const res = await pending;
    expect(res.status).toBeGreaterThanOrEqual(400);
    await new Promise((r) => setTimeout(r, 200));
    expect(app.container.runtime.runningProvider(channel.id)).toBeUndefined();
    expect(live()).toHaveLength(0);
  });

  it('when a media URL to send trickles its body slower than the whole timeout, then the send still ends within a bound (FAILED) instead of hanging the request', async () => {
    await loggedIn();
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      // One byte every 200 ms: never idle long enough for a socket inactivity timeout of 500 ms.
      const timer = setInterval(() => res.write('x'), 200);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow.png`;
    try {
      const started = Date.now();
      const sent = await sendAndSettle(app, tenant.agentToken, { channel_id: channel.id, to: '15557770123', content_type: 'image', message: 'foto', attachments: [{ url, mime_type: 'image/png' }] });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(sent.body.data).toMatchObject({ status: 'FAILED', error_code: 'MEDIA_FETCH_FAILED' });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('when a photo download is slow and a text follows it, then both are stored and pushed in the order WhatsApp delivered them', async () => {
    const client = await loggedIn();
    const base = { from: '15557770123@c.us', to: '15550001111@c.us', timestamp: 1764000000, _data: { notifyName: 'Ana' } };
    const photo = { ...base, id: { _serialized: 'false_15557770123@c.us_P1' }, body: 'foto', type: 'image', hasMedia: true, downloadMedia: () => new Promise<{ mimetype: string; data: string }>((r) => setTimeout(() => r({ mimetype: 'image/jpeg', data: Buffer.from('jpeg').toString('base64') }), 400)) };
    const text = { ...base, id: { _serialized: 'false_15557770123@c.us_T2' }, body: 'te mandé una foto', type: 'chat', timestamp: 1764000001 };
    client.emit('message', photo);
    client.emit('message', text);
    let rows: Array<{ external_id: string }> = [];
    for (let i = 0; i < 30 && rows.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await sql(`SELECT external_id FROM messages ORDER BY created_at`);
    }
    expect(rows.map((r) => r.external_id)).toEqual(['false_15557770123@c.us_P1', 'false_15557770123@c.us_T2']);
  });

  it('when GET /qr comes while the logout clean-up still waits for the old browser, then the clean-up does not delete the session folder of the new login', async () => {
    const old = await loggedIn();
    let releaseDestroy: () => void = () => undefined;
    old.destroy = () => new Promise<void>((resolve) => (releaseDestroy = resolve));
    old.emit('disconnected', 'LOGOUT');
    const again = await qr();
    expect(again.status).toBe(200);
    const fresh = clients.latest(channel.id);
    expect(fresh).not.toBe(old);
    await scan(app, fresh, '15550002222');
    releaseDestroy();
    await new Promise((r) => setTimeout(r, 800));
    await expect(fs.stat(sessionFolder(app.container.config.dataDir, channel.id))).resolves.toBeTruthy();
    expect(await app.container.authSessions.hasSerializedSession(channel.id)).toBe(true);
  });
});
