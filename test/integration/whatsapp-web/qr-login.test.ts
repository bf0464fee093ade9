import request from 'supertest';
import { bearer, expectErrorEnvelope, tableCounts } from '../../support/api-helpers';
import { FakeWhatsappClients } from '../../support/fake-whatsapp-client';
import { createTenant, type Tenant } from '../../support/scenario';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('WhatsApp Web QR login over HTTP (fake whatsapp-web.js client)', () => {
  let app: TestApp;
  let clients: FakeWhatsappClients;
  let tenant: Tenant;

  beforeAll(async () => {
    clients = new FakeWhatsappClients();
    app = await startTestApp({}, { whatsappClientFactory: clients.create });
  });
  afterAll(async () => {
    await app?.stop();
  });
  beforeEach(async () => {
    await resetDatabase();
    clients.all.length = 0;
    // Like the library: a QR shortly after start-up.
    clients.setup = (c) => {
      c.onInitialize = (client) => client.emit('qr', `2@qr-${client.channelId}-1`);
    };
    tenant = await createTenant(app);
  });

  const api = () => request(app.url);
  const createWaChannel = async (token = tenant.adminToken) => {
    const res = await api().post('/api/channels').set(bearer(token)).send({ name: 'WhatsApp Web', type: 'WHATSAPP', provider: 'CUSTOM' });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; authSession: { sessionId: string; status: string; expiresAt: string } };
  };
  const qrOf = (id: string, token = tenant.adminToken) => api().get(`/api/channels/${id}/qr`).set(bearer(token));

  it('when a CUSTOM WHATSAPP channel is created, then it is stored inactive with no credentials, not started, with a pending authSession', async () => {
    const channel = await createWaChannel();
    expect(channel).toMatchObject({ type: 'WHATSAPP', provider: 'CUSTOM', is_active: false, credentials_id: null, provider_account: null });
    expect(channel.authSession).toEqual({ sessionId: expect.stringMatching(UUID), status: 'pending', expiresAt: expect.any(String) });
    const ttl = Date.parse(channel.authSession.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(5 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000);
    expect(clients.all).toHaveLength(0);
    expect(app.container.runtime.getChannelStatus(channel.id).running).toBe(false);
    expect(await sql('SELECT is_active FROM channels WHERE id = $1', [channel.id])).toEqual([{ is_active: false }]);
    expect(await tableCounts()).toMatchObject({ channels: 1, channel_credentials: 0 });
  });

  it('when GET /qr is called, then the browser starts and the first QR comes back with a signed SVG URL that works without a Bearer header', async () => {
    const channel = await createWaChannel();
    const res = await qrOf(channel.id);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      status: 'pending',
      qrCode: `2@qr-${channel.id}-1`,
      qrCodeUrl: expect.stringMatching(new RegExp(`^/api/channels/${channel.id}/qr-image/${channel.authSession.sessionId}\\?exp=\\d+&sig=[\\w-]+$`)),
      sessionId: channel.authSession.sessionId,
      expiresAt: channel.authSession.expiresAt,
    });
    expect(clients.all).toHaveLength(1);

    const image = await api().get(res.body.data.qrCodeUrl);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(String(image.body)).toMatch(/<svg[\s\S]*<\/svg>/);

    // A second GET /qr reuses the running browser and the same session.
    const again = await qrOf(channel.id);
    expect(again.body.data).toMatchObject({ qrCode: `2@qr-${channel.id}-1`, sessionId: channel.authSession.sessionId });
    expect(clients.all).toHaveLength(1);
  });

  it('when the QR image URL is tampered with, expired, unsigned or for another session, then 403 and no SVG', async () => {
    const channel = await createWaChannel();
    const url: string = (await qrOf(channel.id)).body.data.qrCodeUrl;
    const [pathPart, query] = url.split('?');
    const params = new URLSearchParams(query);
    expectErrorEnvelope(await api().get(`${pathPart}?exp=${params.get('exp')}&sig=AAAA${params.get('sig')!.slice(4)}`), 403);
    expectErrorEnvelope(await api().get(`${pathPart}?exp=${Number(params.get('exp')) + 1}&sig=${params.get('sig')}`), 403);
    expectErrorEnvelope(await api().get(pathPart), 403);
    expectErrorEnvelope(await api().get(`/api/channels/${channel.id}/qr-image/other-session?${query}`), 403);
    const expired = new URLSearchParams({ exp: '1000', sig: params.get('sig')! });
    expectErrorEnvelope(await api().get(`${pathPart}?${expired}`), 403);
  });

  it('when the phone scans and POST /auth is called with the session, then the channel is active with the phone number; before the scan 409, a wrong session 400', async () => {
    const channel = await createWaChannel();
    const qrCodeUrl: string = (await qrOf(channel.id)).body.data.qrCodeUrl;
    const auth = (sessionId: string) => api().post(`/api/channels/${channel.id}/auth`).set(bearer(tenant.adminToken)).send({ sessionId, metadata: { source: 'test' } });

    expectErrorEnvelope(await auth(channel.authSession.sessionId), 409, 'NOT_AUTHENTICATED');
    expectErrorEnvelope(await auth('not-the-session'), 400, 'INVALID_SESSION');

    clients.latest(channel.id).login('15550001111');
    const res = await auth(channel.authSession.sessionId);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: channel.id, is_active: true, provider_account: '15550001111' });
    expect(await sql('SELECT is_active, provider_account FROM channels WHERE id = $1', [channel.id])).toEqual([{ is_active: true, provider_account: '15550001111' }]);
    expect(app.container.runtime.getChannelStatus(channel.id)).toMatchObject({ running: true, state: 'ready' });

    // The login is done: the session id is spent, and its still-signed QR image URL finds no QR any more.
    expectErrorEnvelope(await auth(channel.authSession.sessionId), 400, 'INVALID_SESSION');
    expectErrorEnvelope(await api().get(qrCodeUrl), 404, 'QR_SESSION_NOT_FOUND');
  });

  it('when the scanned number already belongs to another live channel, then POST /auth answers 409 and the channel stays inactive', async () => {
    const first = await createWaChannel();
    await qrOf(first.id);
    clients.latest(first.id).login('15550002222');
    expect((await api().post(`/api/channels/${first.id}/auth`).set(bearer(tenant.adminToken)).send({ sessionId: first.authSession.sessionId })).status).toBe(200);

    const second = await createWaChannel();
    await qrOf(second.id);
    clients.latest(second.id).login('15550002222');
    const res = await api().post(`/api/channels/${second.id}/auth`).set(bearer(tenant.adminToken)).send({ sessionId: second.authSession.sessionId });
    expectErrorEnvelope(res, 409, 'CHANNEL_ACCOUNT_TAKEN');
    expect(await sql('SELECT is_active, provider_account FROM channels WHERE id = $1', [second.id])).toEqual([{ is_active: false, provider_account: null }]);
  });

  it('when a serialized session is saved for the channel, then GET /qr restores it with no QR', async () => {
    const channel = await createWaChannel();
    await app.container.authSessions.saveSerializedSession(channel.id, Buffer.from('zip'), 60);
    clients.setup = (c) => {
      c.onInitialize = (client) => client.login('15550002222');
    };
    const res = await qrOf(channel.id);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ sessionRestored: true, status: 'authenticated' });
    expect(clients.all).toHaveLength(1);
    await app.container.authSessions.deleteSerializedSession(channel.id);
  });

  it('when WhatsApp answers the restore of a saved session with a QR (the session was revoked), then GET /qr drops the stale session and answers that QR', async () => {
    const channel = await createWaChannel();
    await app.container.authSessions.saveSerializedSession(channel.id, Buffer.from('zip'), 60);
    const res = await qrOf(channel.id);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'pending', qrCode: `2@qr-${channel.id}-1`, sessionId: channel.authSession.sessionId });
    expect(await app.container.authSessions.hasSerializedSession(channel.id)).toBe(false);
    expect((await qrOf(channel.id)).body.data).toMatchObject({ status: 'pending', qrCode: `2@qr-${channel.id}-1` });
    expect(clients.all).toHaveLength(1);
  });

  it('when the browser cannot start, then GET /qr answers 502 and the browser is destroyed', async () => {
    const channel = await createWaChannel();
    clients.setup = (c) => {
      c.initializeBehaviour = new Error('Failed to launch the browser process');
    };
    const res = await qrOf(channel.id);
    expectErrorEnvelope(res, 502);
    expect(clients.latest(channel.id).destroyed).toBe(1);
    expect(app.container.runtime.getChannelStatus(channel.id).running).toBe(false);
  });

  it('when another company or an agent asks for the QR, then 404 or 403 and no browser starts', async () => {
    const channel = await createWaChannel();
    const other = await createTenant(app, 'Other');
    expectErrorEnvelope(await qrOf(channel.id, other.adminToken), 404, 'CHANNEL_NOT_FOUND');
    expectErrorEnvelope(await api().post(`/api/channels/${channel.id}/auth`).set(bearer(other.adminToken)).send({ sessionId: channel.authSession.sessionId }), 404);
    expectErrorEnvelope(await qrOf(channel.id, tenant.agentToken), 403);
    expect(clients.all).toHaveLength(0);
  });
});
