import { sendAndSettle } from '../../support/outbound';
import request from 'supertest';
import { bearer, errorFields, expectErrorEnvelope, sendMessage, tableCounts } from '../../support/api-helpers';
import { freePort } from '../../support/ports';
import { createTenant, type Tenant } from '../../support/scenario';
import { startTestApp, sql } from '../../support/test-app';
import { createTwilioChannel, TWILIO_NUMBER, twilioChannelBody, useAppWithTwilio } from '../../support/twilio-scenario';

describe('Twilio channels: credentials checked with Twilio, then sending', () => {
  const ctx = useAppWithTwilio();
  let tenant: Tenant;
  const create = (overrides: Record<string, unknown> = {}) =>
    request(ctx.app.url).post('/api/channels').set(bearer(tenant.adminToken)).send(twilioChannelBody(ctx.twilio, overrides));

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
  });

  describe('creation', () => {
    it.each(['SMS', 'WHATSAPP', 'CALL'])('when a %s channel has accepted credentials, then it is active at once with the number as provider_account and no secret in the answer', async (type) => {
      const res = await create({ type });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ type, provider: 'TWILIO', is_active: true, provider_account: TWILIO_NUMBER });
      expect(JSON.stringify(res.body)).not.toContain(ctx.twilio.authToken);
      const numberLookup = type === 'WHATSAPP' ? [] : [`GET /2010-04-01/Accounts/${ctx.twilio.accountSid}/IncomingPhoneNumbers.json`];
      expect(ctx.twilio.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /2010-04-01/Accounts/${ctx.twilio.accountSid}.json`, ...numberLookup]);
      const [row] = await sql(`SELECT c.config::text AS config, cc.ciphertext FROM channels c JOIN channel_credentials cc ON cc.id = c.credentials_id`);
      // The Account resource carries the auth token: it must not end up in the stored config either.
      expect(row.config).not.toContain(ctx.twilio.authToken);
      expect(row.ciphertext).not.toContain(ctx.twilio.authToken);
      expect(JSON.parse(row.config)).toEqual({ account: { friendly_name: 'Fixture Account', status: 'active', type: 'Full' } });
    });

    it.each(['SMS', 'CALL'])('when the %s number is not one of the account\'s incoming numbers (another company\'s), then 400 NUMBER_NOT_OWNED and nothing is stored', async (type) => {
      ctx.twilio.ownedNumbers = ['+15557770999'];
      const before = await tableCounts();
      const res = await create({ type });
      expectErrorEnvelope(res, 400, 'PROVIDER_REJECTED');
      expect(res.body).toMatchObject({ provider_error_code: 'NUMBER_NOT_OWNED', message: expect.stringContaining(TWILIO_NUMBER) });
      expect(await tableCounts()).toEqual(before);
      ctx.twilio.ownedNumbers = [TWILIO_NUMBER];
      expect((await create({ type })).status).toBe(201);
    });

    it('when Twilio answers 401 to the token, then 400 PROVIDER_REJECTED and nothing is stored', async () => {
      const before = await tableCounts();
      const res = await create({ credentials: { accountSid: ctx.twilio.accountSid, authToken: 'wrong-token-0123456789' } });
      expectErrorEnvelope(res, 400, 'PROVIDER_REJECTED');
      expect(res.body.provider_error_code).toBe(20003);
      expect(await tableCounts()).toEqual(before);
    });

    it('when Twilio does not know the account (404), then 400 PROVIDER_REJECTED and nothing is stored', async () => {
      ctx.twilio.lookupStatus = 404;
      const res = await create();
      expectErrorEnvelope(res, 400, 'PROVIDER_REJECTED');
      expect(res.body.provider_error_code).toBe(20404);
      expect((await tableCounts()).channels).toBe(0);
    });

    it('when the account is suspended, then 400 PROVIDER_REJECTED', async () => {
      ctx.twilio.accountStatus = 'suspended';
      expectErrorEnvelope(await create(), 400, 'PROVIDER_REJECTED');
      expect((await tableCounts()).channels).toBe(0);
    });

    it('when Twilio answers 503, then 502 PROVIDER_UNAVAILABLE and nothing is stored', async () => {
      ctx.twilio.lookupStatus = 503;
      const before = await tableCounts();
      expectErrorEnvelope(await create(), 502, 'PROVIDER_UNAVAILABLE');
      expect(await tableCounts()).toEqual(before);
    });

    it('when Twilio cannot be reached at all, then 502 and no secret in the answer or the logs', async () => {
      const logLines: string[] = [];
      const app = await startTestApp({ TWILIO_API_BASE_URL: `http://127.0.0.1:${await freePort()}`, LOG_LEVEL: 'debug' }, { logLines });
      try {
        const res = await request(app.url).post('/api/channels').set(bearer(tenant.adminToken)).send(twilioChannelBody(ctx.twilio));
        expectErrorEnvelope(res, 502, 'PROVIDER_UNAVAILABLE');
        expect(JSON.stringify(res.body) + logLines.join('')).not.toContain(ctx.twilio.authToken);
        expect((await tableCounts()).channels).toBe(0);
      } finally {
        await app.stop();
      }
    });

    it.each([
      [{ provider_account: '15557770002' }, 'provider_account'],
      [{ provider_account: 'whatsapp:+15557770002' }, 'provider_account'],
      [{ provider_account: undefined }, 'provider_account'],
      [{ credentials: { accountSid: 'AC1', authToken: 'x'.repeat(20) } }, 'credentials.accountSid'],
      [{ credentials: { accountSid: 'AC11111111111111111111111111111111' } }, 'credentials.authToken'],
      [{ credentials: { accountSid: 'AC11111111111111111111111111111111', authToken: 'x'.repeat(20), messagingServiceSid: 'MG1' } }, 'credentials.messagingServiceSid'],
      [{ credentials: undefined }, 'credentials'],
      [{ type: 'CALL', config: { forward_to: '555-1234' } }, 'config.forward_to'],
    ])('when the input is %j, then 400 naming %s and Twilio is not asked', async (overrides, field) => {
      const res = await create(overrides);
      expectErrorEnvelope(res, 400);
      expect(errorFields(res)).toContain(field);
      expect(ctx.twilio.requests).toEqual([]);
      expect((await tableCounts()).channels).toBe(0);
    });

    it('when the type is not one Twilio serves (EMAIL), then 400 PROVIDER_NOT_AVAILABLE', async () => {
      expectErrorEnvelope(await create({ type: 'EMAIL' }), 400, 'PROVIDER_NOT_AVAILABLE');
    });

    it('when the credentials are rotated to a token Twilio refuses, then 400 and the stored ones still work', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
      const res = await request(ctx.app.url).put(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).send({ credentials: { authToken: 'another-wrong-token-123' } });
      expectErrorEnvelope(res, 400, 'PROVIDER_REJECTED');
      expect((await sendAndSettle(ctx.app, tenant.adminToken, { channel_id: channel.id, to: '+15557770456', message: 'still works' })).body.data.status).toBe('SENT');
    });
  });

  describe('sending', () => {
    it('when an agent replies on SMS, then Twilio gets From, To, Body and the status callback, and the SID is the external_id', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+1 (555) 777-0456', message: 'Your order is on its way' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'SENT', external_id: 'SM22222222222222222222222222222222', to: '+15557770456', from: TWILIO_NUMBER });
      expect(ctx.twilio.sends()).toEqual([{
        To: '+15557770456',
        From: TWILIO_NUMBER,
        Body: 'Your order is on its way',
        StatusCallback: `https://public.example.com/webhooks/twilio/${channel.id}/status`,
      }]);
      expect(await sql('SELECT external_id FROM conversations')).toEqual([{ external_id: '+15557770456' }]);
    });

    it('when the channel is WhatsApp, then To and From carry the whatsapp: prefix and the conversation is keyed by the digits', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'WHATSAPP' });
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'Hola' });
      expect(res.body.data.status).toBe('SENT');
      expect(ctx.twilio.sends()[0]).toMatchObject({ To: 'whatsapp:+15557770456', From: `whatsapp:${TWILIO_NUMBER}` });
      expect(await sql('SELECT external_id FROM conversations')).toEqual([{ external_id: '15557770456' }]);
    });

    it('when a Messaging Service is configured, then it is used instead of From', async () => {
      const messagingServiceSid = 'MG33333333333333333333333333333333';
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { credentials: { accountSid: ctx.twilio.accountSid, authToken: ctx.twilio.authToken, messagingServiceSid } });
      await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'Hi' });
      const [sent] = ctx.twilio.sends();
      expect(sent.MessagingServiceSid).toBe(messagingServiceSid);
      expect(sent.From).toBeUndefined();
    });

    it('when media is sent, then every URL goes as MediaUrl with the caption as Body', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
      const attachments = [
        { url: 'https://cdn.example.com/a.jpg', mime_type: 'image/jpeg' },
        { url: 'https://cdn.example.com/b.jpg', mime_type: 'image/jpeg' },
      ];
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'receipts', content_type: 'image', attachments });
      expect(res.body.data.status).toBe('SENT');
      const [req] = ctx.twilio.requests.filter((r) => r.method === 'POST');
      expect(req.form.MediaUrl).toEqual(['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.jpg']);
      expect(req.form.Body).toEqual(['receipts']);
    });

    it('when a WhatsApp message carries two media items, then it is FAILED TOO_MANY_ATTACHMENTS and Twilio is not called', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'WHATSAPP' });
      const attachments = [{ url: 'https://cdn.example.com/a.jpg', mime_type: 'image/jpeg' }, { url: 'https://cdn.example.com/b.jpg', mime_type: 'image/jpeg' }];
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '15557770456', message: '', content_type: 'image', attachments });
      expect(res.body.data).toMatchObject({ status: 'FAILED', error_code: 'TOO_MANY_ATTACHMENTS' });
      expect(ctx.twilio.sends()).toEqual([]);
    });

    it.each([
      [400, 21211, "The 'To' number +15557770456 is not a valid phone number."],
      [400, 21610, 'Attempt to send to unsubscribed recipient'],
      [400, 63016, 'Failed to send freeform message because you are outside the allowed window.'],
    ])('when Twilio refuses with HTTP %i code %i, then the message is FAILED at once with that code and message', async (status, code, message) => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
      ctx.twilio.sendErrors.push({ status, code, message });
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'x' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'FAILED', error_code: String(code), error_message: message, external_id: null });
    });

    it('when Twilio answers HTTP 429 code 20429 once, then the queue retries and the message ends SENT', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
      ctx.twilio.sendErrors.push({ status: 429, code: 20429, message: 'Too Many Requests' });
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'x' });
      expect(res.body.data).toMatchObject({ status: 'SENT', error_code: null });
    });

    it('when Twilio answers HTTP 429 code 20429 every time, then the message is FAILED with 20429 after 5 attempts', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
      ctx.twilio.sendErrors.push(...Array.from({ length: 5 }, () => ({ status: 429, code: 20429, message: 'Too Many Requests' })));
      const res = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'x' });
      expect(res.body.data).toMatchObject({ status: 'FAILED', error_code: '20429', error_message: 'Too Many Requests (after 5 attempts)', external_id: null });
    });

    it('when the channel is a CALL channel, then sending is 400 CAPABILITY_NOT_SUPPORTED and nothing is stored', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL' });
      const before = await tableCounts();
      expectErrorEnvelope(await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'x' }), 400, 'CAPABILITY_NOT_SUPPORTED');
      expect(await tableCounts()).toEqual(before);
    });
  });
});
