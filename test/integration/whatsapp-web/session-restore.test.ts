import { sendAndSettle } from '../../support/outbound';
import { sendMessage } from '../../support/api-helpers';
import { FakeWhatsappClients } from '../../support/fake-whatsapp-client';
import { createTenant } from '../../support/scenario';
import { waitFor } from '../../support/socket-client';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';
import { createWhatsappWebChannel, likeRemoteAuth, scan } from '../../support/whatsapp-login';
import request from 'supertest';
import { bearer } from '../../support/api-helpers';

/** Each case restarts the service: a new container, runtime and fake browser on the same database and session store. */
describe.each([
  ['Redis', {}],
  ['files under DATA_DIR (embedded mode, no Redis)', { REDIS_URL: '' }],
])('WhatsApp Web sessions survive a restart (store: %s)', (_store, env: Record<string, string>) => {
  let apps: TestApp[] = [];
  beforeEach(async () => {
    await resetDatabase();
  });
  afterEach(async () => {
    for (const a of apps) await a.stop().catch(() => undefined);
    apps = [];
  });

  async function activeInDatabase(id: string): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if ((await sql('SELECT is_active FROM channels WHERE id = $1', [id]))[0]?.is_active) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('channel never became active');
  }

  async function start(clients: FakeWhatsappClients): Promise<TestApp> {
    let app: TestApp | undefined;
    likeRemoteAuth(clients, () => app, '15550007777');
    app = await startTestApp(env, { whatsappClientFactory: clients.create });
    apps.push(app);
    return app;
  }

  it('when the service restarts, then every active WhatsApp Web channel comes back logged in without a new scan and sends', async () => {
    const before = new FakeWhatsappClients();
    const first = await start(before);
    const tenant = await createTenant(first);
    const channel = await createWhatsappWebChannel(first, tenant);
    expect((await request(first.url).get(`/api/channels/${channel.id}/qr`).set(bearer(tenant.adminToken))).body.data.status).toBe('pending');
    await scan(first, before.latest(channel.id), '15550007777');
    await activeInDatabase(channel.id);
    await first.stop();
    expect(before.latest(channel.id).destroyed).toBe(1);

    const after = new FakeWhatsappClients();
    const second = await start(after);
    await waitFor(() => second.container.runtime.getChannelStatus(channel.id).state === 'ready', 3000, 'restored after restart');
    const client = after.latest(channel.id);
    expect(client.listenerCount('qr')).toBe(1);
    expect(after.all).toHaveLength(1);
    expect(await sql('SELECT is_active, provider_account FROM channels WHERE id = $1', [channel.id])).toEqual([{ is_active: true, provider_account: '15550007777' }]);
    const res = await sendAndSettle(second, tenant.agentToken, { channel_id: channel.id, to: '15557770123', message: 'seguimos aquí' });
    expect(res.body.data).toMatchObject({ status: 'SENT' });
    expect(client.sent).toEqual([{ chatId: '15557770123@c.us', content: 'seguimos aquí' }]);
    await second.container.authSessions.deleteSerializedSession(channel.id);
  });

  /** A first service in which a channel is logged in by a scan; `beforeStop` runs before that service stops. */
  async function loggedInThenStopped(beforeStop: (first: TestApp, channelId: string) => Promise<void> = async () => undefined) {
    const before = new FakeWhatsappClients();
    const first = await start(before);
    const tenant = await createTenant(first);
    const channel = await createWhatsappWebChannel(first, tenant);
    await request(first.url).get(`/api/channels/${channel.id}/qr`).set(bearer(tenant.adminToken));
    await scan(first, before.latest(channel.id));
    await activeInDatabase(channel.id);
    await beforeStop(first, channel.id);
    await first.stop();
    return { tenant, channel };
  }

  it('when the saved session is gone at restart, then the channel stays active but waits for a scan (a QR) instead of failing the start', async () => {
    const { tenant, channel } = await loggedInThenStopped((first, id) => first.container.authSessions.deleteSerializedSession(id));

    const after = new FakeWhatsappClients();
    const second = await start(after);
    await waitFor(() => second.container.runtime.getChannelStatus(channel.id).state === 'auth_required', 3000, 'QR after restart');
    const qr = await request(second.url).get(`/api/channels/${channel.id}/qr`).set(bearer(tenant.adminToken));
    expect(qr.body.data).toMatchObject({ status: 'pending', qrCode: expect.stringContaining('2@qr-') });
    expect(after.all).toHaveLength(1);
  });

  it('when the browser cannot start at restart, then the channel reads runtime_status error with the reason, not stopped', async () => {
    const { tenant, channel } = await loggedInThenStopped();

    const after = new FakeWhatsappClients();
    after.setup = (c) => {
      c.initializeBehaviour = new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/');
    };
    const second = await startTestApp(env, { whatsappClientFactory: after.create });
    apps.push(second);
    const res = await request(second.url).get(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken));
    expect(res.body.data).toMatchObject({ is_active: true, runtime_status: 'error', runtime_error: expect.stringContaining('ERR_NAME_NOT_RESOLVED') });
    expect(after.latest(channel.id).destroyed).toBe(1);
    await second.container.authSessions.deleteSerializedSession(channel.id);
  });
});
