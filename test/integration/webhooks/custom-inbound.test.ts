import { sendAndSettle } from '../../support/outbound';
import request from 'supertest';
import { bearer, expectErrorEnvelope, errorFields, sendMessage, tableCounts } from '../../support/api-helpers';
import { createCustomChannel, customSignature, postCustom, useAppWithCustomEndpoint } from '../../support/custom-webhooks';
import { createTenant, type Tenant } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { sql } from '../../support/test-app';

const MESSAGE = { id: 'cm-1', from: 'visitor-42', name: 'Lucía', text: 'Hola, ¿tienen envío?', timestamp: 1_764_000_000 };

describe('Custom webhook channels: inbound messages', () => {
  const ctx = useAppWithCustomEndpoint();
  let tenant: Tenant;
  let channel: { id: string };
  const nothingStored = async () => expect(await tableCounts()).toMatchObject({ conversations: 0, messages: 0, attachments: 0 });

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createCustomChannel(ctx.app, tenant, ctx.endpoint);
  });

  it('when a signed message arrives, then it is stored in a new conversation keyed by `from`, pushed live, and answered 200 with counts', async () => {
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const received = collect(socket, 'message_received');
    const res = await postCustom(ctx.app, channel.id, MESSAGE);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'EVENT_RECEIVED', data: { stored: 1, duplicates: 0, statusesApplied: 0, statusesIgnored: 0 } });
    await waitFor(() => received.length >= 1);
    socket.close();
    expect(received[0]).toMatchObject({ message: { external_id: 'cm-1', message: MESSAGE.text, direction: 'incoming', channel_id: channel.id }, conversation: { external_id: 'visitor-42' } });
    const rows = await sql(`SELECT m.external_id, m.message, m.status, m.content_type, m."from", m."timestamp", c.external_id AS conv, c.participant_meta FROM messages m JOIN conversations c ON c.id = m.conversation_id`);
    expect(rows).toEqual([
      { external_id: 'cm-1', message: MESSAGE.text, status: 'RECEIVED', content_type: 'text', from: 'visitor-42', timestamp: new Date(MESSAGE.timestamp * 1000), conv: 'visitor-42', participant_meta: { name: 'Lucía' } },
    ]);
  });

  it('when the same message id arrives twice (a retry or a replay within the window), then it is stored and pushed once', async () => {
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const received = collect(socket, 'message_received');
    const raw = JSON.stringify(MESSAGE);
    const signature = customSignature(raw);
    expect((await postCustom(ctx.app, channel.id, raw, { signature })).body.data.stored).toBe(1);
    expect((await postCustom(ctx.app, channel.id, raw, { signature })).body.data).toMatchObject({ stored: 0, duplicates: 1 });
    await waitFor(() => received.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    expect(received).toHaveLength(1);
    expect(await tableCounts()).toMatchObject({ conversations: 1, messages: 1 });
  });

  it('when a media message arrives, then its attachments are stored with url and mime type, the text as caption', async () => {
    const res = await postCustom(ctx.app, channel.id, { id: 'cm-2', from: 'visitor-42', content_type: 'document', text: 'la factura', attachments: [{ url: 'https://files.example.com/f.pdf', mime_type: 'application/pdf' }] });
    expect(res.status).toBe(200);
    expect(await sql('SELECT a.type, a.url, a.mime_type, m.content_type, m.message FROM attachments a JOIN messages m ON m.id = a.message_id')).toEqual([
      { type: 'document', url: 'https://files.example.com/f.pdf', mime_type: 'application/pdf', content_type: 'document', message: 'la factura' },
    ]);
  });

  describe('signatures', () => {
    const now = () => Math.floor(Date.now() / 1000);

    it('when the signature is missing, made with another secret, or the body was changed after signing, then 401 and nothing is stored', async () => {
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, MESSAGE, { signature: null }), 401, 'INVALID_SIGNATURE');
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, MESSAGE, { secret: 'forged-secret-0123456789abcdef' }), 401, 'INVALID_SIGNATURE');
      const raw = JSON.stringify(MESSAGE);
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, raw.replace('envío', 'ENVÍO'), { signature: customSignature(raw) }), 401, 'INVALID_SIGNATURE');
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, JSON.stringify(MESSAGE, null, 2), { signature: customSignature(raw) }), 401, 'INVALID_SIGNATURE');
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, MESSAGE, { signature: 'sha256=abc' }), 401, 'INVALID_SIGNATURE');
      await nothingStored();
    });

    it('when the signed timestamp is more than 5 minutes old or ahead, then 401 and nothing is stored; within 5 minutes it is accepted', async () => {
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, MESSAGE, { timestamp: now() - 310 }), 401, 'INVALID_SIGNATURE');
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, MESSAGE, { timestamp: now() + 310 }), 401, 'INVALID_SIGNATURE');
      await nothingStored();
      expect((await postCustom(ctx.app, channel.id, MESSAGE, { timestamp: now() - 240 })).status).toBe(200);
    });

    it('when an old signed request is replayed with a fresh timestamp but the old signature, then 401', async () => {
      const raw = JSON.stringify(MESSAGE);
      const old = customSignature(raw, { timestamp: now() - 3600 });
      const replayed = old.replace(/^t=\d+/, `t=${now()}`);
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, raw, { signature: replayed }), 401, 'INVALID_SIGNATURE');
      await nothingStored();
    });
  });

  describe('bad bodies (signed)', () => {
    it.each([
      ['no id', { from: 'v', text: 'x' }, 'id'],
      ['no from', { id: 'a', text: 'x' }, 'from'],
      ['a text message without text', { id: 'a', from: 'v' }, 'text'],
      ['an unknown content_type', { id: 'a', from: 'v', text: 'x', content_type: 'hologram' }, 'content_type'],
      ['media without attachments', { id: 'a', from: 'v', content_type: 'image' }, 'attachments'],
      ['an attachment with a non-http URL', { id: 'a', from: 'v', content_type: 'image', attachments: [{ url: 'file:///etc/passwd', mime_type: 'image/png' }] }, 'attachments.0.url'],
      ['a timestamp in milliseconds', { id: 'a', from: 'v', text: 'x', timestamp: Date.now() }, 'timestamp'],
      ['an id with a NUL character', { id: 'a\u0000b', from: 'v', text: 'x' }, 'id'],
      ['an unknown field', { id: 'a', from: 'v', text: 'x', extra: true }, 'extra'],
    ])('when the body has %s, then 400 naming the field and nothing is stored', async (_what, body, field) => {
      const res = await postCustom(ctx.app, channel.id, body);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
      await nothingStored();
    });

    it('when the body is not JSON, then 400 MALFORMED_BODY if signed, 401 if not', async () => {
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, '{not json'), 400, 'MALFORMED_BODY');
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, '{not json', { signature: null }), 401, 'INVALID_SIGNATURE');
      await nothingStored();
    });
  });

  describe('which channel', () => {
    it('when the channel is unknown, not a uuid, of another provider, WhatsApp Web, inactive or deleted, then the same 404 and nothing is stored', async () => {
      const [meta] = await sql(`INSERT INTO channels (company_id, name, type, provider, is_active) VALUES ($1, 'Meta', 'WHATSAPP', 'META', true) RETURNING id`, [tenant.companyId]);
      const [waWeb] = await sql(`INSERT INTO channels (company_id, name, type, provider, is_active) VALUES ($1, 'WA Web', 'WHATSAPP', 'CUSTOM', true) RETURNING id`, [tenant.companyId]);
      const inactive = await createCustomChannel(ctx.app, tenant, ctx.endpoint, { name: 'Off' });
      await request(ctx.app.url).put(`/api/channels/${inactive.id}/deactivate`).set(bearer(tenant.adminToken)).expect(200);
      const deleted = await createCustomChannel(ctx.app, tenant, ctx.endpoint, { name: 'Gone' });
      await request(ctx.app.url).delete(`/api/channels/${deleted.id}`).set(bearer(tenant.adminToken)).expect(200);
      const bodies = [];
      for (const id of ['6d1f6a0e-0000-4000-8000-000000000000', 'not-a-uuid', meta.id, waWeb.id, inactive.id, deleted.id]) {
        for (const status of [false, true]) {
          const res = await postCustom(ctx.app, id, status ? { id: 'x', status: 'read' } : MESSAGE, { status });
          expectErrorEnvelope(res, 404, 'NOT_FOUND');
          bodies.push(res.body.message);
        }
      }
      expect(new Set(bodies).size).toBe(1);
      await nothingStored();
    });
  });

  describe('statuses of outbound messages', () => {
    const statusOf = async (id: string) => (await sql('SELECT status, error_code, error_message FROM messages WHERE id = $1', [id]))[0];
    async function sendReply(): Promise<{ id: string; external_id: string }> {
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: 'visitor-42', message: 'Hola' });
      expect(res.body.data.status).toBe('SENT');
      return res.body.data;
    }

    it('when sent, delivered and read arrive in order, then the message ends READ and each change is pushed as message_status', async () => {
      const reply = await sendReply();
      const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
      const statuses = collect(socket, 'message_status');
      for (const status of ['delivered', 'read']) {
        const res = await postCustom(ctx.app, channel.id, { id: reply.external_id, status }, { status: true });
        expect(res.body).toEqual({ success: true, message: 'EVENT_RECEIVED', data: { stored: 0, duplicates: 0, statusesApplied: 1, statusesIgnored: 0 } });
      }
      await waitFor(() => statuses.length >= 2);
      socket.close();
      expect(statuses.map((s) => [s.message_id, s.previous_status, s.status])).toEqual([[reply.id, 'SENT', 'DELIVERED'], [reply.id, 'DELIVERED', 'READ']]);
      expect((await statusOf(reply.id)).status).toBe('READ');
    });

    it('when delivered arrives after read, or read arrives twice, then nothing moves back and nothing more is pushed', async () => {
      const reply = await sendReply();
      const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
      const statuses = collect(socket, 'message_status');
      const post = (status: string) => postCustom(ctx.app, channel.id, { id: reply.external_id, status }, { status: true });
      expect((await post('read')).body.data.statusesApplied).toBe(1);
      expect((await post('read')).body.data).toMatchObject({ statusesApplied: 0, statusesIgnored: 1 });
      expect((await post('delivered')).body.data).toMatchObject({ statusesApplied: 0, statusesIgnored: 1 });
      expect((await post('sent')).body.data).toMatchObject({ statusesApplied: 0, statusesIgnored: 1 });
      await waitFor(() => statuses.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      socket.close();
      expect(statuses.map((s) => s.status)).toEqual(['READ']);
      expect((await statusOf(reply.id)).status).toBe('READ');
    });

    it('when failed arrives with an error, then the message is FAILED with its code and message', async () => {
      const reply = await sendReply();
      const res = await postCustom(ctx.app, channel.id, { id: reply.external_id, status: 'failed', error: { code: 'UNREACHABLE', message: 'visitor left' } }, { status: true });
      expect(res.status).toBe(200);
      expect(await statusOf(reply.id)).toEqual({ status: 'FAILED', error_code: 'UNREACHABLE', error_message: 'visitor left' });
    });

    it('when the status names an unknown id, then 200 with nothing applied', async () => {
      const res = await postCustom(ctx.app, channel.id, { id: 'never-sent', status: 'read' }, { status: true });
      expect(res.body.data).toMatchObject({ statusesApplied: 0, statusesIgnored: 1 });
    });

    it('when a status is unsigned, stale or has a bad status value, then 401 / 401 / 400 and nothing changes', async () => {
      const reply = await sendReply();
      const body = { id: reply.external_id, status: 'read' };
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, body, { status: true, signature: null }), 401, 'INVALID_SIGNATURE');
      expectErrorEnvelope(await postCustom(ctx.app, channel.id, body, { status: true, timestamp: Math.floor(Date.now() / 1000) - 600 }), 401, 'INVALID_SIGNATURE');
      const bad = await postCustom(ctx.app, channel.id, { id: reply.external_id, status: 'seen' }, { status: true });
      expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
      expect(errorFields(bad)).toContain('status');
      expect((await statusOf(reply.id)).status).toBe('SENT');
    });
  });
});
