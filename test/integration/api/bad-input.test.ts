import zlib from 'node:zlib';
import request from 'supertest';
import { bearer, errorFields, expectErrorEnvelope, sendBytes, tableCounts } from '../../support/api-helpers';
import { createMetaChannel, createTenant, postMetaFixture, postMetaWebhook, type Tenant } from '../../support/scenario';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';

const WRITE_PATHS = ['/api/channels', '/api/channels/conversations', '/api/channels/messages'];

/** `{"a":{"a":...}}` nested `depth` times, as text. */
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
/** `[[[...]]]` nested `depth` times, as text. */
const nestedArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('Bad input', () => {
  const ctx = useAppWithGraph({ isolatedDatabase: true });
  let tenant: Tenant;
  let channel: { id: string };
  let conversationId: string;

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    conversationId = (await sql<{ id: string }>('SELECT id FROM conversations'))[0].id;
    ctx.graph.requests.length = 0;
  });

  /** Posts `raw` text byte for byte as JSON with the admin token. */
  const postRaw = (path: string, raw: string) => request(ctx.app.url).post(path).set(bearer(tenant.adminToken)).set('Content-Type', 'application/json').send(raw);

  describe('malformed and oversized bodies', () => {
    it.each(WRITE_PATHS)('when %s gets malformed JSON, then 400 MALFORMED_BODY and nothing is stored', async (path) => {
      const before = await tableCounts();
      const res = await postRaw(path, '{"name": "x",');
      expectErrorEnvelope(res, 400, 'MALFORMED_BODY');
      expect(await tableCounts()).toEqual(before);
    });

    it('when a PUT gets malformed JSON, then 400 MALFORMED_BODY and nothing changes', async () => {
      const before = await sql('SELECT * FROM channels');
      const res = await request(ctx.app.url).put(`/api/channels/${channel.id}`).set(bearer(tenant.adminToken)).set('Content-Type', 'application/json').send("{'name': 'single quotes'}");
      expectErrorEnvelope(res, 400, 'MALFORMED_BODY');
      expect(await sql('SELECT * FROM channels')).toEqual(before);
    });

    it('when malformed JSON is sent without a token, then it is still a 4xx envelope, never a 500', async () => {
      const res = await request(ctx.app.url).post('/api/channels').set('Content-Type', 'application/json').send('{oops');
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).toMatchObject({ success: false, data: null, statusCode: res.status });
    });

    it.each(WRITE_PATHS)('when %s gets a JSON body over 1 MB, then 413 in the envelope and nothing is stored', async (path) => {
      const before = await tableCounts();
      const raw = JSON.stringify({ name: 'x', type: 'WHATSAPP', provider: 'META', message: 'a'.repeat(1_100_000) });
      const res = await postRaw(path, raw);
      expectErrorEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(await tableCounts()).toEqual(before);
    });

    it('when a signed Meta webhook is over 1 MB, then 413 in the envelope and nothing is stored', async () => {
      const before = await tableCounts();
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [], padding: 'p'.repeat(1_100_000) });
      for (const path of ['/webhooks/meta', `/webhooks/meta/${channel.id}`]) {
        const res = await postMetaWebhook(ctx.app, body, { path });
        expectErrorEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
      }
      expect(await tableCounts()).toEqual(before);
    });

    it.each(['/api/channels', '/webhooks/meta'])('when %s gets a gzip-encoded body that is not gzip, then 400 in the envelope (not a 500) and nothing is stored', async (path) => {
      const before = await tableCounts();
      const res = await sendBytes(`${ctx.app.url}${path}`, 'POST', { ...bearer(tenant.adminToken), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, Buffer.from('this is not gzip'));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, data: null, statusCode: 400 });
      expect(await tableCounts()).toEqual(before);
    });

    it.each(['/api/channels', '/webhooks/meta'])('when %s gets a valid gzip body that inflates beyond 1 MB, then 413 in the envelope', async (path) => {
      const raw = zlib.gzipSync(JSON.stringify({ name: 'x', padding: 'a'.repeat(2_000_000) }));
      expect(raw.length).toBeLessThan(1_000_000);
      const res = await sendBytes(`${ctx.app.url}${path}`, 'POST', { ...bearer(tenant.adminToken), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, raw);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ success: false, data: null, statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('when a valid gzip body holds valid JSON, then it is parsed like plain JSON (400 naming the bad field)', async () => {
      const raw = zlib.gzipSync(JSON.stringify({ name: 123, type: 'WHATSAPP', provider: 'META' }));
      const res = await sendBytes(`${ctx.app.url}/api/channels`, 'POST', { ...bearer(tenant.adminToken), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, raw);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('name');
    });

    it('when the content encoding is unknown, then 415 in the envelope', async () => {
      const res = await request(ctx.app.url).post('/api/channels').set(bearer(tenant.adminToken)).set('Content-Type', 'application/json').set('Content-Encoding', 'snappy').send('{}');
      expectErrorEnvelope(res, 415, 'UNSUPPORTED_ENCODING');
    });
  });

  describe('invalid fields', () => {
    it('when fields have the wrong types, then 400 with errors naming each field and nothing is stored', async () => {
      const before = await tableCounts();
      const res = await request(ctx.app.url).post('/api/channels').set(bearer(tenant.adminToken)).send({ name: 123, type: 'WHATSAPP', provider: 'META', config: 'yes', default_agent_id: 'me' });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toEqual(expect.arrayContaining(['name', 'config', 'default_agent_id']));
      for (const e of res.body.errors) expect(e).toEqual({ field: expect.any(String), message: expect.any(String) });
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.requests).toHaveLength(0);
    });

    it('when a conversation body has wrong types, then 400 naming them', async () => {
      const res = await request(ctx.app.url).post('/api/channels/conversations').set(bearer(tenant.adminToken)).send({ channel_id: 42, external_id: ['a'], participant_meta: 'x' });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toEqual(expect.arrayContaining(['channel_id', 'external_id', 'participant_meta']));
    });

    it('when a message body has wrong types, then 400 naming them and nothing is sent', async () => {
      const before = await tableCounts();
      const res = await request(ctx.app.url).post('/api/channels/messages').set(bearer(tenant.adminToken)).send({ conversation_id: conversationId, message: { text: 'hi' }, metadata: [1] });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toEqual(expect.arrayContaining(['message', 'metadata']));
      expect(await tableCounts()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it.each([
      ['/api/channels', { name: 'x', type: 'WHATSAPP', provider: 'META', is_active: true }, 'is_active'],
      ['/api/channels', { name: 'x', type: 'WHATSAPP', provider: 'META', id: '6d1f6a0e-0000-4000-8000-000000000000' }, 'id'],
      ['/api/channels/conversations', { channel_id: '6d1f6a0e-0000-4000-8000-000000000000', external_id: '1', deleted_at: null }, 'deleted_at'],
      ['/api/channels/messages', { conversation_id: '6d1f6a0e-0000-4000-8000-000000000000', message: 'x', external_id: 'wamid.X' }, 'external_id'],
    ])('when %s gets an unknown field, then 400 naming it and nothing is stored', async (path, body, field) => {
      const before = await tableCounts();
      const res = await request(ctx.app.url).post(path).set(bearer(tenant.adminToken)).send(body);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(errorFields(res)).toContain(field);
      expect(await tableCounts()).toEqual(before);
    });

    it.each([
      ['get', '/api/channels/123'],
      ['put', '/api/channels/not-a-uuid'],
      ['delete', "/api/channels/1' OR '1'='1"],
      ['put', '/api/channels/123/activate'],
      ['get', '/api/channels/conversations/abc'],
      ['put', '/api/channels/conversations/abc/assign-agent'],
      ['get', '/api/channels/messages/zzz'],
      ['put', '/api/channels/messages/zzz/status'],
      ['post', '/api/companies/abc/agents'],
    ] as const)('when %s %s has an invalid id, then 400 naming it and nothing changes', async (method, path) => {
      const before = await tableCounts();
      const res = await request(ctx.app.url)[method](path).set(bearer(tenant.adminToken)).send(method === 'get' || method === 'delete' ? undefined : { name: 'x', status: 'READ', agent_id: 1 });
      const superadmin = path.startsWith('/api/companies');
      if (superadmin) {
        // Company administration refuses a non-superadmin before it looks at the id.
        expectErrorEnvelope(res, 403);
        const asSuper = await request(ctx.app.url).post(path).set(bearer(ctx.app.token({ sub: 1, company_id: tenant.companyId, role: 'superadmin' }))).send({ name: 'x', email: 'x@y.test' });
        expectErrorEnvelope(asSuper, 400, 'VALIDATION_ERROR');
        expect(errorFields(asSuper)).toContain('id');
      } else {
        expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
        expect(errorFields(res)).toContain('id');
      }
      expect(await tableCounts()).toEqual(before);
    });

    it('when the QR image route gets an invalid channel id, then 400', async () => {
      const res = await request(ctx.app.url).get('/api/channels/nope/qr-image/abc');
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    });

    it.each([
      ['get', '/nope'],
      ['get', '/api/nope'],
      ['post', '/api/channels/conversations/x/y/z'],
      ['patch', `/api/channels/00000000-0000-4000-8000-000000000000`],
      ['get', '/webhooks/twilio/sms'],
    ] as const)('when %s %s is not a route, then 404 in the envelope', async (method, path) => {
      const res = await request(ctx.app.url)[method](path).set(bearer(tenant.adminToken));
      expectErrorEnvelope(res, 404, 'ROUTE_NOT_FOUND');
    });

    it('when an unknown /api route is called without a token, then 401 (authentication comes first)', async () => {
      expectErrorEnvelope(await request(ctx.app.url).get('/api/nope'), 401);
    });
  });

  describe('never a 500', () => {
    /** Odd bodies, sent as raw JSON text. */
    const odd = (): [string, string][] => [
      ['an array', '[]'],
      ['an array of objects', '[{"name":"x"}]'],
      ['null', 'null'],
      ['a string', '"hello"'],
      ['a number', '42'],
      ['true', 'true'],
      ['an empty object', '{}'],
      ['an empty body', ''],
      ['numbers for strings', '{"name":1,"type":2,"provider":3,"channel_id":4,"external_id":5,"conversation_id":6,"message":7,"to":8}'],
      ['objects for strings', '{"name":{"$gt":""},"type":{},"provider":[],"external_id":{"a":1},"message":{"b":2}}'],
      ['a nested object 5000 deep', nestedObject(5000)],
      ['a nested array 100000 deep', nestedArray(100000)],
      ['a deep config', `{"name":"x","type":"WHATSAPP","provider":"META","config":${nestedObject(3000)}}`],
      ['a deep participant_meta', `{"channel_id":"CHANNEL","external_id":"15550001234","participant_meta":${nestedObject(3000)}}`],
      ['a deep metadata', `{"conversation_id":"CONVERSATION","message":"hi","metadata":${nestedObject(3000)}}`],
      ['__proto__ keys', '{"__proto__":{"role":"superadmin"},"constructor":{"prototype":{"x":1}},"name":"p"}'],
      ['huge numbers', '{"company_id":1e400,"default_agent_id":99999999999999999999,"agent_id":-0,"limit":1e308}'],
      ['lone surrogates', '{"name":"\\ud800","channel_id":"CHANNEL","external_id":"\\udfff","conversation_id":"CONVERSATION","message":"\\ud83d"}'],
      ['very long strings', JSON.stringify({ name: 'n'.repeat(300), external_id: 'e'.repeat(300), channel_id: 'c'.repeat(5000), message: 'm'.repeat(5000), to: 't'.repeat(100) })],
      ['a valid message with a bad to', '{"channel_id":"CHANNEL","to":"+++---","message":"hi"}'],
      ['a to of 15 digits plus spaces', '{"channel_id":"CHANNEL","to":"1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6","message":"hi"}'],
      ['duplicate keys', '{"name":"a","name":"b","type":"WHATSAPP","type":"SMS","provider":"TWILIO"}'],
      ['a BOM before JSON', '\ufeff{"name":"x"}'],
    ];
    const fill = (raw: string) => raw.replace(/CHANNEL/g, channel.id).replace(/CONVERSATION/g, conversationId);

    it('when odd bodies are posted to every write endpoint, then every answer is a 4xx or 2xx envelope, never a 500', async () => {
      const failures: string[] = [];
      for (const path of WRITE_PATHS) {
        for (const [label, raw] of odd()) {
          const res = await postRaw(path, fill(raw));
          if (res.status >= 500 || res.body?.success === undefined) failures.push(`${path} with ${label}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('when odd bodies are put to update endpoints, then never a 500', async () => {
      const failures: string[] = [];
      const paths = [
        `/api/channels/${channel.id}`,
        `/api/channels/conversations/${conversationId}`,
        `/api/channels/conversations/${conversationId}/assign-agent`,
      ];
      for (const path of paths) {
        for (const [label, raw] of odd()) {
          const res = await request(ctx.app.url).put(path).set(bearer(tenant.adminToken)).set('Content-Type', 'application/json').send(fill(raw));
          if (res.status >= 500) failures.push(`${path} with ${label}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
    });

    /** Otherwise valid requests with one hostile value: a NUL character (PostgreSQL text cannot hold it) or an id beyond PostgreSQL's integer. */
    const hostile: [string, 'admin' | 'superadmin', 'post' | 'put' | 'get', string, Record<string, unknown>][] = [
      ['a channel name with a NUL', 'admin', 'post', '/api/channels', { name: 'a\u0000b', type: 'WHATSAPP', provider: 'META', credentials: 'CREDENTIALS' }],
      ['a channel rename with a NUL', 'admin', 'put', '/api/channels/CHANNEL', { name: 'a\u0000b' }],
      ['a channel config with a NUL', 'admin', 'put', '/api/channels/CHANNEL', { config: { greeting: 'a\u0000b' } }],
      ['a channel default agent beyond int32', 'admin', 'put', '/api/channels/CHANNEL', { default_agent_id: 2147483648 }],
      ['a conversation external_id with a NUL', 'admin', 'post', '/api/channels/conversations', { channel_id: 'CHANNEL', external_id: '1555\u00001234' }],
      ['a conversation participant_meta with a NUL', 'admin', 'post', '/api/channels/conversations', { channel_id: 'CHANNEL', external_id: '15550001234', participant_meta: { name: 'a\u0000b' } }],
      ['a conversation assigned to an agent id beyond int32', 'admin', 'post', '/api/channels/conversations', { channel_id: 'CHANNEL', external_id: '15550001234', assigned_agent_id: 2147483648 }],
      ['an assign-agent with an agent id beyond int32', 'admin', 'put', '/api/channels/conversations/CONVERSATION/assign-agent', { agent_id: 2147483648 }],
      ['a conversation list filtered by an agent id beyond int32', 'admin', 'get', '/api/channels/conversations', { assigned_agent_id: 2147483648 }],
      ['a message text with a NUL', 'admin', 'post', '/api/channels/messages', { conversation_id: 'CONVERSATION', message: 'a\u0000b' }],
      ['a message metadata with a NUL', 'admin', 'post', '/api/channels/messages', { conversation_id: 'CONVERSATION', message: 'ab', metadata: { note: 'a\u0000b' } }],
      ['a channel for a company id beyond int32', 'superadmin', 'post', '/api/channels', { name: 'x', type: 'WHATSAPP', provider: 'META', company_id: 2147483648, credentials: 'CREDENTIALS' }],
      ['a channel list filtered by a company id beyond int32', 'superadmin', 'get', '/api/channels', { company_id: 2147483648 }],
      ['an agent for a company id beyond int32', 'superadmin', 'post', '/api/companies/2147483648/agents', { name: 'x', email: 'x@y.test' }],
      ['a company name with a NUL', 'superadmin', 'post', '/api/companies', { name: 'a\u0000b' }],
      ['an agent name with a NUL', 'superadmin', 'post', '/api/companies/COMPANY/agents', { name: 'a\u0000b', email: 'nul@y.test' }],
    ];

    /** Every row of the tables a request could change. */
    const snapshot = async () => ({
      companies: await sql('SELECT * FROM companies ORDER BY id'),
      agents: await sql('SELECT * FROM agents ORDER BY id'),
      channels: await sql('SELECT * FROM channels ORDER BY id'),
      channel_credentials: await sql('SELECT * FROM channel_credentials ORDER BY id'),
      conversations: await sql('SELECT * FROM conversations ORDER BY id'),
      messages: await sql('SELECT * FROM messages ORDER BY id'),
    });

    it.each(hostile)('when %s is sent, then a 4xx envelope (never a 500) and nothing is stored or sent', async (_label, who, method, rawPath, rawBody) => {
      const credentials = { accessToken: ctx.graph.validToken, phoneNumberId: '410000000000777', appSecret: 'fixture-app-secret' };
      const fillIn = (v: string) => v.replace('CHANNEL', channel.id).replace('CONVERSATION', conversationId).replace('COMPANY', String(tenant.companyId));
      const body = JSON.parse(fillIn(JSON.stringify(rawBody)).replace('"CREDENTIALS"', JSON.stringify(credentials)));
      const token = who === 'admin' ? tenant.adminToken : ctx.app.token({ sub: 1, company_id: tenant.companyId, role: 'superadmin' });
      const before = await snapshot();
      const original = ctx.graph.phoneNumberId;
      ctx.graph.phoneNumberId = credentials.phoneNumberId;
      let res: request.Response;
      try {
        const req = request(ctx.app.url)[method](fillIn(rawPath)).set(bearer(token));
        res = method === 'get' ? await req.query(body) : await req.send(body);
      } finally {
        ctx.graph.phoneNumberId = original;
      }
      expect(res.status).toBeLessThan(500);
      if (method !== 'get') expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.body).toMatchObject({ success: res.status < 400 });
      expect(await snapshot()).toEqual(before);
      expect(ctx.graph.sends()).toHaveLength(0);
    });

    it('when odd bodies are posted to the Meta webhook, unsigned or signed, then never a 500 and nothing is stored', async () => {
      const before = await tableCounts();
      const failures: string[] = [];
      for (const [label, raw] of odd()) {
        for (const signed of [false, true]) {
          for (const path of ['/webhooks/meta', `/webhooks/meta/${channel.id}`]) {
            const res = await postMetaWebhook(ctx.app, fill(raw), signed ? { path } : { path, signature: null });
            if (res.status >= 500) failures.push(`${path} ${signed ? 'signed' : 'unsigned'} ${label}: ${res.status}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(await tableCounts()).toEqual(before);
    });

    /** A signed webhook for the fixture number carrying one message `m`. */
    const webhookWith = (m: Record<string, unknown>) =>
      JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15557770001', phone_number_id: '410000000000001' }, contacts: [{ profile: { name: 'X' }, wa_id: '15557770123' }], messages: [m] } }] }],
      });
    const text = { from: '15557770123', timestamp: '1767225600', type: 'text', text: { body: 'hi' } };

    it.each([
      ['a timestamp beyond the Date range', { ...text, id: 'wamid.T1', timestamp: '99999999999999' }],
      ['a timestamp of 1e20', { ...text, id: 'wamid.T2', timestamp: '1e20' }],
      ['a NUL in the text', { ...text, id: 'wamid.T3', text: { body: 'a\u0000b' } }],
      ['a sender id over 255 characters', { ...text, id: 'wamid.T4', from: '1'.repeat(300) }],
      ['a message id over 255 characters', { ...text, id: 'w'.repeat(300) }],
      ['an object as text body', { ...text, id: 'wamid.T6', text: { body: { nested: true } } }],
      ['an image with a media id and mime type over 255 characters', { ...text, id: 'wamid.T7', type: 'image', image: { id: 'm'.repeat(300), mime_type: 'x'.repeat(300) } }],
    ])('when a signed Meta webhook carries %s, then it is answered without a 500', async (_label, m) => {
      const res = await postMetaWebhook(ctx.app, webhookWith(m));
      expect(res.status).toBeLessThan(500);
      expect(res.body).toMatchObject({ success: res.status < 400 });
    });

    it('when a signed Meta webhook reports a status for an unknown message with a bad timestamp, then 200 and nothing changes', async () => {
      const before = await tableCounts();
      const res = await postMetaWebhook(
        ctx.app,
        JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '410000000000001' }, statuses: [{ id: 'wamid.NOPE', status: 'read', timestamp: 'abc', recipient_id: '1' }] } }] }] }),
      );
      expect(res.status).toBe(200);
      expect(await tableCounts()).toEqual(before);
    });
  });
});
