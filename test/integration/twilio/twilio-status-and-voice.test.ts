import { sendAndSettle } from '../../support/outbound';
import request from 'supertest';
import { bearer, expectErrorEnvelope, sendMessage, tableCounts } from '../../support/api-helpers';
import { createTenant, type Tenant } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { sql } from '../../support/test-app';
import { createTwilioChannel, PUBLIC_BASE_URL, postTwilioForm, twilioFixture, useAppWithTwilio } from '../../support/twilio-scenario';

const OUT_SID = 'SM22222222222222222222222222222222';
const CALL_SID = 'CA66666666666666666666666666666666';

describe('Twilio status callbacks and voice', () => {
  const ctx = useAppWithTwilio();
  let tenant: Tenant;

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
  });

  describe('POST /webhooks/twilio/:channelId/status', () => {
    let channel: { id: string };
    let messageId: string;
    const status = (MessageStatus: string, extra: Record<string, string> = {}) =>
      postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/status`, { MessageSid: OUT_SID, MessageStatus, AccountSid: ctx.twilio.accountSid, ...extra });
    const stored = async () => (await sql('SELECT status, error_code, error_message FROM messages WHERE id = $1', [messageId]))[0];

    beforeEach(async () => {
      channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
      const sent = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'Your order is on its way' });
      expect(sent.body.data).toMatchObject({ status: 'SENT', external_id: OUT_SID });
      messageId = sent.body.data.id;
    });

    it('when the delivered fixture arrives twice, then the message is DELIVERED and message_status is pushed once', async () => {
      const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
      const statuses = collect(socket, 'message_status');
      for (let i = 0; i < 2; i++) {
        const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/status`, twilioFixture('status-delivered.form'));
        expect(res.status).toBe(200);
        expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
      }
      await waitFor(() => statuses.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      socket.close();
      expect(statuses).toEqual([expect.objectContaining({ message_id: messageId, status: 'DELIVERED', previous_status: 'SENT' })]);
      expect(await stored()).toEqual({ status: 'DELIVERED', error_code: null, error_message: null });
    });

    it('when read arrives before delivered and sent, then the message stays READ', async () => {
      for (const s of ['queued', 'read', 'delivered', 'sent', 'sending']) expect((await status(s)).status).toBe(200);
      expect((await stored()).status).toBe('READ');
    });

    it.each([
      ['undelivered', '30003', undefined, 'Unreachable destination handset'],
      ['failed', '63016', undefined, 'Outside the allowed window for free-form WhatsApp messages'],
      ['failed', '30099', 'Carrier said no', 'Carrier said no'],
    ])('when %s with ErrorCode %s arrives, then FAILED keeps the code, and a later delivered changes nothing', async (s, code, message, expected) => {
      await status(s, { ErrorCode: code, ...(message ? { ErrorMessage: message } : {}) });
      await status('delivered');
      expect(await stored()).toEqual({ status: 'FAILED', error_code: code, error_message: expected });
    });

    it('when the status says nothing about delivery (receiving), then 200 and nothing changes', async () => {
      expect((await status('receiving')).status).toBe(200);
      expect((await stored()).status).toBe('SENT');
    });

    it('when the channel was deactivated after sending, then late callbacks still apply', async () => {
      await request(ctx.app.url).put(`/api/channels/${channel.id}/deactivate`).set(bearer(tenant.adminToken)).expect(200);
      await status('delivered');
      expect((await stored()).status).toBe('DELIVERED');
    });

    it('when the callback is unsigned or lacks MessageStatus, then 403 / 400 and nothing changes', async () => {
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/status`, { MessageSid: OUT_SID, MessageStatus: 'delivered' }, { signature: null }), 403);
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/status`, { MessageSid: OUT_SID }), 400, 'VALIDATION_ERROR');
      expect((await stored()).status).toBe('SENT');
    });
  });

  describe('voice: /webhooks/twilio/:channelId/voice', () => {
    const incomingCall = { CallSid: CALL_SID, AccountSid: 'AC11111111111111111111111111111111', From: '+15557770456', To: '+15557770002', CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' };
    const call = async () => (await sql(`SELECT m.content_type, m.direction, m.status, m."from", m.metadata, c.external_id FROM messages m JOIN conversations c ON c.id = m.conversation_id`))[0];

    it('when a call comes in on a channel without forward number, then it is stored as a call and answered with the greeting and a Record', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL', config: { greeting: 'Hola, deja tu mensaje', language: 'es-ES' } });
      const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
      const received = collect(socket, 'message_received');
      const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, incomingCall);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say language="es-ES">Hola, deja tu mensaje</Say>'
        + `<Record action="${PUBLIC_BASE_URL}/webhooks/twilio/${channel.id}/voice/recording" method="POST" maxLength="300" playBeep="true"/></Response>`);
      await waitFor(() => received.length === 1);
      socket.close();
      expect(await call()).toEqual({ content_type: 'call', direction: 'incoming', status: 'RECEIVED', from: '+15557770456', metadata: { call_status: 'ringing', direction: 'inbound' }, external_id: '+15557770456' });
    });

    it('when a forward number is configured, then the call is dialled there', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL', config: { forward_to: '+15550009999' } });
      const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, incomingCall);
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial>+15550009999</Dial></Response>');
    });

    it('when status callbacks arrive out of order and twice, then the call ends completed with its duration, pushed once per change', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL' });
      await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, incomingCall);
      const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
      const statuses = collect(socket, 'message_status');
      const callStatus = (CallStatus: string, extra: Record<string, string> = {}) =>
        postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice/status`, { CallSid: CALL_SID, CallStatus, ...extra });
      expect((await callStatus('completed', { CallDuration: '42' })).status).toBe(200);
      await callStatus('completed', { CallDuration: '42' });
      await callStatus('in-progress');
      await callStatus('ringing');
      await waitFor(() => statuses.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      socket.close();
      expect(statuses).toHaveLength(1);
      expect((await call()).metadata).toEqual({ call_status: 'completed', direction: 'inbound', duration_seconds: 42 });
    });

    it('when the voicemail is recorded, then its URL is kept on the call and the call is hung up', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL' });
      await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, incomingCall);
      const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111/Recordings/RE77777777777777777777777777777777`;
      const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice/recording`, { CallSid: CALL_SID, RecordingUrl: recordingUrl, RecordingSid: 'RE77777777777777777777777777777777', RecordingDuration: '9' });
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
      expect((await call()).metadata).toMatchObject({ recording_url: recordingUrl, recording_sid: 'RE77777777777777777777777777777777', recording_duration_seconds: 9 });
    });

    it('when the channel is inactive, then the call is rejected and nothing is stored', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL' });
      await request(ctx.app.url).put(`/api/channels/${channel.id}/deactivate`).set(bearer(tenant.adminToken)).expect(200);
      const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, incomingCall);
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>');
      expect((await tableCounts()).messages).toBe(0);
    });

    it('when voice webhooks are unsigned, forged, or aimed at an SMS channel, then 403 / 404 and nothing is stored', async () => {
      const channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL' });
      const sms = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { provider_account: '+15557770005' });
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, incomingCall, { signature: null }), 403, 'INVALID_SIGNATURE');
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, incomingCall, { authToken: 'forged-token-000000000' }), 403, 'INVALID_SIGNATURE');
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice/status`, { CallSid: CALL_SID, CallStatus: 'completed' }, { signature: null }), 403);
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${sms.id}/voice`, incomingCall), 404);
      expectErrorEnvelope(await postTwilioForm(ctx.app, `/webhooks/twilio/${channel.id}/voice`, { ...incomingCall, CallSid: 'nope' }), 400, 'VALIDATION_ERROR');
      expect((await tableCounts()).messages).toBe(0);
    });
  });
});
