import http from 'node:http';
import request from 'supertest';
import twilio from 'twilio';
import { bearer, errorFields, expectErrorEnvelope, sendBytes, sendMessage, tableCounts } from '../../support/api-helpers';
import { createCustomChannel } from '../../support/custom-webhooks';
import { FakeCustomEndpoint } from '../../support/fake-custom-endpoint';
import { FakeTwilioApi, TWILIO_AUTH_TOKEN } from '../../support/fake-twilio-api';
import { createTenant, type Tenant } from '../../support/scenario';
import { sendAndSettle } from '../../support/outbound';
import { sql } from '../../support/test-app';
import { createTwilioChannel, PUBLIC_BASE_URL, postTwilioForm, twilioFixture, useAppWithTwilio } from '../../support/twilio-scenario';

const IN_SID = 'SM11111111111111111111111111111111';
const OUT_SID = 'SM22222222222222222222222222222222';
const CALL_SID = 'CA66666666666666666666666666666666';

/** Signs exactly the own fields of a body, as Twilio does (independent of our form parser and of the test helper's). */
function postSignedOwnFields(app: { url: string }, path: string, fields: [string, string][]) {
  const raw = new URLSearchParams(fields).toString();
  const params = Object.fromEntries(fields);
  const signature = twilio.getExpectedTwilioSignature(TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL + path, params);
  return request(app.url).post(path).set('Content-Type', 'application/x-www-form-urlencoded').set('X-Twilio-Signature', signature).send(raw);
}

describe('Twilio webhooks under attack (breaker)', () => {
  const ctx = useAppWithTwilio();
  let tenant: Tenant;
  let channel: { id: string };
  const path = () => `/webhooks/twilio/${channel.id}`;

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createTwilioChannel(ctx.app, ctx.twilio, tenant);
  });

  it('when an unsigned body repeats one form field tens of thousands of times, then 403 comes at once (the parser is not quadratic before the signature check)', async () => {
    // 180 kB, well under the 1 MB limit; the old parser copied the list on every repeat (~45 s of blocked event loop).
    const started = Date.now();
    const res = await sendBytes(`${ctx.app.url}${path()}`, 'POST', { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'AAAA' }, Buffer.from('a=&'.repeat(60_000)));
    expect(res.status).toBe(403);
    expect(Date.now() - started).toBeLessThan(3000);
  }, 120_000);

  it('when Twilio signs a body with a field named like an Object.prototype member (toString, constructor), then it verifies and is stored', async () => {
    const fields: [string, string][] = [['MessageSid', IN_SID], ['From', '+15557770456'], ['To', '+15557770002'], ['Body', 'hi'], ['toString', 'x'], ['constructor', 'y']];
    const res = await postSignedOwnFields(ctx.app, path(), fields);
    expect(res.status).toBe(200);
    expect(await sql('SELECT message FROM messages')).toEqual([{ message: 'hi' }]);
  });

  it('when NumMedia lies (5 with one MediaUrl, negative, huge), then only the media actually sent become attachments, at most 10', async () => {
    const base = { From: '+15557770456', To: '+15557770002', Body: '' };
    const url = (i: number) => `https://api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages/${IN_SID}/Media/ME${String(i).padStart(32, '0')}`;
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [[`MediaUrl${i}`, url(i)], [`MediaContentType${i}`, 'image/jpeg']]).flat());
    expect((await postTwilioForm(ctx.app, path(), { ...base, MessageSid: 'SM00000000000000000000000000000001', NumMedia: '5', MediaUrl0: url(0), MediaContentType0: 'image/png' })).status).toBe(200);
    expect((await postTwilioForm(ctx.app, path(), { ...base, MessageSid: 'SM00000000000000000000000000000002', NumMedia: '-3', MediaUrl0: url(0) })).status).toBe(200);
    expect((await postTwilioForm(ctx.app, path(), { ...base, MessageSid: 'SM00000000000000000000000000000003', NumMedia: '1e9', ...many })).status).toBe(200);
    const rows = await sql(`SELECT m.external_id, m.content_type, count(a.id)::int AS n FROM messages m LEFT JOIN attachments a ON a.message_id = m.id GROUP BY m.id ORDER BY m.external_id`);
    expect(rows).toEqual([
      { external_id: 'SM00000000000000000000000000000001', content_type: 'image', n: 1 },
      { external_id: 'SM00000000000000000000000000000002', content_type: 'text', n: 0 },
      { external_id: 'SM00000000000000000000000000000003', content_type: 'image', n: 10 },
    ]);
  });

  it('when signed fields carry NUL, lone surrogates and SQL, then the message is stored cleaned and verbatim otherwise', async () => {
    const res = await postTwilioForm(ctx.app, path(), { MessageSid: IN_SID, From: '+15557770456', To: '+15557770002', Body: "a\u0000b\uD800c'); DROP TABLE messages;--", ProfileName: '\uDC00x\u0000' });
    expect(res.status).toBe(200);
    expect(await sql('SELECT message FROM messages')).toEqual([{ message: "ab\uFFFDc'); DROP TABLE messages;--" }]);
  });

  it('when the body is over 1 MB, then 413 in the envelope and nothing is stored', async () => {
    const res = await postTwilioForm(ctx.app, path(), `MessageSid=${IN_SID}&From=%2B15557770456&Body=${'x'.repeat(1_100_000)}`, { signature: 'AAAA' });
    expectErrorEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
    expect((await tableCounts()).messages).toBe(0);
  });

  it('when a Twilio webhook is posted to a custom channel, then 404 even if signed with the custom secret as auth token', async () => {
    const endpoint = await new FakeCustomEndpoint().start();
    try {
      const custom = await createCustomChannel(ctx.app, tenant, endpoint);
      const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${custom.id}`, twilioFixture('inbound-sms.form'), { authToken: 'custom-fixture-secret-0123456789' });
      expectErrorEnvelope(res, 404);
      expect((await tableCounts()).messages).toBe(0);
    } finally {
      await endpoint.stop();
    }
  });

  it('when a status callback names a SID sent on another channel of the same account, then that other message does not change', async () => {
    const other = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { provider_account: '+15557770005' });
    const sent = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'hello' });
    expect(sent.body.data.external_id).toBe(OUT_SID);
    const res = await postTwilioForm(ctx.app, `/webhooks/twilio/${other.id}/status`, { MessageSid: OUT_SID, MessageStatus: 'failed', ErrorCode: '30003' });
    expect(res.status).toBe(200);
    expect(await sql('SELECT status, error_code FROM messages')).toEqual([{ status: 'SENT', error_code: null }]);
  });

  it('when undelivered then failed arrive for one message, then the first error code is kept and the second callback changes nothing', async () => {
    await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'hello' });
    await postTwilioForm(ctx.app, `${path()}/status`, { MessageSid: OUT_SID, MessageStatus: 'undelivered', ErrorCode: '30003' });
    await postTwilioForm(ctx.app, `${path()}/status`, { MessageSid: OUT_SID, MessageStatus: 'failed', ErrorCode: '30008' });
    await postTwilioForm(ctx.app, `${path()}/status`, { MessageSid: OUT_SID, MessageStatus: 'delivered' });
    expect(await sql('SELECT status, error_code, error_message FROM messages')).toEqual([{ status: 'FAILED', error_code: '30003', error_message: 'Unreachable destination handset' }]);
  });

  it('when a CALL channel greeting holds a control character, then 400 at creation naming config.greeting and nothing is stored', async () => {
    const before = await tableCounts();
    const res = await request(ctx.app.url).post('/api/channels').set(bearer(tenant.adminToken)).send({
      name: 'Voice', type: 'CALL', provider: 'TWILIO', provider_account: '+15557770009',
      credentials: { accountSid: ctx.twilio.accountSid, authToken: ctx.twilio.authToken }, config: { greeting: 'Hello\u0001 there' },
    });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(errorFields(res)).toEqual(['config.greeting']);
    expect(await tableCounts()).toEqual(before);
  });

  it('when a CALL channel would forward calls to its own number (a call loop), then 400 naming config.forward_to, at creation and on update', async () => {
    const body = { name: 'Voice', type: 'CALL', provider: 'TWILIO', provider_account: '+15557770009', credentials: { accountSid: ctx.twilio.accountSid, authToken: ctx.twilio.authToken } };
    const created = await request(ctx.app.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ ...body, config: { forward_to: '+15557770009' } });
    expectErrorEnvelope(created, 400, 'VALIDATION_ERROR');
    expect(errorFields(created)).toEqual(['config.forward_to']);
    const voice = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL', provider_account: '+15557770009' });
    const updated = await request(ctx.app.url).put(`/api/channels/${voice.id}`).set(bearer(tenant.adminToken)).send({ config: { forward_to: '+15557770009' } });
    expectErrorEnvelope(updated, 400, 'VALIDATION_ERROR');
    expect(await sql('SELECT config FROM channels WHERE id = $1', [voice.id])).toEqual([{ config: expect.not.objectContaining({ forward_to: expect.anything() }) }]);
  });

  it('when a greeting stored before that check holds a control character, then calls are still answered (without it), not a 500 per call', async () => {
    const voice = await createTwilioChannel(ctx.app, ctx.twilio, tenant, { type: 'CALL', provider_account: '+15557770009' });
    await sql(`UPDATE channels SET config = jsonb_set(config, '{greeting}', to_jsonb($2::text)) WHERE id = $1`, [voice.id, 'Hello\u0001 there\uFFFF']);
    const call = await postTwilioForm(ctx.app, `/webhooks/twilio/${voice.id}/voice`, { CallSid: CALL_SID, From: '+15557770456', To: '+15557770009', CallStatus: 'ringing' });
    expect(call.status).toBe(200);
    expect(call.text).toContain('<Say>Hello there</Say>');
  });
});

/** A fake Twilio whose message create first delivers a status callback (as a fast carrier would), then answers. */
class RacingTwilioApi extends FakeTwilioApi {
  callback?: () => Promise<unknown>;
  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'POST' && req.url?.endsWith('/Messages.json') && this.callback) {
      const cb = this.callback;
      this.callback = undefined;
      void cb().then(() => super.handle(req, res));
      return;
    }
    super.handle(req, res);
  }
}

describe('Twilio status callback racing the send (breaker)', () => {
  const ctx = useAppWithTwilio({ fake: () => new RacingTwilioApi() });

  // Twilio may post `sent`/`delivered` before our messages.create call has returned and stored the SID.
  it('when the delivered callback arrives before the send has stored the SID, then it is kept and the message still ends DELIVERED', async () => {
    const { app } = ctx;
    const racing = ctx.twilio as RacingTwilioApi;
    const tenant = await createTenant(app);
    const channel = await createTwilioChannel(app, racing, tenant);
    let callback: number | undefined;
    racing.callback = async () => (callback = (await postTwilioForm(app, `/webhooks/twilio/${channel.id}/status`, { MessageSid: OUT_SID, MessageStatus: 'delivered' })).status);
    await sendMessage(app, tenant.agentToken, { channel_id: channel.id, to: '+15557770456', message: 'hello' });
    for (let i = 0; i < 250 && (await sql('SELECT status FROM messages'))[0]?.status !== 'DELIVERED'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(callback).toBe(200);
    expect(await sql('SELECT status, external_id FROM messages')).toEqual([{ status: 'DELIVERED', external_id: OUT_SID }]);
    expect(await sql('SELECT * FROM orphan_statuses')).toEqual([]);
  });
});
