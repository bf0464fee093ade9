import request from 'supertest';
import type { Socket } from 'socket.io-client';
import type { ProviderLifecycleEvent, ProviderState } from '../../../src/modules/channels/infrastructure/providers/base.provider';
import { bearer } from '../../support/api-helpers';
import { EventLog, emitWithAck, nextEvent, openSocket, settle } from '../../support/gateway-client';
import { useGatewaySuite } from '../../support/gateway-suite';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { createScriptedChannel } from '../../support/scripted-provider';
import { waitFor } from '../../support/socket-client';

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

describe('/channel namespace', () => {
  const ctx = useGatewaySuite();
  let a: Tenant;
  let b: Tenant;
  let chA: { id: string };
  let chB: { id: string };

  beforeEach(async () => {
    a = await createTenant(ctx.app, 'Acme');
    b = await createTenant(ctx.app, 'Bravo');
    chA = await createScriptedChannel(ctx.app, a);
    chB = await createScriptedChannel(ctx.app, b);
  });

  /** A /channel socket of the tenant that joined `channelId`, with the log of everything it receives after the join. */
  async function joined(tenant: Tenant, channelId: string, token = tenant.agentToken): Promise<{ socket: Socket; log: EventLog }> {
    const socket = await openSocket(ctx.app.url, '/channel', { token });
    const ack = await emitWithAck(socket, 'channel.join', [{ channelId }]);
    expect(ack).toMatchObject({ success: true });
    const log = new EventLog(socket);
    return { socket, log };
  }

  const api = () => request(ctx.app.url);

  describe('channel.join', () => {
    it('when a socket joins a channel of its company, then it gets channel.joined with the channel\'s state and the ack', async () => {
      const socket = await openSocket(ctx.app.url, '/channel', { token: a.agentToken });
      const event = nextEvent(socket, 'channel.joined');
      const ack = await emitWithAck(socket, 'channel.join', [{ channelId: chA.id }]);
      const expected = { channelId: chA.id, timestamp: ISO, is_active: true, status: 'ready' };
      expect(await event).toMatchObject(expected);
      expect(ack).toMatchObject({ success: true, data: expected });
    });

    it('when a socket joins without an ack callback, then it still gets channel.joined', async () => {
      const socket = await openSocket(ctx.app.url, '/channel', { token: a.agentToken });
      const event = nextEvent(socket, 'channel.joined');
      socket.emit('channel.join', { channelId: chA.id });
      expect(await event).toMatchObject({ channelId: chA.id });
    });

    it('when a socket tries to join another company\'s channel, then it gets channel.error and is not joined: that channel\'s events never reach it', async () => {
      const intruder = await openSocket(ctx.app.url, '/channel', { token: a.adminToken });
      const log = new EventLog(intruder);
      const ack = await emitWithAck(intruder, 'channel.join', [{ channelId: chB.id }]);
      expect(ack).toMatchObject({ success: false, error: expect.stringMatching(/not found/i), code: 'CHANNEL_NOT_FOUND' });
      expect(log.of('channel.error')).toEqual([{ message: expect.stringMatching(/not found/i), code: 'CHANNEL_NOT_FOUND', event: 'channel.join' }]);
      expect(log.of('channel.joined')).toEqual([]);

      // B's own socket proves the events happen.
      const owner = await joined(b, chB.id);
      ctx.scripted.get(chB.id).emitLifecycle('disconnected', 'disconnected', { reason: 'phone offline' });
      expect((await ctx.scripted.get(chB.id).pushInbound({ text: 'for B only' })).kind).toBe('message');
      expect((await api().put(`/api/channels/${chB.id}/deactivate`).set(bearer(b.adminToken))).status).toBe(200);
      await waitFor(() => owner.log.names().includes('channel.stopped'), 5000, 'B\'s events on B\'s socket');
      await settle(200);
      expect(owner.log.names()).toEqual(expect.arrayContaining(['channel.disconnected', 'channel.message.received', 'channel.stopped', 'channel.status.updated']));
      expect(log.names()).toEqual(['channel.error']);
      expect(intruder.connected).toBe(true);
    });

    it('when a socket asks the status of another company\'s channel, then it gets channel.error and no status', async () => {
      const socket = await openSocket(ctx.app.url, '/channel', { token: a.adminToken });
      const log = new EventLog(socket);
      const ack = await emitWithAck(socket, 'channel.status', [{ channelId: chB.id }]);
      expect(ack).toMatchObject({ success: false, code: 'CHANNEL_NOT_FOUND' });
      expect(log.names()).toEqual(['channel.error']);
    });

    it('when a socket tries to join a deleted channel or an unknown id, then it gets channel.error', async () => {
      expect((await api().delete(`/api/channels/${chA.id}`).set(bearer(a.adminToken))).status).toBeLessThan(300);
      const socket = await openSocket(ctx.app.url, '/channel', { token: a.adminToken });
      for (const channelId of [chA.id, '7f1c1c1c-1c1c-4c1c-8c1c-1c1c1c1c1c1c']) {
        expect(await emitWithAck(socket, 'channel.join', [{ channelId }])).toMatchObject({ success: false, code: 'CHANNEL_NOT_FOUND' });
      }
    });

    it('when a superadmin joins any company\'s channel, then it is joined', async () => {
      const root = ctx.app.token({ sub: 1, company_id: a.companyId, role: 'superadmin' });
      const { log } = await joined(b, chB.id, root);
      ctx.scripted.get(chB.id).emitLifecycle('auth.required', 'auth_required', { qr: 'QR' });
      await waitFor(() => log.names().includes('channel.auth.required'), 3000, 'channel.auth.required for the superadmin');
    });
  });

  describe('malformed payloads', () => {
    const cases: [string, unknown[]][] = [
      ['an empty object', [{}]],
      ['a channelId that is not a uuid', [{ channelId: 'not-a-uuid' }]],
      ['a channelId that is a number', [{ channelId: 42 }]],
      ['a string instead of an object', ['a string']],
      ['an array', [['7f1c1c1c-1c1c-4c1c-8c1c-1c1c1c1c1c1c']]],
      ['null', [null]],
      ['unknown extra keys', [{ channelId: '7f1c1c1c-1c1c-4c1c-8c1c-1c1c1c1c1c1c', admin: true }]],
      ['a deeply nested object', [{ channelId: { $ne: null, nested: { a: { b: { c: 1 } } } } }]],
    ];
    it.each(['channel.join', 'channel.leave', 'channel.status'])('when %s gets malformed payloads, then each gets channel.error (and the failed ack) and the socket stays connected', async (event) => {
      const socket = await openSocket(ctx.app.url, '/channel', { token: a.agentToken });
      const log = new EventLog(socket);
      for (const [what, args] of cases) {
        const ack = await emitWithAck(socket, event, args);
        expect({ what, ack }).toMatchObject({ what, ack: { success: false, error: expect.any(String), code: expect.any(String) } });
      }
      // No payload at all, and an ack function alone: only the event, then only the ack.
      const noPayload = nextEvent(socket, 'channel.error');
      socket.emit(event);
      expect(await noPayload).toMatchObject({ code: 'VALIDATION_ERROR', event });
      expect(await emitWithAck(socket, event, [])).toMatchObject({ success: false, code: 'VALIDATION_ERROR' });
      await settle(100);

      expect(log.names().every((n) => n === 'channel.error')).toBe(true);
      expect(log.of('channel.error')).toHaveLength(cases.length + 2);
      expect(log.of('channel.error').every((e) => typeof e.message === 'string' && e.message.length > 0 && e.event === event)).toBe(true);
      expect(socket.connected).toBe(true);
      // Still usable afterwards.
      expect(await emitWithAck(socket, 'channel.join', [{ channelId: chA.id }])).toMatchObject({ success: true });
    });

    it('when a malformed join is sent, then the error message names what is wrong', async () => {
      const socket = await openSocket(ctx.app.url, '/channel', { token: a.agentToken });
      expect(await emitWithAck(socket, 'channel.join', [{}])).toMatchObject({ success: false, code: 'VALIDATION_ERROR', error: expect.stringMatching(/channelId/) });
      expect(await emitWithAck(socket, 'channel.join', [{ channelId: 'x' }])).toMatchObject({ error: expect.stringMatching(/channelId/) });
    });
  });

  describe('channel.leave and channel.status', () => {
    it('when a socket leaves a channel, then it gets channel.left and no further events of that channel', async () => {
      const leaver = await joined(a, chA.id);
      const stayer = await joined(a, chA.id);
      const left = nextEvent(leaver.socket, 'channel.left');
      const ack = await emitWithAck(leaver.socket, 'channel.leave', [{ channelId: chA.id }]);
      expect(ack).toEqual({ success: true, data: { channelId: chA.id } });
      expect(await left).toEqual({ channelId: chA.id });
      leaver.log.clear();

      ctx.scripted.get(chA.id).emitLifecycle('disconnected', 'disconnected');
      await ctx.scripted.get(chA.id).pushInbound();
      await waitFor(() => stayer.log.names().includes('channel.message.received'), 3000, 'events on the socket that stayed');
      await settle(200);
      expect(leaver.log.names()).toEqual([]);
    });

    it('when a socket asks channel.status, then it gets channel.status_response with the runtime status, which follows the runtime', async () => {
      const socket = await openSocket(ctx.app.url, '/channel', { token: a.agentToken });
      const status = async () => {
        const event = nextEvent(socket, 'channel.status_response');
        const ack = await emitWithAck(socket, 'channel.status', [{ channelId: chA.id }]);
        const payload = await event;
        expect(ack).toEqual({ success: true, data: payload });
        return payload;
      };
      expect(await status()).toEqual({ channelId: chA.id, timestamp: ISO, is_active: true, status: 'ready', running: true, authenticated: true, owner_instance: ctx.app.container.config.instanceId });

      ctx.scripted.get(chA.id).emitLifecycle('disconnected', 'disconnected');
      expect(await status()).toMatchObject({ is_active: true, status: 'disconnected', running: true, authenticated: false });

      expect((await api().put(`/api/channels/${chA.id}/deactivate`).set(bearer(a.adminToken))).status).toBe(200);
      expect(await status()).toMatchObject({ is_active: false, status: 'stopped', running: false, authenticated: false, owner_instance: null });

      expect((await api().put(`/api/channels/${chA.id}/activate`).set(bearer(a.adminToken))).status).toBe(200);
      expect(await status()).toMatchObject({ is_active: true, status: 'ready', running: true, authenticated: true });
    });
  });

  describe('channel events of the seed list', () => {
    /** A joined socket of A on chA, and a socket of B joined to chB that must see none of A's events. */
    async function watchers() {
      const own = await joined(a, chA.id);
      const other = await joined(b, chB.id, b.adminToken);
      return { own, other };
    }

    async function expectNothingFor(other: { log: EventLog }) {
      await settle(200);
      expect(other.log.all).toEqual([]);
    }

    it('when a channel is deactivated, then joined sockets get channel.stopped and channel.status.updated (deactivated); another company\'s socket gets nothing', async () => {
      const { own, other } = await watchers();
      expect((await api().put(`/api/channels/${chA.id}/deactivate`).set(bearer(a.adminToken))).status).toBe(200);
      await waitFor(() => own.log.all.length >= 2, 3000, 'stopped and status.updated');
      expect(own.log.names()).toEqual(['channel.stopped', 'channel.status.updated']);
      expect(own.log.of('channel.stopped')[0]).toEqual({ channelId: chA.id, timestamp: ISO, status: 'stopped', running: false, authenticated: false });
      expect(own.log.of('channel.status.updated')[0]).toEqual({ channelId: chA.id, timestamp: ISO, is_active: false, status: 'stopped', running: false, authenticated: false, reason: 'deactivated' });
      await expectNothingFor(other);
    });

    it('when a channel is activated, then joined sockets get channel.started and channel.status.updated (activated); another company\'s socket gets nothing', async () => {
      expect((await api().put(`/api/channels/${chA.id}/deactivate`).set(bearer(a.adminToken))).status).toBe(200);
      const { own, other } = await watchers();
      expect((await api().put(`/api/channels/${chA.id}/activate`).set(bearer(a.adminToken))).status).toBe(200);
      await waitFor(() => own.log.all.length >= 2, 3000, 'started and status.updated');
      expect(own.log.names()).toEqual(['channel.started', 'channel.status.updated']);
      expect(own.log.of('channel.started')[0]).toEqual({ channelId: chA.id, timestamp: ISO, status: 'ready', running: true, authenticated: true });
      expect(own.log.of('channel.status.updated')[0]).toEqual({ channelId: chA.id, timestamp: ISO, is_active: true, status: 'ready', running: true, authenticated: true, reason: 'activated' });
      await expectNothingFor(other);
    });

    it('when an active channel is activated again or an inactive one deactivated again, then no event is sent', async () => {
      const { own } = await watchers();
      expect((await api().put(`/api/channels/${chA.id}/activate`).set(bearer(a.adminToken))).status).toBe(200);
      await settle(200);
      expect(own.log.names()).toEqual([]);
      expect((await api().put(`/api/channels/${chA.id}/deactivate`).set(bearer(a.adminToken))).status).toBe(200);
      await waitFor(() => own.log.all.length >= 2, 3000, 'first deactivation');
      own.log.clear();
      expect((await api().put(`/api/channels/${chA.id}/deactivate`).set(bearer(a.adminToken))).status).toBe(200);
      await settle(200);
      expect(own.log.names()).toEqual([]);
    });

    it('when a channel\'s credentials change, then joined sockets see it stopped and started again', async () => {
      const { own, other } = await watchers();
      const res = await api().put(`/api/channels/${chA.id}`).set(bearer(a.adminToken)).send({ credentials: { apiKey: 'rotated' } });
      expect(res.status).toBe(200);
      await waitFor(() => own.log.names().includes('channel.started'), 3000, 'channel.started after restart');
      expect(own.log.names()).toEqual(['channel.stopped', 'channel.started']);
      await expectNothingFor(other);
    });

    it('when a channel is deleted, then joined sockets get channel.stopped and channel.status.updated (deleted)', async () => {
      const { own, other } = await watchers();
      expect((await api().delete(`/api/channels/${chA.id}`).set(bearer(a.adminToken))).status).toBeLessThan(300);
      await waitFor(() => own.log.all.length >= 2, 3000, 'stopped and status.updated');
      expect(own.log.names()).toEqual(['channel.stopped', 'channel.status.updated']);
      expect(own.log.of('channel.status.updated')[0]).toMatchObject({ channelId: chA.id, timestamp: ISO, is_active: false, status: 'stopped', running: false, reason: 'deleted' });
      await expectNothingFor(other);
    });

    const lifecycle: [ProviderLifecycleEvent, ProviderState, Record<string, unknown>][] = [
      ['auth.required', 'auth_required', { qr: 'data:image/png;base64,QUJD', sessionId: 'session-1' }],
      ['disconnected', 'disconnected', { reason: 'phone offline' }],
      ['auth_failure', 'error', { message: 'session rejected' }],
      ['disconnect_error', 'error', { message: 'logout failed' }],
      ['auth_failure_error', 'error', { message: 'cleanup after auth failure failed' }],
      ['session_cleaned', 'stopped', { sessionId: 'session-1' }],
    ];

    it.each(lifecycle)('when the provider reports %s (leaving it %s), then joined sockets get that channel.* event with its payload, then channel.status.updated with the new state; another company\'s socket gets nothing', async (event, state, payload) => {
      const { own, other } = await watchers();
      ctx.scripted.get(chA.id).emitLifecycle(event, state, payload);
      await waitFor(() => own.log.all.length >= 2, 3000, `channel.${event} and status.updated`);
      expect(own.log.names()).toEqual([`channel.${event}`, 'channel.status.updated']);
      expect(own.log.of(`channel.${event}`)[0]).toEqual({ ...payload, channelId: chA.id, timestamp: ISO });
      expect(own.log.of('channel.status.updated')[0]).toEqual({
        channelId: chA.id,
        timestamp: ISO,
        status: state,
        running: true,
        authenticated: state === 'ready',
        reason: event,
      });
      await expectNothingFor(other);
    });

    it('when a provider payload carries its own channelId, then the event still names the real channel', async () => {
      const { own } = await watchers();
      ctx.scripted.get(chA.id).emitLifecycle('disconnected', 'disconnected', { channelId: chB.id });
      await waitFor(() => own.log.all.length >= 1, 3000, 'channel.disconnected');
      expect(own.log.of('channel.disconnected')[0].channelId).toBe(chA.id);
    });

    it('when the scripted provider pushes an inbound message, then joined sockets get channel.message.received with the stored message and conversation, and /message sockets get message_received', async () => {
      const { own, other } = await watchers();
      const messageSocket = await openSocket(ctx.app.url, '/message', { token: a.agentToken });
      const messageLog = new EventLog(messageSocket);
      const pushed = await ctx.scripted.get(chA.id).pushInbound({ from: 'visitor-42', text: 'Hi from the widget' });
      await waitFor(() => own.log.names().includes('channel.message.received') && messageLog.of('message_received').length === 1, 3000, 'channel.message.received and message_received');
      const got = own.log.of('channel.message.received')[0];
      expect(got).toMatchObject({
        channelId: chA.id,
        timestamp: ISO,
        message: { external_id: pushed.externalId, channel_id: chA.id, company_id: a.companyId, direction: 'incoming', message: 'Hi from the widget', status: 'RECEIVED' },
        conversation: { channel_id: chA.id, external_id: 'visitor-42', company_id: a.companyId },
      });
      expect(messageLog.of('message_received')[0].message.id).toBe(got.message.id);
      await expectNothingFor(other);
    });

    it('when the same inbound message is pushed twice, then channel.message.received is sent once', async () => {
      const { own } = await watchers();
      await ctx.scripted.get(chA.id).pushInbound({ externalId: 'dup-1' });
      await ctx.scripted.get(chA.id).pushInbound({ externalId: 'dup-1' });
      await waitFor(() => own.log.all.length >= 1, 3000, 'channel.message.received');
      await settle(200);
      expect(own.log.names()).toEqual(['channel.message.received']);
    });

    it('when a Meta webhook brings a message, then sockets joined to that META channel get channel.message.received; another company\'s socket gets nothing', async () => {
      const meta = await createMetaChannel(ctx.app, ctx.graph, a);
      const own = await joined(a, meta.id);
      const sameCompanyOtherChannel = await joined(a, chA.id);
      const other = await joined(b, chB.id, b.adminToken);
      expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
      await waitFor(() => own.log.all.length >= 1, 3000, 'channel.message.received');
      expect(own.log.of('channel.message.received')[0]).toMatchObject({
        channelId: meta.id,
        message: { external_id: 'wamid.FIXTURE.TEXT.1', channel_id: meta.id, company_id: a.companyId },
        conversation: { external_id: '15557770123' },
      });
      await settle(200);
      expect(sameCompanyOtherChannel.log.all).toEqual([]);
      expect(other.log.all).toEqual([]);
    });

    it('when every event of the seed list happens on company A\'s channel, then A\'s joined socket gets each of them and B\'s joined socket none', async () => {
      const { own, other } = await watchers();
      const provider = ctx.scripted.get(chA.id);
      for (const [event, state, payload] of lifecycle) provider.emitLifecycle(event, state, payload);
      await provider.pushInbound();
      expect((await api().put(`/api/channels/${chA.id}/deactivate`).set(bearer(a.adminToken))).status).toBe(200);
      expect((await api().put(`/api/channels/${chA.id}/activate`).set(bearer(a.adminToken))).status).toBe(200);
      const seedList = [
        'channel.status.updated',
        'channel.message.received',
        'channel.auth.required',
        'channel.disconnected',
        'channel.auth_failure',
        'channel.disconnect_error',
        'channel.auth_failure_error',
        'channel.session_cleaned',
        'channel.started',
        'channel.stopped',
      ];
      await waitFor(() => seedList.every((e) => own.log.names().includes(e)), 5000, 'every seed-list event');
      await settle(200);
      expect(other.log.all).toEqual([]);
      expect(own.log.all.every((r) => r.payload.channelId === chA.id)).toBe(true);
    });
  });
});
