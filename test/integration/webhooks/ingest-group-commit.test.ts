import { fixtureJson } from '../../support/fixtures';
import { createMetaChannel, createTenant, postMetaWebhook, type Tenant } from '../../support/scenario';
import { collect, connectSocket } from '../../support/socket-client';
import { useAppWithGraph } from '../../support/suite';
import { sql } from '../../support/test-app';

/** The text fixture as another message: its own id, sender and text. */
function textWebhook(id: string, from: string, text: string): string {
  const body = fixtureJson('meta/text-message.json');
  const value = body.entry[0].changes[0].value;
  value.contacts[0].wa_id = from;
  value.messages[0] = { ...value.messages[0], id, from, text: { body: text } };
  return JSON.stringify(body);
}

/** The status fixture of `name` (status-sent.json, ...) for the message `id`. */
function statusWebhook(name: string, id: string): string {
  const body = fixtureJson(`meta/${name}`);
  body.entry[0].changes[0].value.statuses[0].id = id;
  return JSON.stringify(body);
}

describe('inbound events of concurrent webhooks written together (group commit)', () => {
  const ctx = useAppWithGraph();
  let tenant: Tenant;
  let channel: { id: string };

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
    channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
  });

  it('when 60 texts of 6 customers arrive at once, then each is stored once, in one open conversation per customer, announced once each', async () => {
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const created = collect(socket, 'conversation_updated');
    const received = collect(socket, 'message_received');
    try {
      const posts = Array.from({ length: 60 }, (_, i) => postMetaWebhook(ctx.app, textWebhook(`wamid.GC.${i}`, `1555000000${i % 6}`, `text ${i}`)));
      const answers = await Promise.all(posts);
      expect(answers.map((r) => r.status)).toEqual(Array(60).fill(200));
      const rows = await sql<{ n: number; conversations: number }>(`SELECT count(*)::int AS n, count(DISTINCT conversation_id)::int AS conversations FROM messages WHERE external_id LIKE 'wamid.GC.%'`);
      expect(rows[0]).toEqual({ n: 60, conversations: 6 });
      const open = await sql<{ external_id: string; last: Date; meta: unknown }>(`SELECT external_id, last_message_at AS last, participant_meta AS meta FROM conversations WHERE channel_id = $1 ORDER BY external_id`, [channel.id]);
      expect(open.map((c) => c.external_id)).toEqual(['15550000000', '15550000001', '15550000002', '15550000003', '15550000004', '15550000005']);
      expect(open.every((c) => c.last instanceof Date && (c.meta as { name: string }).name === 'Maria Example')).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toHaveLength(60);
      expect(created.filter((e) => e.change === 'created')).toHaveLength(6);
    } finally {
      socket.close();
    }
  });

  it('when one message is delivered five times at once, then it is stored once and four answers count a duplicate', async () => {
    const raw = textWebhook('wamid.GC.DUP', '15550000009', 'once');
    const answers = await Promise.all(Array.from({ length: 5 }, () => postMetaWebhook(ctx.app, raw)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await sql(`SELECT id FROM messages WHERE external_id = 'wamid.GC.DUP'`)).toHaveLength(1);
    expect(await sql(`SELECT id FROM conversations WHERE external_id = '15550000009'`)).toHaveLength(1);
  });

  it('when a stored message comes again after its conversation was closed, then no new conversation is opened', async () => {
    expect((await postMetaWebhook(ctx.app, textWebhook('wamid.GC.LATE', '15550000008', 'first'))).status).toBe(200);
    await sql(`UPDATE conversations SET status = 'closed' WHERE external_id = '15550000008'`);
    expect((await postMetaWebhook(ctx.app, textWebhook('wamid.GC.LATE', '15550000008', 'first'))).status).toBe(200);
    expect(await sql(`SELECT status FROM conversations WHERE external_id = '15550000008'`)).toEqual([{ status: 'closed' }]);
  });

  it('when the sent, delivered and read statuses of 30 replies arrive at once, then every reply ends READ and each change is pushed once', async () => {
    const [conv] = await sql<{ id: string }>(`INSERT INTO conversations (company_id, channel_id, external_id) VALUES ($1, $2, 'gc-replies') RETURNING id`, [tenant.companyId, channel.id]);
    await sql(
      `INSERT INTO messages (company_id, channel_id, conversation_id, direction, status, message, external_id)
       SELECT $1, $2, $3, 'outgoing', 'PENDING', 'reply', 'wamid.GC.OUT.' || g FROM generate_series(0, 29) g`,
      [tenant.companyId, channel.id, conv.id],
    );
    const socket = await connectSocket(ctx.app.url, '/message', { token: tenant.agentToken });
    const changes = collect(socket, 'message_status');
    try {
      const posts = [];
      for (let i = 0; i < 30; i++) for (const name of ['status-read.json', 'status-sent.json', 'status-delivered.json']) posts.push(postMetaWebhook(ctx.app, statusWebhook(name, `wamid.GC.OUT.${i}`)));
      expect((await Promise.all(posts)).every((r) => r.status === 200)).toBe(true);
      const final = await sql<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM messages WHERE external_id LIKE 'wamid.GC.OUT.%' GROUP BY status`);
      expect(final).toEqual([{ status: 'READ', n: 30 }]);
      await new Promise((r) => setTimeout(r, 300));
      // Each push is a real change: never the same status twice for one message, and READ once each.
      const perMessage = new Map<string, string[]>();
      for (const c of changes) perMessage.set(c.message_id, [...(perMessage.get(c.message_id) ?? []), c.status]);
      expect(perMessage.size).toBe(30);
      for (const statuses of perMessage.values()) {
        expect(new Set(statuses).size).toBe(statuses.length);
        expect(statuses.filter((s) => s === 'READ')).toHaveLength(1);
      }
    } finally {
      socket.close();
    }
  });

  it('when one event of a batch cannot be stored, then it fails alone and the others of the batch are stored', async () => {
    const ingest = ctx.app.container.useCases.ingest;
    const entity = await ctx.app.container.useCases.channels.get({ id: '1', companyId: tenant.companyId, role: 'admin', permissions: [] }, channel.id);
    const event = (id: string, text: string) => ({ kind: 'message' as const, externalId: id, from: '15550000007', timestamp: new Date(), contentType: 'text' as const, text, payload: {}, attachments: [] });
    // PostgreSQL refuses a NUL character in text: that statement fails, and the batch with it.
    const results = await Promise.allSettled([ingest.ingest(entity, [event('wamid.GC.OK.1', 'fine')]), ingest.ingest(entity, [event('wamid.GC.BAD', 'bad \u0000 text')]), ingest.ingest(entity, [event('wamid.GC.OK.2', 'fine too')])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await sql<{ external_id: string }>(`SELECT external_id FROM messages WHERE external_id LIKE 'wamid.GC.%' ORDER BY external_id`);
    expect(rows.map((r) => r.external_id)).toEqual(['wamid.GC.OK.1', 'wamid.GC.OK.2']);
  });
});
