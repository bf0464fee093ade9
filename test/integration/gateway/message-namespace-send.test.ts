import { waitForAllSettled, waitForSettled } from '../../support/outbound';
import request from 'supertest';
import { fixtureJson } from '../../support/fixtures';
import { bearer, sendMessage, tableCounts } from '../../support/api-helpers';
import { EventLog, emitWithAck, nextEvent, openSocket, settle, withTimeout } from '../../support/gateway-client';
import { useGatewaySuite } from '../../support/gateway-suite';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { createScriptedChannel } from '../../support/scripted-provider';
import { waitFor } from '../../support/socket-client';
import { sql } from '../../support/test-app';

const RATE = 10; // SOCKET_SEND_RATE default
const BURST = 20; // SOCKET_SEND_BURST default

describe('/message send_message', () => {
  const ctx = useGatewaySuite();
  let a: Tenant;
  let b: Tenant;
  let metaA: { id: string };
  let webA: { id: string };
  let chB: { id: string };
  let convA: { id: string };
  let convB: { id: string };

  beforeEach(async () => {
    a = await createTenant(ctx.app, 'Acme');
    b = await createTenant(ctx.app, 'Bravo');
    metaA = await createMetaChannel(ctx.app, ctx.graph, a);
    webA = await createScriptedChannel(ctx.app, a);
    chB = await createScriptedChannel(ctx.app, b);
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    await ctx.scripted.get(chB.id).pushInbound({ from: 'visitor-b' });
    [convA] = await sql<{ id: string }>('SELECT id FROM conversations WHERE channel_id = $1', [metaA.id]);
    [convB] = await sql<{ id: string }>('SELECT id FROM conversations WHERE channel_id = $1', [chB.id]);
  });

  const socketOf = (token: string) => openSocket(ctx.app.url, '/message', { token });
  const outgoing = () => sql<any>(`SELECT * FROM messages WHERE direction = 'outgoing' ORDER BY created_at`);

  describe('sending', () => {
    it('when an agent sends with a conversationId, then it gets message_sent and the ack (PENDING), the queue sends the text to the Graph API, and the stored row ends SENT like a REST send', async () => {
      const socket = await socketOf(a.agentToken);
      const event = nextEvent(socket, 'message_sent');
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'Hola desde el socket' }]);
      expect(ack).toMatchObject({
        success: true,
        data: {
          message: {
            conversation_id: convA.id,
            channel_id: metaA.id,
            company_id: a.companyId,
            message: 'Hola desde el socket',
            direction: 'outgoing',
            status: 'PENDING',
            to: '15557770123',
          },
        },
      });
      expect(await event).toEqual(ack.data);
      expect(await waitForSettled(ack.data.message.id)).toMatchObject({ status: 'SENT', external_id: fixtureJson('meta/send-message-response.json').messages[0].id });
      expect(ctx.graph.sends()).toHaveLength(1);
      expect(ctx.graph.sends()[0].body).toMatchObject({ messaging_product: 'whatsapp', to: '15557770123', type: 'text', text: { body: 'Hola desde el socket' } });

      const rest = await sendMessage(ctx.app, a.agentToken, { conversation_id: convA.id, message: 'Hola desde REST' });
      expect(rest.status).toBe(201);
      await waitForSettled(rest.body.data.id);
      const rows = await outgoing();
      expect(rows).toHaveLength(2);
      const [bySocket, byRest] = rows;
      expect(bySocket.id).toBe(ack.data.message.id);
      const comparable = (r: any) => ({ status: r.status, direction: r.direction, from: r.from, to: r.to, content_type: r.content_type, metadata: r.metadata, conversation_id: r.conversation_id, channel_id: r.channel_id, company_id: r.company_id, error_code: r.error_code });
      expect(comparable(bySocket)).toEqual(comparable(byRest));
      expect(bySocket).toMatchObject({ status: 'SENT', message: 'Hola desde el socket', metadata: { sent_by: String(a.agentId) } });
      // One code path: the socket's message is the REST DTO.
      expect(Object.keys(ack.data.message).sort()).toEqual(Object.keys(rest.body.data).sort());
    });

    it('when an agent sends, then the company\'s other /message sockets get message_created then message_status, and another company gets nothing', async () => {
      const sender = await socketOf(a.agentToken);
      const colleague = new EventLog(await socketOf(a.adminToken));
      const stranger = new EventLog(await socketOf(b.adminToken));
      expect(await emitWithAck(sender, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'Ya lo reviso' }])).toMatchObject({ success: true });
      await waitFor(() => colleague.all.length >= 2, 3000, 'message_created and message_status');
      expect(colleague.names()).toEqual(['message_created', 'message_status']);
      expect(colleague.of('message_status')[0]).toMatchObject({ status: 'SENT', previous_status: 'PENDING', conversation_id: convA.id });
      await settle(150);
      expect(stranger.all).toEqual([]);
    });

    it('when an agent sends with a recipient and no conversation, then a conversation is opened (conversation_updated created) and the text goes to that number', async () => {
      const socket = await socketOf(a.agentToken);
      const colleague = new EventLog(await socketOf(a.adminToken));
      const stranger = new EventLog(await socketOf(b.adminToken));
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, recipient: '+1 555 777 0999', message: 'Nuevo contacto' }]);
      expect(ack).toMatchObject({ success: true, data: { message: { status: 'PENDING', to: '15557770999' } } });
      expect((await waitForSettled(ack.data.message.id)).status).toBe('SENT');
      const [conversation] = await sql('SELECT * FROM conversations WHERE external_id = $1', ['15557770999']);
      expect(conversation).toMatchObject({ channel_id: metaA.id, company_id: a.companyId, status: 'open' });
      expect(ack.data.message.conversation_id).toBe(conversation.id);
      expect(ctx.graph.sends().map((r) => r.body.to)).toEqual(['15557770999']);
      await waitFor(() => colleague.all.length >= 3, 3000, 'conversation_updated, message_created, message_status');
      expect(colleague.names()).toEqual(['conversation_updated', 'message_created', 'message_status']);
      expect(colleague.of('conversation_updated')[0]).toMatchObject({ change: 'created', conversation: { id: conversation.id, external_id: '15557770999' } });
      // Sending again to the same recipient reuses the conversation: no second 'created'.
      expect(await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, recipient: '15557770999', message: 'Otra vez' }])).toMatchObject({ success: true, data: { message: { conversation_id: conversation.id } } });
      await waitFor(() => colleague.all.length >= 5, 3000, 'second send events');
      expect(colleague.of('conversation_updated')).toHaveLength(1);
      await settle(100);
      expect(stranger.all).toEqual([]);
    });

    it('when an agent sends through a scripted (CUSTOM WEBCHAT) channel with a recipient, then that provider sends it', async () => {
      const socket = await socketOf(a.agentToken);
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: webA.id, recipient: 'visitor-7', message: 'Hola visitante' }]);
      expect(ack).toMatchObject({ success: true, data: { message: { status: 'PENDING', to: 'visitor-7', channel_id: webA.id } } });
      expect((await waitForSettled(ack.data.message.id)).status).toBe('SENT');
      expect(ctx.scripted.get(webA.id).sent.map((m) => [m.to, m.text])).toEqual([['visitor-7', 'Hola visitante']]);
      expect(ctx.graph.sends()).toEqual([]);
    });

    it('when the Graph API refuses the send, then the ack says queued and message_status reports FAILED with the provider\'s code, as stored', async () => {
      ctx.graph.sendErrors.push({ status: 400, code: 131047, message: 'Re-engagement message' });
      const socket = await socketOf(a.agentToken);
      const event = nextEvent(socket, 'message_status');
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'Fuera de ventana' }]);
      expect(ack).toMatchObject({ success: true, data: { message: { status: 'PENDING' } } });
      const status = await event;
      expect(status).toMatchObject({ message_id: ack.data.message.id, status: 'FAILED', previous_status: 'PENDING', error_code: '131047', conversation_id: convA.id });
      const [row] = await outgoing();
      expect(row).toMatchObject({ id: ack.data.message.id, status: 'FAILED', error_code: '131047', error_message: expect.stringMatching(/Re-engagement message/) });
      expect(socket.connected).toBe(true);
    });

    it('when the conversation is closed, then message_error CONVERSATION_CLOSED and nothing is sent', async () => {
      expect((await request(ctx.app.url).put(`/api/channels/conversations/${convA.id}`).set(bearer(a.adminToken)).send({ status: 'closed' })).status).toBe(200);
      const socket = await socketOf(a.agentToken);
      expect(await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'x' }])).toMatchObject({ success: false, code: 'CONVERSATION_CLOSED' });
      expect(ctx.graph.sends()).toEqual([]);
    });

    it('when the channel is inactive, then message_error CHANNEL_INACTIVE and nothing is sent', async () => {
      expect((await request(ctx.app.url).put(`/api/channels/${metaA.id}/deactivate`).set(bearer(a.adminToken))).status).toBe(200);
      const socket = await socketOf(a.agentToken);
      expect(await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'x' }])).toMatchObject({ success: false, code: 'CHANNEL_INACTIVE' });
      expect(ctx.graph.sends()).toEqual([]);
    });

    it.each(['agent', 'supervisor', 'admin'])('when a token with role %s sends, then it is allowed (every role has messages:create by default, so no role can be refused)', async (role) => {
      const token = ctx.app.token({ sub: a.agentId, company_id: a.companyId, role: role as 'agent' });
      const socket = await socketOf(token);
      expect(await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: `as ${role}` }])).toMatchObject({ success: true });
    });
  });

  describe('other companies', () => {
    it.each([
      ['A\'s channel with a recipient', () => ({ channelId: metaA.id, recipient: '15557770999' }), 'CHANNEL_NOT_FOUND'],
      ['A\'s channel and A\'s conversation', () => ({ channelId: metaA.id, conversationId: convA.id }), 'CONVERSATION_NOT_FOUND'],
      ['its own channel and A\'s conversation', () => ({ channelId: chB.id, conversationId: convA.id }), 'CONVERSATION_NOT_FOUND'],
      ['A\'s scripted channel with a recipient', () => ({ channelId: webA.id, recipient: 'visitor-1' }), 'CHANNEL_NOT_FOUND'],
    ])('when company B sends through %s, then it gets message_error (not found), nothing is sent or stored, and A hears nothing', async (_what, target, code) => {
      const aLog = new EventLog(await socketOf(a.adminToken));
      const before = await tableCounts();
      const socket = await socketOf(b.agentToken);
      const event = nextEvent(socket, 'message_error');
      const ack = await emitWithAck(socket, 'send_message', [{ ...target(), message: 'intrusion' }]);
      expect(ack).toMatchObject({ success: false, code, error: expect.stringMatching(/not found/) });
      expect(await event).toMatchObject({ code, message: expect.stringMatching(/not found/), event: 'send_message' });
      expect(ctx.graph.sends()).toEqual([]);
      expect(ctx.scripted.get(webA.id).sent).toEqual([]);
      expect(await tableCounts()).toEqual(before);
      await settle(150);
      expect(aLog.all).toEqual([]);
    });

    it('when A names its conversation with another channel of its own, then message_error and nothing is sent on either channel', async () => {
      const socket = await socketOf(a.agentToken);
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: webA.id, conversationId: convA.id, message: 'wrong channel' }]);
      expect(ack).toMatchObject({ success: false, code: 'VALIDATION_ERROR' });
      expect(ctx.graph.sends()).toEqual([]);
      expect(ctx.scripted.get(webA.id).sent).toEqual([]);
      expect(await outgoing()).toEqual([]);
    });

    it('when A sends through B\'s channel and conversation, then message_error (not found) and B\'s provider sends nothing', async () => {
      const socket = await socketOf(a.adminToken);
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: chB.id, conversationId: convB.id, message: 'hello B' }]);
      expect(ack).toMatchObject({ success: false, code: 'CONVERSATION_NOT_FOUND' });
      expect(ctx.scripted.get(chB.id).sent).toEqual([]);
    });
  });

  describe('bad input', () => {
    const uuid = '7f1c1c1c-1c1c-4c1c-8c1c-1c1c1c1c1c1c';
    const invalid: [string, () => unknown[]][] = [
      ['an empty object', () => [{}]],
      ['no message', () => [{ channelId: metaA.id, conversationId: convA.id }]],
      ['no channelId', () => [{ conversationId: convA.id, message: 'x' }]],
      ['neither recipient nor conversationId', () => [{ channelId: metaA.id, message: 'x' }]],
      ['a number as message', () => [{ channelId: metaA.id, conversationId: convA.id, message: 123 }]],
      ['an object as message', () => [{ channelId: metaA.id, conversationId: convA.id, message: { text: 'x' } }]],
      ['a number as channelId', () => [{ channelId: 5, conversationId: convA.id, message: 'x' }]],
      ['an object as recipient', () => [{ channelId: metaA.id, recipient: { phone: '1' }, message: 'x' }]],
      ['a conversationId that is not a uuid', () => [{ channelId: metaA.id, conversationId: 'nope', message: 'x' }]],
      ['an empty message', () => [{ channelId: metaA.id, conversationId: convA.id, message: '' }]],
      ['a 5,000-character message', () => [{ channelId: metaA.id, conversationId: convA.id, message: 'x'.repeat(5000) }]],
      ['unknown extra keys', () => [{ channelId: metaA.id, conversationId: convA.id, message: 'x', status: 'READ' }]],
      ['a string instead of an object', () => ['send this']],
      ['null', () => [null]],
      ['an array', () => [[metaA.id, 'x']]],
      ['binary data', () => [Buffer.from('hello')]],
      ['an unknown channel', () => [{ channelId: uuid, recipient: '15557770999', message: 'x' }]],
    ];

    it('when send_message gets each kind of invalid payload, then each gets message_error (and the failed ack) with a message, the socket stays connected, and nothing is sent or stored', async () => {
      const socket = await socketOf(a.agentToken);
      const log = new EventLog(socket);
      const before = await tableCounts();
      for (const [what, args] of invalid) {
        const ack = await emitWithAck(socket, 'send_message', args());
        expect({ what, ack }).toMatchObject({ what, ack: { success: false, error: expect.stringMatching(/\w/), code: expect.stringMatching(/VALIDATION_ERROR|NOT_FOUND|INVALID_PAYLOAD/) } });
      }
      await settle(100);
      expect(log.names().every((n) => n === 'message_error')).toBe(true);
      expect(log.of('message_error')).toHaveLength(invalid.length);
      expect(socket.connected).toBe(true);
      expect(ctx.graph.sends()).toEqual([]);
      expect(await tableCounts()).toEqual(before);
    });

    it('when send_message comes with no payload at all or only an ack, then it gets message_error (event, then ack) and the socket stays connected', async () => {
      const socket = await socketOf(a.agentToken);
      const event = nextEvent(socket, 'message_error');
      socket.emit('send_message');
      expect(await event).toMatchObject({ code: 'VALIDATION_ERROR', event: 'send_message' });
      expect(await emitWithAck(socket, 'send_message', [])).toMatchObject({ success: false, code: 'VALIDATION_ERROR' });
      expect(socket.connected).toBe(true);
    });

    it('when a 5,000-character message is sent, then the error says the message is too long', async () => {
      const socket = await socketOf(a.agentToken);
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'x'.repeat(5000) }]);
      expect(ack).toMatchObject({ success: false, code: 'VALIDATION_ERROR', error: expect.stringMatching(/message.*4096/) });
    });

    it('when the recipient is not a phone number or the conversation belongs to another channel, then the error says what is wrong', async () => {
      const socket = await socketOf(a.agentToken);
      const badRecipient = await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, recipient: 'not-a-phone', message: 'x' }]);
      expect(badRecipient).toMatchObject({ success: false, code: 'VALIDATION_ERROR', error: expect.stringMatching(/phone number in international format/) });
      const wrongChannel = await emitWithAck(socket, 'send_message', [{ channelId: webA.id, conversationId: convA.id, message: 'x' }]);
      expect(wrongChannel).toMatchObject({ success: false, code: 'VALIDATION_ERROR', error: expect.stringMatching(/not a conversation of/) });
      expect(ctx.graph.sends()).toEqual([]);
    });

    it('when a 2 MB payload is sent, then at most that socket is answered with an error or disconnected; other sockets stay connected and keep receiving events', async () => {
      const bystanderA = await socketOf(a.adminToken);
      const bystanderB = await socketOf(b.adminToken);
      const logA = new EventLog(bystanderA);
      const logB = new EventLog(bystanderB);
      let bystanderDisconnects = 0;
      for (const s of [bystanderA, bystanderB]) s.on('disconnect', () => bystanderDisconnects++);

      const big = await socketOf(a.agentToken);
      const outcome = new Promise<string>((resolve) => {
        big.once('message_error', (e) => resolve(`message_error:${e.code}`));
        big.once('disconnect', (reason) => resolve(`disconnect:${reason}`));
      });
      big.emit('send_message', { channelId: metaA.id, conversationId: convA.id, message: 'x'.repeat(2 * 1024 * 1024) });
      const result = await withTimeout(outcome, 5000, 'nothing');
      expect(result).toMatch(/^(message_error:VALIDATION_ERROR|disconnect:)/);

      // The others are unaffected: still connected, still receiving, and still able to send.
      await ctx.scripted.get(chB.id).pushInbound({ from: 'visitor-b2' });
      const sentByA = await emitWithAck(bystanderA, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'after the big one' }]);
      expect(sentByA).toMatchObject({ success: true });
      await waitForAllSettled();
      await waitFor(() => logB.of('message_received').length === 1, 3000, 'B still receives');
      expect(logA.names()).toEqual(expect.arrayContaining(['message_created', 'message_status']));
      expect(bystanderDisconnects).toBe(0);
      expect(bystanderA.connected && bystanderB.connected).toBe(true);
      expect(ctx.graph.sends().map((r) => r.body.text.body)).toEqual(['after the big one']);
    });

    it('when a payload just under the frame limit is sent, then it gets message_error and the socket stays connected', async () => {
      const socket = await socketOf(a.agentToken);
      // The frame limit is SOCKET_MAX_PAYLOAD_BYTES (64 KB by default); this stays under it.
      const ack = await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'x'.repeat(60 * 1024) }]);
      expect(ack).toMatchObject({ success: false, code: 'VALIDATION_ERROR' });
      expect(socket.connected).toBe(true);
    });
  });

  describe('rate limit', () => {
    it('when one socket floods 1,000 send_message within a second, then at most burst + rate x elapsed are processed, the rest get RATE_LIMITED, and a socket of another user of the same company sends normally meanwhile', async () => {
      // A user of its own, whose per-user budget no earlier test has spent.
      const flooder = await socketOf(ctx.app.token({ sub: 4141, company_id: a.companyId, role: 'agent' }));
      // Another user: the limit is per socket and per user, so the flooder's own second socket would be limited too.
      const neighbour = await socketOf(a.adminToken);
      const floodErrors = new EventLog(flooder);
      const payload = (i: number) => ({ channelId: metaA.id, conversationId: convA.id, message: `flood ${i}` });

      const started = Date.now();
      const acks = Array.from({ length: 1000 }, (_, i) => emitWithAck(flooder, 'send_message', [payload(i)], 20000));
      const neighbourAcks = Array.from({ length: 3 }, (_, i) => emitWithAck(neighbour, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: `neighbour ${i}` }], 20000));
      const emittedWithin = Date.now() - started;
      const results = await Promise.all(acks);
      const elapsedS = (Date.now() - started) / 1000;
      const neighbourResults = await Promise.all(neighbourAcks);

      expect(emittedWithin).toBeLessThan(1000);
      const accepted = results.filter((r) => r.success).length;
      const limited = results.filter((r) => !r.success && r.code === 'RATE_LIMITED').length;
      expect(accepted + limited).toBe(1000);
      expect(accepted).toBeGreaterThanOrEqual(BURST);
      expect(accepted).toBeLessThanOrEqual(Math.floor(BURST + RATE * elapsedS));
      expect(results.find((r) => !r.success)).toMatchObject({ success: false, code: 'RATE_LIMITED', error: expect.stringMatching(/\w/) });
      await waitFor(() => floodErrors.of('message_error').length === limited, 5000, 'every RATE_LIMITED message_error');
      expect(floodErrors.of('message_error').every((e) => e.code === 'RATE_LIMITED')).toBe(true);

      expect(neighbourResults.map((r) => r.success)).toEqual([true, true, true]);
      await waitForAllSettled(30_000);
      const texts = ctx.graph.sends().map((r) => r.body.text.body as string);
      expect(texts.filter((t) => t.startsWith('flood'))).toHaveLength(accepted);
      expect(texts.filter((t) => t.startsWith('neighbour')).sort()).toEqual(['neighbour 0', 'neighbour 1', 'neighbour 2']);
      expect(flooder.connected && neighbour.connected).toBe(true);
    });

    it('when one user floods from five sockets, then the total of that user is held to one budget', async () => {
      const token = ctx.app.token({ sub: 4343, company_id: a.companyId, role: 'agent' });
      const sockets = await Promise.all(Array.from({ length: 5 }, () => socketOf(token)));
      const before = ctx.graph.sends().length;
      const started = Date.now();
      const results = await Promise.all(sockets.flatMap((s, i) => Array.from({ length: 20 }, (_, j) => emitWithAck(s, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: `multi ${i}-${j}` }], 20000))));
      const elapsedS = (Date.now() - started) / 1000;
      const accepted = results.filter((r) => r.success).length;
      expect(accepted).toBeLessThanOrEqual(BURST + Math.ceil(RATE * elapsedS) + 1);
      await waitForAllSettled(30_000);
      expect(ctx.graph.sends().length - before).toBe(accepted);
    });

    it('when a flooding socket waits, then its sends are accepted again at the sustained rate', async () => {
      // A user of its own: the per-user budget of the agent above is spent by the previous test.
      const socket = await socketOf(ctx.app.token({ sub: 4242, company_id: a.companyId, role: 'agent' }));
      const burst = await Promise.all(Array.from({ length: BURST + 5 }, (_, i) => emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: `b${i}` }])));
      expect(burst.filter((r) => !r.success).map((r) => r.code)).toEqual(Array(5).fill('RATE_LIMITED'));
      await settle(1000 / RATE + 150);
      expect(await emitWithAck(socket, 'send_message', [{ channelId: metaA.id, conversationId: convA.id, message: 'after waiting' }])).toMatchObject({ success: true });
    });
  });

  describe('conversation_updated', () => {
    it('when a conversation is assigned, unassigned and its status changed over REST, then the company\'s sockets get conversation_updated for each, and another company\'s none', async () => {
      const own = new EventLog(await socketOf(a.agentToken));
      const other = new EventLog(await socketOf(b.adminToken));
      const api = (path: string, body?: object) => request(ctx.app.url).put(`/api/channels/conversations/${convA.id}${path}`).set(bearer(a.adminToken)).send(body);

      expect((await api('/assign-agent', { agent_id: a.agentId })).status).toBe(200);
      await waitFor(() => own.of('conversation_updated').length === 1, 3000, 'assigned');
      expect((await api('/unassign-agent')).status).toBe(200);
      await waitFor(() => own.of('conversation_updated').length === 2, 3000, 'unassigned');
      expect((await api('', { status: 'pending' })).status).toBe(200);
      await waitFor(() => own.of('conversation_updated').length === 3, 3000, 'status');

      const [assigned, unassigned, status] = own.of('conversation_updated');
      expect(assigned).toMatchObject({ change: 'assigned', conversation: { id: convA.id, assigned_agent_id: a.agentId, company_id: a.companyId } });
      expect(unassigned).toMatchObject({ change: 'unassigned', conversation: { id: convA.id, assigned_agent_id: null } });
      expect(status).toMatchObject({ change: 'status', conversation: { id: convA.id, status: 'pending' } });
      await settle(150);
      expect(other.all).toEqual([]);
    });
  });
});

