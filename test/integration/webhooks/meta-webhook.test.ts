import request from 'supertest';
import { fixture } from '../../support/fixtures';
import { APP_SECRET, createMetaChannel, createTenant, postMetaFixture, postMetaWebhook, type Tenant } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';

describe('Meta webhooks', () => {
  const ctx = useAppWithGraph();
  let tenant: Tenant;
  let channel: { id: string };

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
  });

  describe('verify handshake', () => {
    it('when mode and channel token match, then the challenge is echoed verbatim as plain text', async () => {
      const res = await request(ctx.app.url).get(`/webhooks/meta/${channel.id}`).query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'fixture-verify-token', 'hub.challenge': '1158201444' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toBe('1158201444');
    });

    it('when the token is wrong, then 403', async () => {
      const res = await request(ctx.app.url).get(`/webhooks/meta/${channel.id}`).query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' });
      expect(res.status).toBe(403);
      expect(res.body.success).toBe(false);
    });
  });

  describe('signed events', () => {
    it('when a text message arrives, then it is stored once in a new open conversation named from the contact', async () => {
      const res = await postMetaFixture(ctx.app, 'text-message.json');
      expect(res.body).toMatchObject({ success: true });
      expect(res.status).toBe(200);
      const rows = await sql(`SELECT m.*, c.external_id AS conv_external, c.participant_meta, c.status AS conv_status FROM messages m JOIN conversations c ON c.id = m.conversation_id`);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        external_id: 'wamid.FIXTURE.TEXT.1',
        message: 'Hola, necesito ayuda con mi pedido',
        direction: 'incoming',
        status: 'RECEIVED',
        content_type: 'text',
        from: '15557770123',
        conv_external: '15557770123',
        conv_status: 'open',
        participant_meta: { name: 'Maria Example' },
      });
    });

    it('when an image arrives, then an attachment with the media id and mime type is stored', async () => {
      expect((await postMetaFixture(ctx.app, 'image-message.json')).status).toBe(200);
      const rows = await sql(`SELECT a.*, m.content_type, m.message FROM attachments a JOIN messages m ON m.id = a.message_id`);
      expect(rows).toEqual([expect.objectContaining({ type: 'image', mime_type: 'image/jpeg', provider_media_id: '510000000000001', content_type: 'image', message: 'foto del recibo' })]);
    });

    it('when the same webhook is delivered twice, then one message is stored and emitted once', async () => {
      const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
      const received = collect(socket, 'message_received');
      await postMetaFixture(ctx.app, 'text-message.json');
      await postMetaFixture(ctx.app, 'text-message.json');
      await waitFor(() => received.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      socket.close();
      expect(received).toHaveLength(1);
      expect(await sql('SELECT id FROM messages')).toHaveLength(1);
      expect(await sql('SELECT id FROM conversations')).toHaveLength(1);
    });

    it('when the same webhook is delivered concurrently, then nothing is stored twice', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => postMetaFixture(ctx.app, 'text-message.json')));
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(await sql('SELECT id FROM messages')).toHaveLength(1);
      expect(await sql('SELECT id FROM conversations')).toHaveLength(1);
    });

    it('when the signature is missing or wrong, then 401 and nothing is stored', async () => {
      const body = fixture('meta/text-message.json');
      expect((await postMetaWebhook(ctx.app, body, { signature: null })).status).toBe(401);
      expect((await postMetaWebhook(ctx.app, body, { secret: 'wrong-secret' })).status).toBe(401);
      const tampered = Buffer.from(body.toString().replace('necesito', 'NECESITO'));
      const { signMetaBody } = await import('../../../src/modules/channels/infrastructure/providers/meta/meta-signature');
      expect((await postMetaWebhook(ctx.app, tampered, { signature: signMetaBody(body, APP_SECRET) })).status).toBe(401);
      expect(await sql('SELECT id FROM messages')).toHaveLength(0);
      expect(await sql('SELECT id FROM conversations')).toHaveLength(0);
    });

    it('when the body is re-serialised after signing, then the signature no longer verifies', async () => {
      const body = fixture('meta/text-message.json');
      const { signMetaBody } = await import('../../../src/modules/channels/infrastructure/providers/meta/meta-signature');
      const signature = signMetaBody(body, APP_SECRET);
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
      const res = await postMetaWebhook(ctx.app, reserialised, { signature });
      expect(res.status).toBe(401);
      expect(await sql('SELECT id FROM messages')).toHaveLength(0);
    });

    it('when posted to the channel URL, then it is stored for that channel', async () => {
      const res = await postMetaFixture(ctx.app, 'text-message.json', { path: `/webhooks/meta/${channel.id}` });
      expect(res.status).toBe(200);
      expect(await sql('SELECT channel_id FROM messages')).toEqual([{ channel_id: channel.id }]);
    });

    it('when the channel in the URL is unknown, then 404 without details', async () => {
      const res = await postMetaFixture(ctx.app, 'text-message.json', { path: '/webhooks/meta/6d1f6a0e-0000-4000-8000-000000000000' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ success: false, statusCode: 404, data: null });
      expect(await sql('SELECT id FROM messages')).toHaveLength(0);
    });
  });
});
