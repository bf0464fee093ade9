import { sendAndSettle } from '../../support/outbound';
import request from 'supertest';
import { bearer, errorFields, expectErrorEnvelope, sendMessage, tableCounts } from '../../support/api-helpers';
import { createTenant, type Tenant } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { sql } from '../../support/test-app';
import { createTwilioChannel, PUBLIC_BASE_URL, postTwilioForm, TWILIO_NUMBER, twilioFixture, useAppWithTwilio } from '../../support/twilio-scenario';

const SID = 'SM11111111111111111111111111111111';

describe('Twilio inbound messages: POST /webhooks/twilio/:channelId', () => {
  const ctx = useAppWithTwilio();
  let tenant: Tenant;
  let channel: { id: string };
  const path = () => `/webhooks/twilio/${channel.id}`;
  const postFixture = (opts = {}) => postTwilioForm(ctx.app, path(), twilioFixture('inbound-sms.form'), opts);

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
  });

  it('when the fixture SMS arrives signed for the public URL, then it is stored, pushed live and answered with empty TwiML', async () => {
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const received = collect(socket, 'message_received');
    const res = await postFixture();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    await waitFor(() => received.length === 1);
    socket.close();
    const rows = await sql(`SELECT m.*, c.external_id AS conv_external FROM messages m JOIN conversations c ON c.id = m.conversation_id`);
    expect(rows).toEqual([expect.objectContaining({
      external_id: SID, message: 'Hello, is my order shipped?', direction: 'incoming', status: 'RECEIVED', content_type: 'text',
      from: '+15557770456', to: TWILIO_NUMBER, conv_external: '+15557770456',
    })]);
    expect(received[0].message).toMatchObject({ external_id: SID, message: 'Hello, is my order shipped?' });
  });

  it('when Twilio retries the same MessageSid, then one message is stored and pushed once', async () => {
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const received = collect(socket, 'message_received');
    const results = await Promise.all([postFixture(), postFixture(), postFixture()]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitFor(() => received.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    expect(received).toHaveLength(1);
    expect(await sql('SELECT id FROM messages')).toHaveLength(1);
  });

  it('when the customer writes first and the agent replies by number, then both are in one conversation', async () => {
    await postFixture();
    const reply = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '15557770456', message: 'Yes, today' });
    expect(reply.status).toBe(201);
    expect(await sql('SELECT count(*)::int AS n FROM conversations')).toEqual([{ n: 1 }]);
  });

  it('when the signed URL carries the default port :443, then it is accepted too', async () => {
    expect((await postFixture({ signedUrl: `https://public.example.com:443${path()}` })).status).toBe(200);
  });

  it('when the webhook URL has a query string, then the signature covers it and verifies', async () => {
    const res = await postTwilioForm(ctx.app, `${path()}?source=number`, twilioFixture('inbound-sms.form'));
    expect(res.status).toBe(200);
  });

  it('when signed for the URL this process sees (http://127.0.0.1) instead of the public one, then 403 and nothing is stored', async () => {
    const res = await postFixture({ signedUrl: `${ctx.app.url}${path()}` });
    expectErrorEnvelope(res, 403, 'INVALID_SIGNATURE');
    expect((await tableCounts()).messages).toBe(0);
  });

  it.each([
    ['missing', { signature: null }],
    ['signed with another token', { authToken: 'some-other-auth-token-000' }],
    ['garbage', { signature: 'bm90IGEgc2lnbmF0dXJl' }],
    ['HMAC-SHA256 announced but signed with another secret', { algorithm: 'HMAC_SHA256', authToken: 'not-the-shared-key-secret' }],
  ])('when the signature is %s, then 403 and nothing is stored', async (_what, opts) => {
    const before = await tableCounts();
    expectErrorEnvelope(await postFixture(opts), 403, 'INVALID_SIGNATURE');
    expect(await tableCounts()).toEqual(before);
  });

  it('when the body is changed after signing, then 403', async () => {
    const body = twilioFixture('inbound-sms.form');
    const { formParams } = await import('../../support/twilio-scenario');
    const twilio = (await import('twilio')).default;
    const signature = twilio.getExpectedTwilioSignature(ctx.twilio.authToken, PUBLIC_BASE_URL + path(), formParams(body));
    const res = await postTwilioForm(ctx.app, path(), body.replace('shipped', 'lost'), { signature });
    expect(res.status).toBe(403);
    expect((await tableCounts()).messages).toBe(0);
  });

  it('when a SharedKey Webhook Setting signs with HMAC-SHA256 and the channel has its secret, then it is accepted', async () => {
    const webhookSigningSecret = 'shared-key-secret-0123456789';
    const upd = await request(ctx.app.url).put(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).send({ credentials: { webhookSigningSecret } });
    expect(upd.status).toBe(200);
    expect(JSON.stringify(upd.body)).not.toContain(webhookSigningSecret);
    expect((await postFixture({ algorithm: 'HMAC_SHA256', authToken: 'fixture-twilio-auth-token-0123' })).status).toBe(403);
    expect((await postFixture({ algorithm: 'HMAC_SHA256', authToken: webhookSigningSecret })).status).toBe(200);
    expect((await tableCounts()).messages).toBe(1);
  });

  it('when a WhatsApp message with an image and no text arrives, then the conversation is keyed like sending and the media is an attachment', async () => {
    const wa = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'WHATSAPP', provider_account: '+15557770003' });
    const form = {
      MessageSid: 'MM44444444444444444444444444444444', AccountSid: ctx.twilio.accountSid, From: 'whatsapp:+15557770456', To: 'whatsapp:+15557770003',
      Body: '', NumMedia: '1', ProfileName: 'Maria', MediaContentType0: 'image/jpeg',
      MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${ctx.twilio.accountSid}/Messages/MM44444444444444444444444444444444/Media/ME55555555555555555555555555555555`,
    };
    expect((await postTwilioForm(ctx.app, `/webhooks/twilio/${wa.id}`, form)).status).toBe(200);
    const [row] = await sql(`SELECT m.content_type, m.message, m."from", m."to", c.external_id, c.participant_meta, a.type, a.mime_type, a.url, a.provider_media_id
      FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN attachments a ON a.message_id = m.id`);
    expect(row).toEqual({
      content_type: 'image', message: '', from: '15557770456', to: '+15557770003', external_id: '15557770456', participant_meta: { name: 'Maria' },
      type: 'image', mime_type: 'image/jpeg', url: form.MediaUrl0, provider_media_id: 'ME55555555555555555555555555555555',
    });
    await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: wa.id, to: '+1 555 777 0456', message: 'Got it' });
    expect(ctx.twilio.sends()[0].To).toBe('whatsapp:+15557770456');
    expect(await sql('SELECT count(*)::int AS n FROM conversations WHERE channel_id = $1', [wa.id])).toEqual([{ n: 1 }]);
  });

  it('when the message came through a Messaging Service number other than the channel number, then it is accepted', async () => {
    const body = twilioFixture('inbound-sms.form').replace('To=%2B15557770002', 'To=%2B15550001111');
    expect((await postTwilioForm(ctx.app, path(), body)).status).toBe(200);
    expect(await sql('SELECT "to" FROM messages')).toEqual([{ to: '+15550001111' }]);
  });

  it('when the channel belongs to another company and the request is signed with this company\'s token, then 403', async () => {
    const other = await createTenant(ctx.app, 'Other');
    const otherToken = 'other-company-auth-token-99';
    ctx.twilio.authToken = otherToken;
    const otherChannel = await createTwilioChannel(ctx.app, ctx.twilio, other, { provider_account: '+15557770009', credentials: { accountSid: ctx.twilio.accountSid, authToken: otherToken } });
    const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${otherChannel.id}`, twilioFixture('inbound-sms.form'), { authToken: 'fixture-twilio-auth-token-0123' });
    expectErrorEnvelope(res, 403, 'INVALID_SIGNATURE');
    expect((await tableCounts()).messages).toBe(0);
  });

  it('when the channel is inactive, then 409 CHANNEL_INACTIVE and nothing is stored', async () => {
    await request(ctx.app.url).put(`/api/channels/${channel.id}/deactivate`).set(bearer(tenant.adminToken)).expect(200);
    expectErrorEnvelope(await postFixture(), 409, 'CHANNEL_INACTIVE');
    expect((await tableCounts()).messages).toBe(0);
  });

  it('when the channel is deleted, unknown, not a uuid or a voice channel, then 404 and nothing is stored', async () => {
    const voice = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL', provider_account: '+15557770004' });
    await request(ctx.app.url).delete(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).expect(200);
    for (const id of [channel.id, '6d1f6a0e-0000-4000-8000-000000000000', 'not-a-uuid', voice.id]) {
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${id}`, twilioFixture('inbound-sms.form')), 404);
    }
    expect((await tableCounts()).messages).toBe(0);
  });

  it.each([
    ['without MessageSid', (b: string) => b.replace(/(^|&)MessageSid=[^&]*/, ''), 'MessageSid'],
    ['without From', (b: string) => b.replace(/&From=[^&]*/, ''), 'From'],
    ['with a malformed MessageSid', (b: string) => b.replace(/&MessageSid=SM1+/, '&MessageSid=xyz'), 'MessageSid'],
  ])('when the signed form is %s, then 400 naming the field and nothing is stored', async (_what, change, field) => {
    const res = await postTwilioForm(ctx.app, path(), change(twilioFixture('inbound-sms.form')));
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(errorFields(res)).toEqual([field]);
    expect((await tableCounts()).messages).toBe(0);
  });

  it('when the signed body is not form-encoded, then 400 UNSUPPORTED_CONTENT_TYPE', async () => {
    const res = await postFixture().set('Content-Type', 'text/plain');
    expectErrorEnvelope(res, 400, 'UNSUPPORTED_CONTENT_TYPE');
    expect((await tableCounts()).messages).toBe(0);
  });
});
