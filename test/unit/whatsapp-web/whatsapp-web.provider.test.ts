import type { ChannelEntity } from '../../../src/modules/channels/domain/entities/channel.entity';
import type { InboundEvent } from '../../../src/modules/channels/domain/inbound-event';
import { WhatsappWebProvider, type WhatsappWebOptions } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/whatsapp-web.provider';
import { withTimeout } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/with-timeout';
import { FakeWhatsappClients, waMessage, waReaction } from '../../support/fake-whatsapp-client';

const channel: ChannelEntity = {
  id: '11111111-1111-4111-8111-111111111111', companyId: 1, name: 'WA', type: 'WHATSAPP', provider: 'CUSTOM', config: {}, isActive: false,
  credentialsId: null, providerAccount: null, defaultAgentId: null, createdAt: new Date(), updatedAt: new Date(), deletedAt: null,
} as ChannelEntity;

function setup(opts: Partial<WhatsappWebOptions> = {}) {
  const clients = new FakeWhatsappClients();
  const provider = new WhatsappWebProvider(channel, {}, { createClient: clients.create, startTimeoutMs: 200, callTimeoutMs: 100, reconnectTimeoutMs: 300, batchWindowMs: 0, ...opts });
  const lifecycle: Array<{ event: string; payload: Record<string, unknown>; state: string }> = [];
  const pushed: InboundEvent[] = [];
  provider.setLifecycleHandler((_id, event, payload) => lifecycle.push({ event, payload, state: provider.getState() }));
  provider.setMessageHandler(async (_id, events) => void pushed.push(...events));
  return { clients, provider, lifecycle, pushed };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('withTimeout', () => {
  it('when the promise settles in time, then its value; when it hangs, then a timeout naming the call', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'x')).resolves.toBe(7);
    await expect(withTimeout(new Promise(() => undefined), 20, 'WhatsApp Web send')).rejects.toThrow('WhatsApp Web send timed out after 20 ms');
  });
});

describe('WhatsappWebProvider', () => {
  it('when the client emits a QR, then auth.required with the QR and waitForLogin answers it', async () => {
    const { clients, provider, lifecycle } = setup();
    await provider.initialize();
    const waiting = provider.waitForLogin(500);
    clients.latest(channel.id).emit('qr', 'QR-1');
    await expect(waiting).resolves.toEqual({ qr: 'QR-1' });
    expect(lifecycle).toEqual([{ event: 'auth.required', payload: { qr: 'QR-1' }, state: 'auth_required' }]);
    expect(provider.getState()).toBe('auth_required');
  });

  it('when the client logs in, then it is ready with the phone number and sends through client.sendMessage', async () => {
    const { clients, provider } = setup();
    await provider.initialize();
    clients.latest(channel.id).login('15550009999');
    expect(provider.isAuthenticated()).toBe(true);
    expect(provider.phoneNumber).toBe('15550009999');
    const res = await provider.sendMessage({ id: 'm1', to: '+15557770123', text: 'hi', contentType: 'text' });
    expect(res.externalId).toMatch(/FAKE1$/);
    expect(clients.latest(channel.id).sent).toEqual([{ chatId: '15557770123@c.us', content: 'hi' }]);
  });

  it('when start-up hangs or fails, then the client is destroyed, its profile folder removed, the state is error and the error is clear', async () => {
    for (const behaviour of ['hang', new Error('Failed to launch the browser process')] as const) {
      const cleaned: string[] = [];
      const { clients, provider } = setup({ cleanupSession: async (id) => void cleaned.push(id) });
      clients.setup = (c) => (c.initializeBehaviour = behaviour);
      await expect(provider.initialize()).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: expect.stringMatching(/WhatsApp Web could not start: (WhatsApp Web start-up timed out|Failed to launch)/) });
      expect(clients.all[0].destroyed).toBe(1);
      expect(cleaned).toEqual([channel.id]);
      expect(provider.getState()).toBe('error');
    }
  });

  it('when a send hangs or the client is not connected, then a ProviderSendError instead of a hang', async () => {
    const { clients, provider } = setup();
    await expect(provider.sendMessage({ id: 'm', to: '1', text: 't', contentType: 'text' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await provider.initialize();
    clients.latest(channel.id).login();
    clients.latest(channel.id).sendBehaviour = 'hang';
    await expect(provider.sendMessage({ id: 'm', to: '1', text: 't', contentType: 'text' })).rejects.toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('when the phone logs out, then local state and the stored session are cleared before the browser is called, disconnected then session_cleaned', async () => {
    const order: string[] = [];
    const { clients, provider, lifecycle } = setup({ forgetSession: async () => void order.push(`forget:authenticated=${provider.isAuthenticated()}`), cleanupSession: async () => void order.push('cleanup') });
    await provider.initialize();
    const client = clients.latest(channel.id);
    client.login();
    client.destroyBehaviour = undefined;
    const destroy = client.destroy.bind(client);
    client.destroy = async () => {
      order.push(`destroy:authenticated=${provider.isAuthenticated()}`);
      return destroy();
    };
    client.emit('disconnected', 'LOGOUT');
    await tick();
    await tick();
    expect(order).toEqual(['forget:authenticated=false', 'destroy:authenticated=false', 'cleanup']);
    expect(lifecycle.map((l) => l.event)).toEqual(['ready', 'disconnected', 'session_cleaned']);
    expect(provider.getState()).toBe('disconnected');
  });

  it.each([
    ['disconnected', 'disconnect_error', Object.assign(new Error('EBUSY: resource busy or locked, unlink session/Default/Cookies'), { code: 'EBUSY' })],
    ['disconnected', 'disconnect_error', new Error('Protocol error (Runtime.callFunctionOn): Target closed.')],
    ['auth_failure', 'auth_failure_error', new Error('Protocol error (Network.getResponseBody): Session closed.')],
  ])('when %s cleanup fails with %#, then %s is reported and nothing throws', async (event, errorEvent, error) => {
    const { clients, provider, lifecycle } = setup({ cleanupSession: async () => { throw error; } });
    await provider.initialize();
    clients.latest(channel.id).login();
    clients.latest(channel.id).emit(event, 'LOGOUT');
    await tick();
    await tick();
    expect(lifecycle.map((l) => l.event)).toEqual(['ready', event, errorEvent]);
    expect(lifecycle[2].payload.error).toBe(error.message);
    expect(provider.isAuthenticated()).toBe(false);
  });

  it('when a destroy hangs during logout, then the timeout ends it as a disconnect_error', async () => {
    const { clients, provider, lifecycle } = setup();
    await provider.initialize();
    clients.latest(channel.id).destroyBehaviour = 'hang';
    clients.latest(channel.id).emit('disconnected', 'NAVIGATION');
    await new Promise((r) => setTimeout(r, 150));
    expect(lifecycle.map((l) => l.event)).toEqual(['disconnected', 'disconnect_error']);
  });

  it('when messages arrive, then text, location, vCard, reaction and media become inbound events; own messages are skipped', async () => {
    const { clients, provider, pushed } = setup();
    await provider.initialize();
    const c = clients.latest(channel.id);
    c.emit('message', waMessage({ body: 'hola' }));
    c.emit('message', waMessage({ type: 'location', body: '', location: { latitude: 4.6, longitude: -74.08, description: 'Bogotá' } }));
    c.emit('message', waMessage({ type: 'vcard', body: '', vCards: ['BEGIN:VCARD\nVERSION:3.0\nFN:Luis Pérez\nEND:VCARD'] }));
    c.emit('message_reaction', waReaction());
    c.emit('message_reaction', waReaction({ id: { _serialized: 'true_own_reaction', fromMe: true } }));
    c.emit('message', waMessage({ type: 'image', body: 'factura', hasMedia: true, _data: { notifyName: 'Ana', mimetype: 'image/jpeg' } }));
    c.emit('message', waMessage({ id: { _serialized: 'true_x', fromMe: true }, fromMe: true }));
    await tick();
    expect(pushed.map((e) => e.kind === 'message' && [e.contentType, e.text, e.from, e.contactName])).toEqual([
      ['text', 'hola', '15557770123', 'Ana'],
      ['location', 'Bogotá', '15557770123', 'Ana'],
      ['contacts', 'Luis Pérez', '15557770123', 'Ana'],
      ['reaction', '👍', '15557770123', undefined],
      ['image', 'factura', '15557770123', 'Ana'],
    ]);
    expect(pushed[4]).toMatchObject({ attachments: [{ type: 'image', mimeType: 'image/jpeg', caption: 'factura' }] });
    expect(pushed[3]).toMatchObject({ payload: { reactedTo: 'true_15557770123@c.us_OUT1', removed: false } });
  });

  it('when a contact posts a status (status@broadcast) and a group message arrives, then the status is no conversation and the group keeps its whole id', async () => {
    const { clients, provider, pushed } = setup();
    await provider.initialize();
    const c = clients.latest(channel.id);
    c.emit('message', waMessage({ from: 'status@broadcast', isStatus: true, body: 'my story' }));
    c.emit('message_reaction', waReaction({ id: { _serialized: 'false_status@broadcast_R1', fromMe: false, remote: 'status@broadcast' } }));
    c.emit('message', waMessage({ from: '120363025246125888@g.us', body: 'hola grupo' }));
    await tick();
    expect(pushed.map((e) => e.kind === 'message' && [e.from, e.text])).toEqual([['120363025246125888@g.us', 'hola grupo']]);
  });

  it('when a reply goes to a group conversation, then it is sent to the group id, not to a private chat', async () => {
    const { clients, provider } = setup();
    await provider.initialize();
    clients.latest(channel.id).login();
    await provider.sendMessage({ id: 'm1', conversationId: 'c1', to: '120363025246125888@g.us', text: 'hola', contentType: 'text', attachments: [] });
    expect(clients.latest(channel.id).sent.map((s) => s.chatId)).toEqual(['120363025246125888@g.us']);
  });

  it('when acks arrive, then 1 SENT, 2 DELIVERED, 3 and 4 READ, -1 FAILED; 0 is ignored', async () => {
    const { clients, provider, pushed } = setup();
    await provider.initialize();
    const c = clients.latest(channel.id);
    for (const ack of [0, 1, 2, 3, 4, -1]) c.emit('message_ack', waMessage({ id: { _serialized: 'true_out_1', fromMe: true } }), ack);
    await tick();
    expect(pushed.map((e) => e.kind === 'status' && e.status)).toEqual(['SENT', 'DELIVERED', 'READ', 'READ', 'FAILED']);
  });

  it('when destroyed, then later events of the old client are ignored', async () => {
    const { clients, provider, lifecycle } = setup();
    await provider.initialize();
    await provider.destroy();
    clients.latest(channel.id).emit('qr', 'late');
    expect(lifecycle).toEqual([]);
    expect(provider.getState()).toBe('stopped');
  });
});

describe('WhatsappWebProvider sending through a lost connection', () => {
  const text = { id: 'm1', to: '15557770123', text: 'hola', contentType: 'text' };

  it('when the browser dies under a send, then a new browser restores the session and the message goes out once on it', async () => {
    const { clients, provider } = setup();
    clients.setup = (c) => (c.onInitialize = (client) => client.login('15550009999'));
    await provider.initialize();
    await tick();
    const first = clients.latest(channel.id);
    first.sendBehaviour = new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
    const res = await provider.sendMessage(text);
    const second = clients.latest(channel.id);
    expect(second).not.toBe(first);
    expect(first.destroyed).toBe(1);
    expect(first.sent).toHaveLength(0);
    expect(second.sent).toEqual([{ chatId: '15557770123@c.us', content: 'hola' }]);
    expect(res.externalId).toBe('true_15557770123@c.us_FAKE1');
  });

  it('when the browser handed the message to WhatsApp and then died, then the new browser finds it in the chat and does not send it again', async () => {
    const { clients, provider } = setup();
    clients.setup = (c) => (c.onInitialize = (client) => client.login('15550009999'));
    await provider.initialize();
    await tick();
    const first = clients.latest(channel.id);
    const original = first.sendMessage.bind(first);
    first.sendMessage = async (chatId, content, options) => {
      await original(chatId, content, options);
      throw new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
    };
    const res = await provider.sendMessage(text);
    const second = clients.latest(channel.id);
    expect(second).not.toBe(first);
    expect(second.sent).toHaveLength(0);
    expect(res.externalId).toBe('true_15557770123@c.us_FAKE1');
  });

  it('when the browser died under a send and the new one cannot read the chat, then the outcome is unknown and nothing is sent again', async () => {
    const { clients, provider } = setup();
    clients.setup = (c) => (c.onInitialize = (client) => {
      client.chatBehaviour = new Error('Evaluation failed: chat not loaded');
      client.login('15550009999');
    });
    await provider.initialize();
    await tick();
    clients.latest(channel.id).sendBehaviour = new Error('Protocol error: Target closed.');
    await expect(provider.sendMessage(text)).rejects.toMatchObject({ code: 'BROWSER_GONE', outcomeUnknown: true });
    expect(clients.all.flatMap((c) => c.sent)).toHaveLength(0);
  });

  it('when the client is gone and the restart shows a QR (logged out), then NOT_AUTHENTICATED telling to scan, and nothing is sent', async () => {
    const { clients, provider } = setup();
    clients.setup = (c) => (c.onInitialize = (client) => client.emit('qr', 'QR-again'));
    await expect(provider.sendMessage(text)).rejects.toMatchObject({ name: 'ProviderSendError', code: 'NOT_AUTHENTICATED', message: expect.stringContaining('scan a new QR') });
    expect(clients.all.flatMap((c) => c.sent)).toHaveLength(0);
  });

  it('when the reconnect never becomes ready, then NOT_CONNECTED within the bound and nothing is sent', async () => {
    const { clients, provider } = setup({ reconnectTimeoutMs: 150 });
    const started = Date.now();
    await expect(provider.sendMessage(text)).rejects.toMatchObject({ code: 'NOT_CONNECTED', retryable: true, message: expect.stringContaining('did not reconnect') });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(clients.all).toHaveLength(1);
    expect(clients.all[0].sent).toHaveLength(0);
  });

  it('when a send times out, then it is not tried again (it may have gone out)', async () => {
    const { clients, provider } = setup();
    clients.setup = (c) => (c.onInitialize = (client) => client.login());
    await provider.initialize();
    await tick();
    clients.latest(channel.id).sendBehaviour = 'hang';
    await expect(provider.sendMessage(text)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(clients.all).toHaveLength(1);
  });
});

describe('WhatsappWebProvider media and bursts', () => {
  const store = () => {
    const saved: Array<{ channelId: string; size: number; mimeType: string }> = [];
    return {
      saved,
      maxBytes: 1000,
      save: async (channelId: string, file: { data: Buffer; mimeType: string }) => {
        saved.push({ channelId, size: file.data.length, mimeType: file.mimeType });
        return { url: `/api/channels/media/${channelId}/${'a'.repeat(64)}.jpg`, sha256: 'a'.repeat(64), sizeBytes: file.data.length };
      },
      fetch: async (url: string) => ({ data: Buffer.from(`bytes of ${url}`), mimeType: 'image/jpeg' }),
    };
  };

  it('when a media message arrives, then its file is downloaded and saved and the attachment carries url, sha256 and size', async () => {
    const media = store();
    const { clients, provider, pushed } = setup({ media });
    await provider.initialize();
    const data = Buffer.from('JPEGDATA');
    clients.latest(channel.id).emit('message', { ...waMessage({ type: 'image', body: 'foto', hasMedia: true, _data: { mimetype: 'image/jpeg' } }), downloadMedia: async () => ({ mimetype: 'image/jpeg', data: data.toString('base64'), filename: null }) });
    await new Promise((r) => setTimeout(r, 20));
    expect(media.saved).toEqual([{ channelId: channel.id, size: data.length, mimeType: 'image/jpeg' }]);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatchObject({ contentType: 'image', text: 'foto', attachments: [{ type: 'image', mimeType: 'image/jpeg', sha256: 'a'.repeat(64), sizeBytes: data.length, url: expect.stringContaining('/api/channels/media/') }] });
  });

  it('when a media download fails or is too large, then the message is still stored, without a file, and the problem is reported', async () => {
    const media = store();
    const errors: string[] = [];
    const { clients, provider, pushed } = setup({ media, onError: (_op, err) => errors.push((err as Error).message) });
    await provider.initialize();
    const c = clients.latest(channel.id);
    c.emit('message', { ...waMessage({ type: 'image', hasMedia: true }), downloadMedia: async () => { throw new Error('Evaluation failed'); } });
    c.emit('message', { ...waMessage({ type: 'video', hasMedia: true }), downloadMedia: async () => ({ mimetype: 'video/mp4', data: Buffer.alloc(2000).toString('base64') }) });
    await new Promise((r) => setTimeout(r, 20));
    expect(pushed).toHaveLength(2);
    expect(pushed.map((e) => e.kind === 'message' && e.attachments[0].url)).toEqual([undefined, undefined]);
    expect(errors).toEqual([expect.stringContaining('Evaluation failed'), expect.stringContaining('over the 1000-byte limit')]);
    expect(media.saved).toHaveLength(0);
  });

  it('when an image is sent, then it is fetched and handed to client.sendMessage as media with the caption', async () => {
    const { clients, provider } = setup({ media: store() });
    clients.setup = (c) => (c.onInitialize = (client) => client.login());
    await provider.initialize();
    await tick();
    await provider.sendMessage({ id: 'm1', to: '15557770123', text: 'mira', contentType: 'image', attachments: [{ url: 'https://cdn.example.com/x.jpg', mimeType: 'image/jpeg', filename: 'x.jpg' }] });
    expect(clients.latest(channel.id).sent).toEqual([{ chatId: '15557770123@c.us', content: { mimetype: 'image/jpeg', data: Buffer.from('bytes of https://cdn.example.com/x.jpg').toString('base64'), filename: 'x.jpg' }, options: { caption: 'mira' } }]);
  });

  it('when a burst of messages and acks arrives within the window, then one ingest call with every message and only the furthest ack per message', async () => {
    const { clients, provider } = setup({ batchWindowMs: 50 });
    const calls: InboundEvent[][] = [];
    provider.setMessageHandler(async (_id, events) => void calls.push(events));
    await provider.initialize();
    const c = clients.latest(channel.id);
    const out = waMessage({ id: { _serialized: 'true_out_1', fromMe: true } });
    c.emit('message', waMessage({ body: 'uno' }));
    for (const ack of [1, 2, 3, 2]) c.emit('message_ack', out, ack);
    c.emit('message', waMessage({ body: 'dos' }));
    await new Promise((r) => setTimeout(r, 120));
    expect(calls).toHaveLength(1);
    expect(calls[0].map((e) => (e.kind === 'message' ? e.text : e.status))).toEqual(['uno', 'READ', 'dos']);
  });
});
