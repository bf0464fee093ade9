import { sendAndSettle } from '../../support/outbound';
import request from 'supertest';
import { bearer, closedPortUrl, errorFields, expectErrorEnvelope, sendMessage, tableCounts } from '../../support/api-helpers';
import { CUSTOM_TIMEOUT_MS, createCustomChannel, customChannelBody, useAppWithCustomEndpoint } from '../../support/custom-webhooks';
import { CUSTOM_SECRET } from '../../support/fake-custom-endpoint';
import { createTenant, type Tenant } from '../../support/scenario';
import { sql } from '../../support/test-app';

describe('Custom webhook channels: creation and outbound messages', () => {
  const ctx = useAppWithCustomEndpoint();
  let tenant: Tenant;
  const post = (body: Record<string, unknown>) => request(ctx.app.url).post('/api/channels').set(bearer(tenant.adminToken)).send(body);

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
  });

  describe('creation', () => {
    it('when a CUSTOM WEBCHAT channel is created with a secret and an outboundUrl, then it is active at once, running, and the secret is encrypted and never returned', async () => {
      const res = await post(customChannelBody(ctx.endpoint));
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ provider: 'CUSTOM', type: 'WEBCHAT', is_active: true, provider_account: null, config: { outboundUrl: ctx.endpoint.url } });
      expect(JSON.stringify(res.body)).not.toContain(CUSTOM_SECRET);
      const one = await request(ctx.app.url).get(`/api/channels/${res.body.data.id}`).set(bearer(tenant.adminToken));
      expect(one.body.data).toMatchObject({ runtime_status: 'ready' });
      expect(JSON.stringify(one.body)).not.toContain(CUSTOM_SECRET);
      const [cred] = await sql('SELECT ciphertext FROM channel_credentials');
      expect(String(cred.ciphertext)).not.toContain(CUSTOM_SECRET);
      // Creating checks the settings only: the customer's endpoint is not called.
      expect(ctx.endpoint.received).toHaveLength(0);
    });

    it.each(['SMS', 'EMAIL', 'TELEGRAM', 'CALL'])('when a CUSTOM %s channel is created, then it is a custom webhook channel too', async (type) => {
      expect((await post(customChannelBody(ctx.endpoint, { type }))).status).toBe(201);
    });

    it('when provider_account is given, then it is stored and a second live channel with it is 409', async () => {
      const first = await post(customChannelBody(ctx.endpoint, { provider_account: 'acme-shop' }));
      expect(first.body.data.provider_account).toBe('acme-shop');
      expectErrorEnvelope(await post(customChannelBody(ctx.endpoint, { provider_account: 'acme-shop', name: 'Again' })), 409, 'CHANNEL_ACCOUNT_TAKEN');
      expect(await tableCounts()).toMatchObject({ channels: 1 });
    });

    it.each([
      ['no credentials', 'credentials.secret', { credentials: undefined }],
      ['a short secret', 'credentials.secret', { credentials: { secret: 'short' } }],
      ['no secret', 'credentials.secret', { credentials: { token: 'custom-secret-123456' } }],
      ['no outboundUrl', 'config.outboundUrl', { config: {} }],
      ['an ftp outboundUrl', 'config.outboundUrl', { config: { outboundUrl: 'ftp://example.com/in' } }],
      ['an outboundUrl that is not a URL', 'config.outboundUrl', { config: { outboundUrl: 'not a url' } }],
    ])('when created with %s, then 400 naming %s and nothing is stored', async (_what, field, override) => {
      const res = await post(customChannelBody(ctx.endpoint, override));
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
      expect(await tableCounts()).toMatchObject({ channels: 0, channel_credentials: 0 });
    });

    it('when the outboundUrl is changed to an invalid one, then 400 and the stored config stays', async () => {
      const channel = await createCustomChannel(ctx.app, tenant, ctx.endpoint);
      const res = await request(ctx.app.url).put(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).send({ config: { outboundUrl: 'javascript:alert(1)' } });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain('config.outboundUrl');
      const [row] = await sql('SELECT config FROM channels WHERE id = $1', [channel.id]);
      expect(row.config.outboundUrl).toBe(ctx.endpoint.url);
    });
  });

  describe('outbound', () => {
    let channel: { id: string };
    beforeEach(async () => {
      channel = await createCustomChannel(ctx.app, tenant, ctx.endpoint);
    });
    const send = (body: Record<string, unknown> = {}) => sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: 'visitor-42', message: 'Hola', ...body });

    it('when a text is sent, then the endpoint gets one signed JSON POST with the documented fields and the answer id is the external_id', async () => {
      const res = await send();
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'SENT', external_id: 'ext-1', to: 'visitor-42' });
      expect(ctx.endpoint.received).toHaveLength(1);
      const [delivery] = ctx.endpoint.received;
      expect(delivery.signatureValid).toBe(true);
      expect(delivery.headers['content-type']).toMatch(/^application\/json/);
      expect(delivery.headers['x-axi-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(delivery.body).toEqual({ id: res.body.data.id, conversation_id: res.body.data.conversation_id, to: 'visitor-42', text: 'Hola', content_type: 'text', attachments: [] });
    });

    it('when replying in a conversation, then its conversation_id reaches the endpoint', async () => {
      const first = await send();
      const again = await sendAndSettle(ctx.app, tenant.agentToken, { conversation_id: first.body.data.conversation_id, message: 'Otra' });
      expect(again.status).toBe(201);
      expect(ctx.endpoint.received[1].body).toMatchObject({ conversation_id: first.body.data.conversation_id, to: 'visitor-42', text: 'Otra' });
    });

    it('when media is sent, then the attachments go as [{url, mime_type, filename}] with the caption as text', async () => {
      const attachments = [
        { url: 'https://cdn.example.com/a.jpg', mime_type: 'image/jpeg' },
        { url: 'https://cdn.example.com/b.png', mime_type: 'image/png', filename: 'b.png' },
      ];
      const res = await send({ content_type: 'image', message: 'two photos', attachments });
      expect(res.body.data).toMatchObject({ status: 'SENT', content_type: 'image' });
      expect(ctx.endpoint.received[0].body).toMatchObject({
        content_type: 'image',
        text: 'two photos',
        attachments: [
          { url: 'https://cdn.example.com/a.jpg', mime_type: 'image/jpeg', filename: null },
          { url: 'https://cdn.example.com/b.png', mime_type: 'image/png', filename: 'b.png' },
        ],
      });
    });

    it.each([
      ['no body', { status: 204, body: '' }],
      ['an empty object', { status: 200, body: {} }],
      ['a numeric id', { status: 200, body: { id: 42 } }],
      ['an id over 255 characters', { status: 200, body: { id: 'x'.repeat(256) } }],
      ['text that is not JSON', { status: 202, body: 'accepted' }],
    ])('when the endpoint answers with %s, then the message is SENT with our own id as external_id', async (_what, reply) => {
      ctx.endpoint.replies.push(reply);
      const res = await send();
      expect(res.body.data).toMatchObject({ status: 'SENT' });
      expect(res.body.data.external_id).toBe(res.body.data.id);
    });

    it.each([
      [400, 'HTTP_400'],
      [302, 'HTTP_302'],
    ])('when the endpoint answers %s, then the message is stored FAILED with %s after one request', async (status, code) => {
      ctx.endpoint.replies.push({ status, body: { error: 'nope' } });
      const res = await send();
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'FAILED', error_code: code, external_id: null });
      expect((await sql('SELECT status, error_code FROM messages'))[0]).toEqual({ status: 'FAILED', error_code: code });
      expect(ctx.endpoint.received).toHaveLength(1);
    });

    it.each([
      [500, 'HTTP_500'],
      [429, 'HTTP_429'],
    ])('when the endpoint answers %s every time, then the send is retried with the same Idempotency-Key and stored FAILED with %s after 5 attempts', async (status, code) => {
      ctx.endpoint.replies.push(...Array.from({ length: 5 }, () => ({ status, body: { error: 'nope' } })));
      const res = await send();
      expect(res.body.data).toMatchObject({ status: 'FAILED', error_code: code, external_id: null, error_message: expect.stringContaining('after 5 attempts') });
      expect(ctx.endpoint.received).toHaveLength(5);
      expect(new Set(ctx.endpoint.received.map((d) => d.headers['idempotency-key']))).toEqual(new Set([res.body.data.id]));
    });

    it('when the endpoint is slower than the provider timeout once, then the send is retried with the same Idempotency-Key (safe: the endpoint de-duplicates) and ends SENT', async () => {
      ctx.endpoint.replies.push({ status: 200, body: { id: 'late' }, delayMs: CUSTOM_TIMEOUT_MS * 4 });
      const res = await send();
      expect(res.body.data).toMatchObject({ status: 'SENT', external_id: 'ext-1' });
      expect(ctx.endpoint.received.map((d) => d.headers['idempotency-key'])).toEqual([res.body.data.id, res.body.data.id]);
    });

    it('when the endpoint checks with another secret, then it refuses the signature and the message is FAILED with HTTP_401', async () => {
      ctx.endpoint.secret = 'the-customer-has-another-secret';
      const res = await send();
      expect(ctx.endpoint.received[0].signatureValid).toBe(false);
      expect(res.body.data).toMatchObject({ status: 'FAILED', error_code: 'HTTP_401' });
    });

    it('when the outboundUrl is changed, then the next send goes to the new URL (nothing listening: NETWORK_ERROR)', async () => {
      const moved = await request(ctx.app.url).put(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).send({ config: { outboundUrl: await closedPortUrl() } });
      expect(moved.status).toBe(200);
      const res = await send();
      expect(res.body.data).toMatchObject({ status: 'FAILED', error_code: 'NETWORK_ERROR' });
      expect(ctx.endpoint.received).toHaveLength(0);
    });
  });
});
