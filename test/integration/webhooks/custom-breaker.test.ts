import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { bearer, expectErrorEnvelope, sendMessage, tableCounts } from '../../support/api-helpers';
import { sendAndSettle } from '../../support/outbound';
import { createCustomChannel, customChannelBody, customSignature, postCustom, useAppWithCustomEndpoint } from '../../support/custom-webhooks';
import { CUSTOM_SECRET } from '../../support/fake-custom-endpoint';
import { closeLocal, listenLocal } from '../../support/ports';
import { createTenant, type Tenant } from '../../support/scenario';
import { sql } from '../../support/test-app';

const MESSAGE = { id: 'cm-1', from: 'visitor-42', text: 'hola' };

describe('Custom webhook channels under attack (breaker)', () => {
  const ctx = useAppWithCustomEndpoint();
  let tenant: Tenant;
  let channel: { id: string };
  const now = () => Math.floor(Date.now() / 1000);

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createCustomChannel(ctx.app, tenant, ctx.endpoint);
  });

  it('when the signature header is malformed (no t, no v1, short or non-hex v1, empty, t in ms, junk), then 401 each time and nothing is stored', async () => {
    const raw = JSON.stringify(MESSAGE);
    const good = customSignature(raw);
    const v1 = good.split('v1=')[1];
    for (const header of ['', 't=', `v1=${v1}`, `t=${now()}`, `t=${now()},v1=${v1.slice(0, 63)}`, `t=${now()},v1=${v1.slice(0, 63)}z`, `t=${now() * 1000},v1=${v1}`, 'garbage', `${good},`.repeat(5)]) {
      const res = await postCustom(ctx.app, channel.id, raw, { signature: header });
      // The last one repeats a valid pair: several v1 entries may be sent, one matching is enough.
      if (header.startsWith(good)) expect(res.status).toBe(200);
      else expectErrorEnvelope(res, 401, 'INVALID_SIGNATURE');
    }
    expect((await tableCounts()).messages).toBe(1);
  });

  it('when the signature was made over a re-serialised body (other spacing or key order), then 401', async () => {
    const sent = '{ "id": "cm-1", "from": "visitor-42", "text": "hola" }';
    const resigned = JSON.stringify({ text: 'hola', from: 'visitor-42', id: 'cm-1' });
    expectErrorEnvelope(await postCustom(ctx.app, channel.id, sent, { signature: customSignature(JSON.stringify(JSON.parse(sent))) }), 401);
    expectErrorEnvelope(await postCustom(ctx.app, channel.id, sent, { signature: customSignature(resigned) }), 401);
    expect((await tableCounts()).messages).toBe(0);
  });

  it('when the timestamp is 300 s away it is accepted, 301 s away it is refused, both directions', async () => {
    expect((await postCustom(ctx.app, channel.id, { ...MESSAGE, id: 'a' }, { timestamp: now() - 299 })).status).toBe(200);
    expect((await postCustom(ctx.app, channel.id, { ...MESSAGE, id: 'b' }, { timestamp: now() + 299 })).status).toBe(200);
    expectErrorEnvelope(await postCustom(ctx.app, channel.id, { ...MESSAGE, id: 'c' }, { timestamp: now() - 302 }), 401);
    expectErrorEnvelope(await postCustom(ctx.app, channel.id, { ...MESSAGE, id: 'd' }, { timestamp: now() + 302 }), 401);
  });

  it('when a message is signed with another custom channel\'s secret, then 401 on this channel', async () => {
    const other = await createCustomChannel(ctx.app, tenant, ctx.endpoint, { credentials: { secret: 'another-channel-secret-000000' } });
    expectErrorEnvelope(await postCustom(ctx.app, channel.id, MESSAGE, { secret: 'another-channel-secret-000000' }), 401);
    expect((await postCustom(ctx.app, other.id, MESSAGE, { secret: 'another-channel-secret-000000' })).status).toBe(200);
    expect(await sql('SELECT channel_id FROM messages')).toEqual([{ channel_id: other.id }]);
  });

  it('when a status names an id sent on another channel, then that message does not change', async () => {
    const other = await createCustomChannel(ctx.app, tenant, ctx.endpoint);
    const sent = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: 'visitor-42', message: 'Hola' });
    const res = await postCustom(ctx.app, other.id, { id: sent.body.data.external_id, status: 'failed', error: { code: 'X' } }, { status: true });
    expect(res.body.data).toMatchObject({ statusesApplied: 0, statusesIgnored: 1 });
    expect(await sql('SELECT status, error_code FROM messages')).toEqual([{ status: 'SENT', error_code: null }]);
  });

  it('when a customer message comes with the same id the endpoint gave our reply, then it is stored (the two directions are separate id spaces)', async () => {
    const sent = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: 'visitor-42', message: 'Hola' });
    const res = await postCustom(ctx.app, channel.id, { ...MESSAGE, id: sent.body.data.external_id });
    expect(res.body.data).toMatchObject({ stored: 1, duplicates: 0 });
    expect((await postCustom(ctx.app, channel.id, { ...MESSAGE, id: sent.body.data.external_id })).body.data).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await sql(`SELECT direction::text FROM messages WHERE external_id = $1 ORDER BY direction`, [sent.body.data.external_id])).toEqual([{ direction: 'incoming' }, { direction: 'outgoing' }]);
  });

  it('when another company labels its custom channel with an account this company uses, then both exist; the same label twice in one company is a 409', async () => {
    const label = { provider_account: 'shop-frontdoor' };
    await createCustomChannel(ctx.app, tenant, ctx.endpoint, label);
    const other = await createTenant(ctx.app, 'Other');
    expect((await createCustomChannel(ctx.app, other, ctx.endpoint, label)).provider_account).toBe('shop-frontdoor');
    const again = await request(ctx.app.url).post('/api/channels').set(bearer(tenant.adminToken)).send(customChannelBody(ctx.endpoint, label));
    expectErrorEnvelope(again, 409, 'CHANNEL_ACCOUNT_TAKEN');
  });

  it('when a delivered or read status carries an error, then the message gets the status but no error code (errors belong to failed)', async () => {
    const sent = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: 'visitor-42', message: 'Hola' });
    const res = await postCustom(ctx.app, channel.id, { id: sent.body.data.external_id, status: 'delivered', error: { code: 'NOPE', message: 'not an error' } }, { status: true });
    expect(res.status).toBe(200);
    expect(await sql('SELECT status, error_code, error_message FROM messages')).toEqual([{ status: 'DELIVERED', error_code: null, error_message: null }]);
  });

  it('when text and name hold NUL, lone surrogates and SQL, then stored cleaned; a NUL in from is a 400', async () => {
    expect((await postCustom(ctx.app, channel.id, { id: 'x1', from: 'v', name: 'a\u0000\uD800', text: "x\u0000y'); DROP TABLE messages;--" })).status).toBe(200);
    expect(await sql('SELECT message FROM messages')).toEqual([{ message: "xy'); DROP TABLE messages;--" }]);
    expectErrorEnvelope(await postCustom(ctx.app, channel.id, { id: 'x2', from: 'v\u0000' }), 400, 'VALIDATION_ERROR');
  });

  it('when a webhook reaches an inactive channel and its secret leaks nowhere: not in the channel answers, not in the 401/404 bodies', async () => {
    const bad = await postCustom(ctx.app, channel.id, MESSAGE, { secret: 'wrong-secret-00000000000000' });
    const list = await request(ctx.app.url).get('/api/channels').set(bearer(tenant.adminToken));
    await request(ctx.app.url).put(`/api/channels/${channel.id}/deactivate`).set(bearer(tenant.adminToken)).expect(200);
    const inactive = await postCustom(ctx.app, channel.id, MESSAGE);
    expectErrorEnvelope(inactive, 404);
    for (const res of [bad, list, inactive]) expect(JSON.stringify(res.body)).not.toContain(CUSTOM_SECRET);
  });
});

describe('Custom webhook outbound against a drip-feeding endpoint (breaker)', () => {
  const ctx = useAppWithCustomEndpoint();
  let server: http.Server;
  let url: string;
  const attempts: Array<{ cutByClient: boolean }> = [];

  beforeAll(async () => {
    // Answers 200 at once, then one byte every 100 ms for 3 s: never idle long enough for a socket timeout.
    server = await listenLocal((_req, res) => {
      const attempt = { cutByClient: false };
      attempts.push(attempt);
      res.writeHead(200, { 'content-type': 'application/json' });
      let n = 0;
      const timer = setInterval(() => {
        if (++n < 30) res.write(' ');
        else {
          clearInterval(timer);
          res.end('{"id":"late"}');
        }
      }, 100);
      res.on('close', () => {
        if (!res.writableFinished) attempt.cutByClient = true;
        clearInterval(timer);
      });
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await closeLocal(server);
  });

  it('when the endpoint drips its answer slower than the provider timeout allows in total, then every attempt gives up at the timeout and the send ends FAILED TIMEOUT', async () => {
    const tenant = await createTenant(ctx.app);
    const channel = await createCustomChannel(ctx.app, tenant, ctx.endpoint, { config: { outboundUrl: url } });
    const sent = await sendAndSettle(ctx.app, tenant.agentToken, { channel_id: channel.id, to: 'visitor-42', message: 'Hola' });
    expect(sent.body.data).toMatchObject({ status: 'FAILED', error_code: 'TIMEOUT', external_id: null });
    // Each attempt was cut by our side before the 3 s drip ended (the queue retried the idempotent send).
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((a) => a.cutByClient)).toBe(true);
  });
});
