import request from 'supertest';
import { bearer, createConversation, errorFields, expectErrorEnvelope, sendMessage, tableCounts } from '../../support/api-helpers';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';
import { waitForAllSettled, waitForSettled } from '../../support/outbound';

const CUSTOMER = '15557770123';

describe('Messages API', () => {
  const ctx = useAppWithGraph({ isolatedDatabase: true });
  let tenant: Tenant;
  let channel: { id: string };

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    ctx.graph.requests.length = 0;
  });

  const admin = () => bearer(tenant.adminToken);
  async function openConversation() {
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    const [conversation] = await sql<{ id: string }>('SELECT id FROM conversations');
    return conversation;
  }

  describe('send', () => {
    it('when a text is sent into a conversation, then 201 PENDING as stored, then the queue sends it: SENT with the provider id, and exactly one Graph call with the documented request', async () => {
      const conversation = await openConversation();
      const text = 'Hola Maria, ya revisamos tu pedido';
      const res = await sendMessage(ctx.app, tenant.agentToken, { conversation_id: conversation.id, message: text, metadata: { ticket: 'T-1' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        success: true,
        message: expect.any(String),
        data: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          conversation_id: conversation.id,
          channel_id: channel.id,
          company_id: tenant.companyId,
          to: CUSTOMER,
          message: text,
          direction: 'outgoing',
          status: 'PENDING',
          content_type: 'text',
          external_id: null,
          error_code: null,
          error_message: null,
          metadata: { ticket: 'T-1', sent_by: String(tenant.agentId) },
        },
      });
      expect((await waitForSettled(res.body.data.id)).status).toBe('SENT');

      const sends = ctx.graph.sends();
      expect(sends).toHaveLength(1);
      expect(sends[0].path).toBe('/v21.0/410000000000001/messages');
      expect(sends[0].headers.authorization).toBe(`Bearer ${ctx.graph.validToken}`);
      expect(sends[0].body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: CUSTOMER, type: 'text', text: { preview_url: false, body: text } });

      const rows = await sql(`SELECT id, status, external_id, direction, "to", message, conversation_id, company_id FROM messages WHERE direction = 'outgoing'`);
      expect(rows).toEqual([
        { id: res.body.data.id, status: 'SENT', external_id: 'wamid.FIXTURE.OUT.1', direction: 'outgoing', to: CUSTOMER, message: text, conversation_id: conversation.id, company_id: tenant.companyId },
      ]);
      const [conv] = await sql('SELECT last_message_at FROM conversations WHERE id = $1', [conversation.id]);
      expect(conv.last_message_at).toBeInstanceOf(Date);
    });

    it('when sent by channel_id and to with no open conversation, then a conversation is opened for the recipient and the text goes to the normalised number', async () => {
      const res = await sendMessage(ctx.app, tenant.adminToken, { channel_id: channel.id, to: '+1 (555) 777-0123', message: 'Hola' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'PENDING', to: CUSTOMER, channel_id: channel.id });
      expect((await waitForSettled(res.body.data.id)).status).toBe('SENT');
      const conversations = await sql('SELECT id, status, external_id, company_id, channel_id FROM conversations');
      expect(conversations).toEqual([{ id: res.body.data.conversation_id, status: 'open', external_id: CUSTOMER, company_id: tenant.companyId, channel_id: channel.id }]);
      expect(ctx.graph.sends().map((s) => s.body.to)).toEqual([CUSTOMER]);
    });

    it('when sent by channel_id and to while the customer has an open conversation, then that conversation is used', async () => {
      const conversation = await openConversation();
      const res = await sendMessage(ctx.app, tenant.adminToken, { channel_id: channel.id, to: CUSTOMER, message: 'Hola' });
      expect(res.status).toBe(201);
      expect(res.body.data.conversation_id).toBe(conversation.id);
      expect(await sql('SELECT id FROM conversations')).toEqual([{ id: conversation.id }]);
      expect(await sql('SELECT direction FROM messages WHERE conversation_id = $1 ORDER BY direction', [conversation.id])).toEqual([{ direction: 'incoming' }, { direction: 'outgoing' }]);
    });

    it('when the customer\'s only conversation is closed and a text is sent by channel_id and to, then a new open conversation is used', async () => {
      const conversation = await openConversation();
      await request(ctx.app.url).put(`/api/channels/conversations/${conversation.id}`).set(admin()).send({ status: 'closed' }).expect(200);
      const res = await sendMessage(ctx.app, tenant.adminToken, { channel_id: channel.id, to: CUSTOMER, message: 'Hola de nuevo' });
      expect(res.status).toBe(201);
      expect(res.body.data.conversation_id).not.toBe(conversation.id);
      expect(await sql('SELECT status FROM conversations ORDER BY created_at')).toEqual([{ status: 'closed' }, { status: 'open' }]);
    });

    it.each([
      [400, 131047, 'Re-engagement message'],
      [400, 131026, 'Message undeliverable'],
    ])('when the Graph API answers %i with the permanent code %i, then 201 PENDING, then FAILED at once with the code and reason stored', async (status, code, reason) => {
      const conversation = await openConversation();
      ctx.graph.sendErrors.push({ status, code, message: reason });
      const res = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'Hola' });
      expect(res.status).toBe(201);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toMatchObject({ status: 'PENDING', error_code: null, external_id: null });
      expect(await waitForSettled(res.body.data.id)).toMatchObject({ status: 'FAILED', error_code: String(code), error_message: expect.stringContaining(reason), external_id: null });
      expect(ctx.graph.sends()).toHaveLength(1);
      expect(await sql(`SELECT status, error_code, error_message, external_id FROM messages WHERE direction = 'outgoing'`)).toEqual([
        { status: 'FAILED', error_code: String(code), error_message: expect.stringContaining(reason), external_id: null },
      ]);
    });

    it('when a send failed, then the next send in the same conversation still goes out', async () => {
      const conversation = await openConversation();
      ctx.graph.sendErrors.push({ status: 400, code: 131047, message: 'Re-engagement message' });
      const first = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'one' });
      expect((await waitForSettled(first.body.data.id)).status).toBe('FAILED');
      const second = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'two' });
      expect((await waitForSettled(second.body.data.id)).status).toBe('SENT');
      expect(await sql(`SELECT message, status FROM messages WHERE direction = 'outgoing' ORDER BY created_at`)).toEqual([
        { message: 'one', status: 'FAILED' },
        { message: 'two', status: 'SENT' },
      ]);
    });

    it('when the channel is deactivated and a text is sent into its conversation, then 409 CHANNEL_INACTIVE, nothing is stored and nothing is sent', async () => {
      const conversation = await openConversation();
      await request(ctx.app.url).put(`/api/channels/${channel.id}/deactivate`).set(admin()).expect(200);
      const before = await tableCounts();
      const res = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'Hola' });
      expectErrorEnvelope(res, 409, 'CHANNEL_INACTIVE');
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it('when the channel is deactivated and a text is sent by channel_id to a new number, then 409 CHANNEL_INACTIVE and no conversation is left behind', async () => {
      await request(ctx.app.url).put(`/api/channels/${channel.id}/deactivate`).set(admin()).expect(200);
      const before = await tableCounts();
      const res = await sendMessage(ctx.app, tenant.adminToken, { channel_id: channel.id, to: '15550001111', message: 'Hola' });
      expectErrorEnvelope(res, 409, 'CHANNEL_INACTIVE');
      expect(await tableCounts()).toEqual(before);
      expect(await sql(`SELECT external_id FROM conversations WHERE external_id = '15550001111'`)).toEqual([]);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it('when many texts are sent at once by channel_id to a new number, then they all go out in one conversation', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => sendMessage(ctx.app, tenant.adminToken, { channel_id: channel.id, to: '15550002222', message: `m${i}` })));
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
      const conversations = await sql(`SELECT id FROM conversations WHERE external_id = '15550002222'`);
      expect(conversations).toHaveLength(1);
      expect(new Set(results.map((r) => r.body.data.conversation_id))).toEqual(new Set([conversations[0].id]));
      await waitForAllSettled();
      expect(ctx.graph.sends()).toHaveLength(6);
    });

    it('when the conversation is closed, then 409 CONVERSATION_CLOSED, nothing is stored and nothing is sent', async () => {
      const conversation = await openConversation();
      await request(ctx.app.url).put(`/api/channels/conversations/${conversation.id}`).set(admin()).send({ status: 'closed' }).expect(200);
      const before = await tableCounts();
      const res = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'Hola' });
      expectErrorEnvelope(res, 409, 'CONVERSATION_CLOSED');
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it('when the channel was deleted, then sending into its conversation is 404 and nothing is sent', async () => {
      const conversation = await openConversation();
      await request(ctx.app.url).delete(`/api/channels/${channel.id}`).set(admin()).expect(200);
      const res = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'Hola' });
      expectErrorEnvelope(res, 404);
      expect(ctx.graph.sends()).toHaveLength(0);
      expect(await sql(`SELECT id FROM messages WHERE direction = 'outgoing'`)).toHaveLength(0);
    });

    it.each([
      ['both conversation_id and channel_id', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', channel_id: '6d1f6a0e-0000-4000-8000-000000000001', to: CUSTOMER, message: 'x' }],
      ['neither conversation_id nor channel_id', { message: 'x' }],
      ['channel_id without to', { channel_id: '6d1f6a0e-0000-4000-8000-000000000001', message: 'x' }],
      ['content_type image', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', message: 'x', content_type: 'image' }],
      ['a message over 4096 characters', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', message: 'a'.repeat(4097) }],
      ['an empty message', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', message: '' }],
      ['no message', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000' }],
      ['direction incoming', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', message: 'x', direction: 'incoming' }],
      ['a status', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', message: 'x', status: 'DELIVERED' }],
    ])('when the body has %s, then 400 and nothing is stored or sent', async (_label, body) => {
      const conversation = await openConversation();
      const patched = JSON.parse(JSON.stringify(body).replace('6d1f6a0e-0000-4000-8000-000000000000', conversation.id).replace('6d1f6a0e-0000-4000-8000-000000000001', channel.id));
      const before = await tableCounts();
      const res = await sendMessage(ctx.app, tenant.adminToken, patched);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it('when the message is exactly 4096 characters, then it is sent whole', async () => {
      const conversation = await openConversation();
      const res = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'a'.repeat(4096) });
      expect(res.status).toBe(201);
      expect((await waitForSettled(res.body.data.id)).status).toBe('SENT');
      expect(ctx.graph.sends()[0].body.text.body).toHaveLength(4096);
    });

    it('when an image is sent with a caption, then Graph gets one image by link and the message is stored with its attachment', async () => {
      const conversation = await openConversation();
      const url = 'https://cdn.example.com/factura.jpg';
      const res = await sendMessage(ctx.app, tenant.agentToken, { conversation_id: conversation.id, content_type: 'image', message: 'Tu factura', attachments: [{ url, mime_type: 'image/jpeg' }] });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ content_type: 'image', message: 'Tu factura', status: 'PENDING', attachments: [expect.objectContaining({ type: 'image', url, mime_type: 'image/jpeg', caption: 'Tu factura' })] });
      expect((await waitForSettled(res.body.data.id)).status).toBe('SENT');
      expect(ctx.graph.sends().map((s) => s.body)).toEqual([{ messaging_product: 'whatsapp', recipient_type: 'individual', to: CUSTOMER, type: 'image', image: { link: url, caption: 'Tu factura' } }]);
      expect(await sql(`SELECT type, url, mime_type FROM attachments`)).toEqual([{ type: 'image', url, mime_type: 'image/jpeg' }]);
    });

    it('when a document is sent without a caption, then Graph gets its filename and no caption', async () => {
      const conversation = await openConversation();
      const res = await sendMessage(ctx.app, tenant.agentToken, { conversation_id: conversation.id, content_type: 'document', attachments: [{ url: 'https://cdn.example.com/a.pdf', mime_type: 'application/pdf', filename: 'a.pdf' }] });
      expect(res.status).toBe(201);
      expect((await waitForSettled(res.body.data.id)).status).toBe('SENT');
      expect(ctx.graph.sends()[0].body).toMatchObject({ type: 'document', document: { link: 'https://cdn.example.com/a.pdf', filename: 'a.pdf' } });
      expect(ctx.graph.sends()[0].body.document.caption).toBeUndefined();
    });

    it.each([
      ['media without attachments', { content_type: 'image', message: 'x' }, 'attachments'],
      ['text with attachments', { message: 'x', attachments: [{ url: 'https://a.example/x.jpg', mime_type: 'image/jpeg' }] }, 'attachments'],
      ['a non-http attachment URL', { content_type: 'image', attachments: [{ url: 'file:///etc/passwd', mime_type: 'image/jpeg' }] }, 'attachments.0.url'],
      ['a malformed mime type', { content_type: 'image', attachments: [{ url: 'https://a.example/x.jpg', mime_type: 'jpeg' }] }, 'attachments.0.mime_type'],
      ['an unknown content type', { content_type: 'location', message: 'x' }, 'content_type'],
    ])('when %s is sent, then 400 naming the field and nothing is stored or sent', async (_name, patch, field) => {
      const conversation = await openConversation();
      const before = await tableCounts();
      const res = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, ...patch });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it('when the recipient is not a phone number on a WhatsApp channel, then 400 naming to and no conversation is opened', async () => {
      const res = await sendMessage(ctx.app, tenant.adminToken, { channel_id: channel.id, to: 'maria@example.test', message: 'Hola' });
      expectErrorEnvelope(res, 400);
      expect(errorFields(res)).toContain('to');
      expect(await tableCounts()).toMatchObject({ conversations: 0, messages: 0 });
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it('when the conversation or channel is unknown, then 404 and nothing is sent', async () => {
      expectErrorEnvelope(await sendMessage(ctx.app, tenant.adminToken, { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', message: 'x' }), 404, 'CONVERSATION_NOT_FOUND');
      expectErrorEnvelope(await sendMessage(ctx.app, tenant.adminToken, { channel_id: '6d1f6a0e-0000-4000-8000-000000000000', to: CUSTOMER, message: 'x' }), 404, 'CHANNEL_NOT_FOUND');
      expect(ctx.graph.sends()).toHaveLength(0);
      expect(await tableCounts()).toMatchObject({ conversations: 0, messages: 0 });
    });
  });

  describe('read and status', () => {
    let sentId: string;
    beforeEach(async () => {
      const conversation = await openConversation();
      const res = await sendMessage(ctx.app, tenant.adminToken, { conversation_id: conversation.id, message: 'Hola' });
      expect(res.status).toBe(201);
      sentId = res.body.data.id;
      expect((await waitForSettled(sentId)).status).toBe('SENT');
    });
    const putStatus = (id: string, status: string) => request(ctx.app.url).put(`/api/channels/messages/${id}/status`).set(admin()).send({ status });
    const stored = async (id: string) => (await sql('SELECT status, updated_at FROM messages WHERE id = $1', [id]))[0];

    it('when a message is read, then 200 with its fields', async () => {
      const res = await request(ctx.app.url).get(`/api/channels/messages/${sentId}`).set(bearer(tenant.agentToken));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, data: { id: sentId, status: 'SENT', direction: 'outgoing', message: 'Hola', external_id: 'wamid.FIXTURE.OUT.1', attachments: [] } });
    });

    it('when an unknown message is read or changed, then 404', async () => {
      const id = '6d1f6a0e-0000-4000-8000-000000000000';
      expectErrorEnvelope(await request(ctx.app.url).get(`/api/channels/messages/${id}`).set(admin()), 404, 'MESSAGE_NOT_FOUND');
      expectErrorEnvelope(await putStatus(id, 'READ'), 404, 'MESSAGE_NOT_FOUND');
    });

    it('when the status moves SENT -> DELIVERED -> READ, then each step is 200 and stored', async () => {
      const delivered = await putStatus(sentId, 'DELIVERED');
      expect(delivered.status).toBe(200);
      expect(delivered.body).toMatchObject({ success: true, data: { id: sentId, status: 'DELIVERED' } });
      expect((await stored(sentId)).status).toBe('DELIVERED');
      const read = await putStatus(sentId, 'READ');
      expect(read.status).toBe(200);
      expect(read.body.data.status).toBe('READ');
      expect((await stored(sentId)).status).toBe('READ');
    });

    it('when a READ message is set back to DELIVERED, then 409 and the stored row is unchanged', async () => {
      await putStatus(sentId, 'DELIVERED').expect(200);
      await putStatus(sentId, 'READ').expect(200);
      const before = await stored(sentId);
      const res = await putStatus(sentId, 'DELIVERED');
      expectErrorEnvelope(res, 409, 'ILLEGAL_STATUS_CHANGE');
      expect(await stored(sentId)).toEqual(before);
      expect(before.status).toBe('READ');
    });

    it.each(['PENDING', 'RECEIVED'])('when a SENT message is set to %s, then 409 and it stays SENT', async (status) => {
      const before = await stored(sentId);
      const res = await putStatus(sentId, status);
      expectErrorEnvelope(res, 409, 'ILLEGAL_STATUS_CHANGE');
      expect(await stored(sentId)).toEqual(before);
    });

    it('when a FAILED message is set to DELIVERED or READ, then 409 (FAILED is terminal)', async () => {
      await putStatus(sentId, 'FAILED').expect(200);
      for (const status of ['SENT', 'DELIVERED', 'READ']) {
        expectErrorEnvelope(await putStatus(sentId, status), 409, 'ILLEGAL_STATUS_CHANGE');
      }
      expect((await stored(sentId)).status).toBe('FAILED');
    });

    it('when an incoming message is marked READ, then 200; DELIVERED is 409', async () => {
      const [incoming] = await sql<{ id: string }>(`SELECT id FROM messages WHERE direction = 'incoming'`);
      expectErrorEnvelope(await putStatus(incoming.id, 'DELIVERED'), 409, 'ILLEGAL_STATUS_CHANGE');
      expect((await stored(incoming.id)).status).toBe('RECEIVED');
      const read = await putStatus(incoming.id, 'READ');
      expect(read.status).toBe(200);
      expect((await stored(incoming.id)).status).toBe('READ');
    });

    it.each([[{ status: 'SEEN' }], [{}], [{ status: 'READ', extra: 1 }]])('when the status body is %j, then 400 and nothing changes', async (body) => {
      const before = await stored(sentId);
      const res = await request(ctx.app.url).put(`/api/channels/messages/${sentId}/status`).set(admin()).send(body);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(await stored(sentId)).toEqual(before);
    });
  });
});
