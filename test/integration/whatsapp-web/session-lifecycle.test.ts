import { sendAndSettle } from '../../support/outbound';
import { promises as fs } from 'node:fs';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { sessionFolder } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/remote-auth.store';
import { bearer, sendMessage } from '../../support/api-helpers';
import { FakeWhatsappClients } from '../../support/fake-whatsapp-client';
import { closeOpenSockets, emitWithAck, EventLog, openSocket } from '../../support/gateway-client';
import { createTenant, type Tenant } from '../../support/scenario';
import { waitFor } from '../../support/socket-client';
import { sql, startTestApp, type TestApp } from '../../support/test-app';
import { freshWhatsappWebChannel, scan } from '../../support/whatsapp-login';

describe('WhatsApp Web session lifecycle (fake whatsapp-web.js client, real app, sockets)', () => {
  let app: TestApp;
  let clients: FakeWhatsappClients;
  let tenant: Tenant;
  let channel: { id: string; authSession: { sessionId: string } };
  let log: EventLog;
  let socket: Socket;

  beforeAll(async () => {
    clients = new FakeWhatsappClients();
    app = await startTestApp({}, { whatsappClientFactory: clients.create });
  });
  afterAll(async () => {
    closeOpenSockets();
    await app?.stop();
  });
  beforeEach(async () => {
    ({ tenant, channel } = await freshWhatsappWebChannel(app, clients));
    socket = await openSocket(app.url, '/channel', { token: tenant.agentToken });
    expect(await emitWithAck(socket, 'channel.join', [{ channelId: channel.id }])).toMatchObject({ success: true });
    log = new EventLog(socket);
  });
  afterEach(async () => {
    socket.close();
    await app.container.runtime.stopAll();
    await app.container.authSessions.deleteSerializedSession(channel.id);
  });

  const api = () => request(app.url);
  const qr = () => api().get(`/api/channels/${channel.id}/qr`).set(bearer(tenant.adminToken));
  const stored = async () => (await sql('SELECT is_active, provider_account FROM channels WHERE id = $1', [channel.id]))[0];

  async function loggedIn(phone = '15550001111') {
    expect((await qr()).status).toBe(200);
    await scan(app, clients.latest(channel.id), phone);
    await waitFor(() => log.names().includes('channel.started'), 3000, 'channel.started');
  }

  it('when GET /qr starts the browser, then the QR reaches the joined agents as channel.auth.required with a signed image URL', async () => {
    const res = await qr();
    expect(res.status).toBe(200);
    await waitFor(() => log.of('channel.auth.required').length > 0, 3000, 'channel.auth.required');
    const [pushed] = log.of('channel.auth.required');
    expect(pushed).toMatchObject({ channelId: channel.id, qr: res.body.data.qrCode, sessionId: channel.authSession.sessionId, qrCodeUrl: expect.stringMatching(/^\/api\/channels\/.+\/qr-image\/.+\?exp=\d+&sig=/) });
    const image = await api().get(pushed.qrCodeUrl);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toMatch(/^image\/svg\+xml/);
    await waitFor(() => log.of('channel.status.updated').some((p) => p.reason === 'auth.required'), 3000, 'status.updated');
  });

  it('when the phone scans, then ready activates the channel with the number and emits channel.started and channel.status.updated; POST /auth keeps its metadata', async () => {
    await loggedIn('15550004444');
    await waitFor(() => log.of('channel.status.updated').some((p) => p.reason === 'ready'), 3000, 'status.updated ready');
    expect(log.of('channel.started')[0]).toMatchObject({ channelId: channel.id, status: 'ready', running: true, authenticated: true });
    expect(log.of('channel.status.updated').find((p) => p.reason === 'ready')).toMatchObject({ is_active: true, status: 'ready' });
    expect(await stored()).toEqual({ is_active: true, provider_account: '15550004444' });

    const res = await api().post(`/api/channels/${channel.id}/auth`).set(bearer(tenant.adminToken)).send({ sessionId: channel.authSession.sessionId, metadata: { device: 'Pixel 8' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ is_active: true, provider_account: '15550004444', config: { login_metadata: { device: 'Pixel 8' } } });

    const sent = await sendAndSettle(app, tenant.agentToken, { channel_id: channel.id, to: '15557770123', message: 'hola' });
    expect(sent.status).toBe(201);
    expect(sent.body.data).toMatchObject({ status: 'SENT', external_id: 'true_15557770123@c.us_FAKE1' });
    expect(clients.latest(channel.id).sent).toEqual([{ chatId: '15557770123@c.us', content: 'hola' }]);
  });

  it('when a logged-in channel is deleted, then the device is logged out, the browser stopped, and the saved session and its folder are gone', async () => {
    await loggedIn();
    const client = clients.latest(channel.id);
    expect(await app.container.authSessions.hasSerializedSession(channel.id)).toBe(true);
    expect((await api().delete(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken))).status).toBe(200);
    expect(client.loggedOut).toBe(1);
    expect(client.destroyed).toBe(1);
    expect(await app.container.authSessions.hasSerializedSession(channel.id)).toBe(false);
    await expect(fs.stat(sessionFolder(app.container.config.dataDir, channel.id))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('when a channel whose browser is not running here is deleted, then its saved session is dropped too', async () => {
    await app.container.authSessions.saveSerializedSession(channel.id, Buffer.from('PK saved elsewhere'));
    expect((await api().delete(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken))).status).toBe(200);
    expect(await app.container.authSessions.hasSerializedSession(channel.id)).toBe(false);
  });

  it('when the phone logs out, then disconnected then session_cleaned, the channel is inactive, the session is gone from the store and the disk, and GET /qr gives a fresh QR', async () => {
    await loggedIn();
    const client = clients.latest(channel.id);
    log.clear();
    client.emit('disconnected', 'LOGOUT');
    await waitFor(() => log.names().includes('channel.session_cleaned'), 3000, 'session_cleaned');
    const lifecycle = log.names().filter((n) => ['channel.disconnected', 'channel.session_cleaned'].includes(n));
    expect(lifecycle).toEqual(['channel.disconnected', 'channel.session_cleaned']);
    expect(log.of('channel.disconnected')[0]).toMatchObject({ reason: 'LOGOUT' });
    await waitFor(() => log.of('channel.status.updated').some((p) => p.is_active === false), 3000, 'deactivated');
    expect(await stored()).toMatchObject({ is_active: false });
    expect(await app.container.authSessions.hasSerializedSession(channel.id)).toBe(false);
    await expect(fs.stat(sessionFolder(app.container.config.dataDir, channel.id))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(client.destroyed).toBe(1);

    const again = await qr();
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ status: 'pending', qrCode: expect.stringContaining('2@qr-') });
    expect(clients.all.filter((c) => c.channelId === channel.id)).toHaveLength(2);
  });

  it.each([
    ['disconnected', 'EBUSY: resource busy or locked, unlink \'.data/wwebjs/RemoteAuth-x/Default/Cookies\'', 'channel.disconnect_error'],
    ['auth_failure', 'Protocol error (Target.closeTarget): Target closed.', 'channel.auth_failure_error'],
  ])('when %s hits "%s" while cleaning up, then %s is pushed, the process lives on and GET /qr right after gives a fresh QR', async (event, error, errorEvent) => {
    await loggedIn();
    const client = clients.latest(channel.id);
    client.destroyBehaviour = Object.assign(new Error(error), { code: error.startsWith('EBUSY') ? 'EBUSY' : undefined });
    log.clear();
    client.emit(event as 'disconnected', 'LOGOUT');
    await waitFor(() => log.names().includes(errorEvent), 3000, errorEvent);
    expect(log.of(errorEvent)[0]).toMatchObject({ channelId: channel.id, error });
    expect(log.names().indexOf(`channel.${event}`)).toBeLessThan(log.names().indexOf(errorEvent));

    const again = await qr();
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ status: 'pending', qrCode: expect.stringContaining('2@qr-') });
    expect((await api().get('/health')).status).toBe(200);
  });

  it('when a send finds the browser gone, then it reconnects once from the saved session and the message goes out; a logged-out one is stored FAILED with the reason', async () => {
    await loggedIn();
    clients.latest(channel.id).sendBehaviour = new Error('Protocol error (Runtime.callFunctionOn): Session closed.');
    const ok = await sendAndSettle(app, tenant.agentToken, { channel_id: channel.id, to: '15557770123', message: 'uno' });
    expect(ok.body.data).toMatchObject({ status: 'SENT' });
    expect(clients.all.filter((c) => c.channelId === channel.id)).toHaveLength(2);

    await app.container.authSessions.deleteSerializedSession(channel.id);
    clients.latest(channel.id).sendBehaviour = new Error('Protocol error: Target closed.');
    const failed = await sendAndSettle(app, tenant.agentToken, { channel_id: channel.id, to: '15557770123', message: 'dos' });
    expect(failed.status).toBe(201);
    expect(failed.body.data).toMatchObject({ status: 'FAILED', error_code: 'NOT_AUTHENTICATED', error_message: expect.stringContaining('scan a new QR') });
    expect(await sql(`SELECT message, status FROM messages ORDER BY created_at`)).toEqual([{ message: 'uno', status: 'SENT' }, { message: 'dos', status: 'FAILED' }]);
  });

  it('when a customer writes text and a photo, then both are stored once, the photo file is saved under DATA_DIR and agents can download it; acks move the reply forward only', async () => {
    await loggedIn();
    const messages = await openSocket(app.url, '/message', { token: tenant.agentToken });
    const received = new EventLog(messages);
    const client = clients.latest(channel.id);
    const photo = Buffer.from('\xff\xd8\xff fake jpeg bytes');
    const text = { id: { _serialized: 'false_15557770123@c.us_A1' }, from: '15557770123@c.us', to: '15550001111@c.us', body: 'hola', type: 'chat', timestamp: 1764000000, _data: { notifyName: 'Ana' } };
    const image = { ...text, id: { _serialized: 'false_15557770123@c.us_A2' }, body: 'mi factura', type: 'image', hasMedia: true, _data: { mimetype: 'image/jpeg' }, downloadMedia: async () => ({ mimetype: 'image/jpeg', data: photo.toString('base64') }) };
    client.emit('message', text);
    client.emit('message', image);
    client.emit('message', text);
    await waitFor(() => received.of('message_received').length >= 2, 3000, 'message_received');
    const rows = await sql(`SELECT external_id, content_type, message FROM messages ORDER BY external_id`);
    expect(rows).toEqual([
      { external_id: 'false_15557770123@c.us_A1', content_type: 'text', message: 'hola' },
      { external_id: 'false_15557770123@c.us_A2', content_type: 'image', message: 'mi factura' },
    ]);
    const [attachment] = await sql(`SELECT url, mime_type, sha256, size_bytes FROM attachments`);
    expect(attachment).toMatchObject({ mime_type: 'image/jpeg', size_bytes: photo.length, url: expect.stringMatching(new RegExp(`^/api/channels/media/${channel.id}/[a-f0-9]{64}\\.jpg$`)) });
    const file = await api().get(attachment.url).set(bearer(tenant.agentToken)).buffer(true).parse((res, cb) => { const chunks: Buffer[] = []; res.on('data', (c: Buffer) => chunks.push(c)); res.on('end', () => cb(null, Buffer.concat(chunks))); });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(file.body, photo)).toBe(0);
    const other = await createTenant(app, 'Other');
    expect((await api().get(attachment.url).set(bearer(other.adminToken))).status).toBe(404);
    expect((await api().get(attachment.url)).status).toBe(401);
    expect((await api().get(`/api/channels/media/${channel.id}/..%2F..%2Fsecrets.json`).set(bearer(tenant.agentToken))).status).toBe(400);

    const reply = await sendAndSettle(app, tenant.agentToken, { channel_id: channel.id, to: '15557770123', message: 'recibido' });
    const out = { id: { _serialized: reply.body.data.external_id, fromMe: true }, from: '15550001111@c.us', to: '15557770123@c.us', body: 'recibido', type: 'chat', timestamp: 1764000001 };
    for (const ack of [3, 1, 2]) client.emit('message_ack', out, ack);
    await waitFor(() => received.of('message_status').some((s) => s.status === 'READ'), 3000, 'READ');
    expect((await sql(`SELECT status FROM messages WHERE id = $1`, [reply.body.data.id]))[0].status).toBe('READ');
    messages.close();
  });
});
