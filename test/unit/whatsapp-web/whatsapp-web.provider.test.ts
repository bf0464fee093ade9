import type { ChannelEntity } from '../../../src/modules/channels/domain/entities/channel.entity';
import type { InboundEvent } from '../../../src/modules/channels/domain/inbound-event';
import { WhatsappWebProvider, type WhatsappWebOptions } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/whatsapp-web.provider';
import { withTimeout } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/with-timeout';
import { FakeWhatsappClients, waMessage } from '../../support/fake-whatsapp-client';

const channel: ChannelEntity = {
  id: '11111111-1111-4111-8111-111111111111', companyId: 1, name: 'WA', type: 'WHATSAPP', provider: 'CUSTOM', config: {}, isActive: false,
  credentialsId: null, providerAccount: null, defaultAgentId: null, createdAt: new Date(), updatedAt: new Date(), deletedAt: null,
} as ChannelEntity;

function setup(opts: Partial<WhatsappWebOptions> = {}) {
  const clients = new FakeWhatsappClients();
  const provider = new WhatsappWebProvider(channel, {}, { createClient: clients.create, startTimeoutMs: 200, callTimeoutMs: 100, ...opts });
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

  it('when start-up hangs or fails, then the client is destroyed, the state is error and the error is clear', async () => {
    for (const behaviour of ['hang', new Error('Failed to launch the browser process')] as const) {
      const { clients, provider } = setup();
      clients.setup = (c) => (c.initializeBehaviour = behaviour);
      await expect(provider.initialize()).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: expect.stringMatching(/WhatsApp Web could not start: (WhatsApp Web start-up timed out|Failed to launch)/) });
      expect(clients.all[0].destroyed).toBe(1);
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

  it('when the phone logs out, then local state is cleared before the browser is called, disconnected then session_cleaned', async () => {
    const order: string[] = [];
    const { clients, provider, lifecycle } = setup({ cleanupSession: async () => void order.push('cleanup') });
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
    expect(order).toEqual(['destroy:authenticated=false', 'cleanup']);
    expect(lifecycle.map((l) => l.event)).toEqual(['disconnected', 'session_cleaned']);
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
    expect(lifecycle.map((l) => l.event)).toEqual([event, errorEvent]);
    expect(lifecycle[1].payload.error).toBe(error.message);
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
    c.emit('message', waMessage({ type: 'reaction', body: '👍' }));
    c.emit('message', waMessage({ type: 'image', body: 'factura', hasMedia: true, _data: { notifyName: 'Ana', mimetype: 'image/jpeg' } }));
    c.emit('message', waMessage({ id: { _serialized: 'true_x', fromMe: true }, fromMe: true }));
    await tick();
    expect(pushed.map((e) => e.kind === 'message' && [e.contentType, e.text, e.from, e.contactName])).toEqual([
      ['text', 'hola', '15557770123', 'Ana'],
      ['location', 'Bogotá', '15557770123', 'Ana'],
      ['contacts', 'Luis Pérez', '15557770123', 'Ana'],
      ['reaction', '👍', '15557770123', 'Ana'],
      ['image', 'factura', '15557770123', 'Ana'],
    ]);
    expect(pushed[4]).toMatchObject({ attachments: [{ type: 'image', mimeType: 'image/jpeg', caption: 'factura' }] });
  });

  it('when acks arrive, then 1 SENT, 2 DELIVERED, 3 and 4 READ, -1 FAILED; 0 is ignored', async () => {
    const { clients, provider, pushed } = setup();
    await provider.initialize();
    const c = clients.latest(channel.id);
    for (const ack of [0, 1, 2, 3, 4, -1]) c.emit('message_ack', waMessage({ id: { _serialized: 'true_out_1', fromMe: true } }), ack);
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
