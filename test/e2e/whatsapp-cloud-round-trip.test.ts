import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startService, stopService, type Started } from '../support/embedded-service';
import { FakeGraphApi } from '../support/fake-graph-api';
import { fixture } from '../support/fixtures';
import { APP_SECRET, postMetaWebhook } from '../support/scenario';
import { collect, connectSocket, waitFor } from '../support/socket-client';

describe('end to end: a WhatsApp Cloud API conversation through the real server process (embedded mode)', () => {
  let graph: FakeGraphApi;
  let dataDir: string;
  let svc: Started | undefined;

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-e2e-'));
  });
  afterAll(async () => {
    if (svc) await stopService(svc.child);
    await graph.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a customer writes and the agent replies, then every step is stored, sent and pushed live', async () => {
    svc = await startService(dataDir, graph.url);
    const auth = { Authorization: `Bearer ${svc.token}` };

    const created = await request(svc.baseUrl).post('/api/channels').set(auth).send({
      name: 'Support line',
      type: 'WHATSAPP',
      provider: 'META',
      credentials: { accessToken: graph.validToken, phoneNumberId: graph.phoneNumberId, appSecret: APP_SECRET },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ is_active: true, provider_account: graph.phoneNumberId });

    const socket = await connectSocket(svc.baseUrl, '/message', { token: svc.token });
    const received = collect(socket, 'message_received');
    const statuses = collect(socket, 'message_status');

    expect((await postMetaWebhook({ url: svc.baseUrl } as any, fixture("meta/text-message.json"))).status).toBe(200);
    await waitFor(() => received.length === 1, 5000, 'message_received');
    const incoming = received[0];
    expect(incoming.message).toMatchObject({ message: 'Hola, necesito ayuda con mi pedido', direction: 'incoming', status: 'RECEIVED' });

    const reply = await request(svc.baseUrl).post('/api/channels/messages').set(auth).send({ conversation_id: incoming.conversation.id, message: 'Hola Maria, ya lo reviso' });
    expect(reply.status).toBe(201);
    expect(reply.body.data).toMatchObject({ status: 'PENDING', direction: 'outgoing' });
    // The embedded database queue sends it; the API shows the result.
    let stored = reply.body.data;
    for (const until = Date.now() + 10_000; stored.status === 'PENDING' && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 50));
      stored = (await request(svc.baseUrl).get(`/api/channels/messages/${reply.body.data.id}`).set(auth)).body.data;
    }
    expect(stored).toMatchObject({ status: 'SENT', external_id: 'wamid.FIXTURE.OUT.1', direction: 'outgoing' });
    expect(graph.sends()).toHaveLength(1);
    const sent = graph.sends()[0];
    expect(sent.path).toBe(`/v21.0/${graph.phoneNumberId}/messages`);
    expect(sent.headers.authorization).toBe(`Bearer ${graph.validToken}`);
    expect(sent.headers['content-type']).toMatch(/application\/json/);
    expect(sent.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '15557770123', type: 'text', text: { preview_url: false, body: 'Hola Maria, ya lo reviso' } });

    for (const f of ['status-sent.json', 'status-delivered.json', 'status-read.json']) {
      expect((await postMetaWebhook({ url: svc.baseUrl } as any, fixture(`meta/${f}`))).status).toBe(200);
    }
    await waitFor(() => statuses.some((s) => s.status === 'READ'), 5000, 'READ status');
    socket.close();

    const message = await request(svc.baseUrl).get(`/api/channels/messages/${reply.body.data.id}`).set(auth);
    expect(message.body.data.status).toBe('READ');
    // The worker already stored SENT, so the sent webhook changes nothing; delivered and read are pushed.
    expect(statuses.map((s) => s.status)).toEqual(['SENT', 'DELIVERED', 'READ']);
    expect(await stopService(svc.child)).toBe(0);
    expect(svc.output()).not.toContain(graph.validToken);
    expect(svc.output()).not.toContain(APP_SECRET);
  });

  it('when the service restarts on the same data directory, then the conversation is still there and the channel runs again', async () => {
    svc = await startService(dataDir, graph.url);
    const auth = { Authorization: `Bearer ${svc.token}` };
    const conversations = await request(svc.baseUrl).get('/api/channels/conversations').set(auth);
    expect(conversations.status).toBe(200);
    expect(conversations.body.data.items).toHaveLength(1);
    const health = await request(svc.baseUrl).get('/health');
    expect(health.body.data.active_channels).toBe(1);
    expect(await stopService(svc.child)).toBe(0);
    svc = undefined;
  });
});
