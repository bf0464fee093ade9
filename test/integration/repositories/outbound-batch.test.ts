import { PrismaMessageRepository } from '../../../src/modules/channels/infrastructure/repositories/message.repository';
import { PrismaOrphanStatusRepository } from '../../../src/modules/channels/infrastructure/repositories/orphan-status.repository';
import { createPrismaClient, type PrismaClient } from '../../../src/shared/database/prisma-client';
import { resetDatabase, sql } from '../../support/test-app';

describe('the outbound worker\'s batch statements (reads, outcomes, orphan statuses of many sends at once)', () => {
  let prisma: PrismaClient;
  let messages: PrismaMessageRepository;
  let orphans: PrismaOrphanStatusRepository;
  let channelId: string;
  let ids: string[];

  beforeAll(() => {
    prisma = createPrismaClient(process.env.TEST_DATABASE_URL!, 2);
    messages = new PrismaMessageRepository(prisma);
    orphans = new PrismaOrphanStatusRepository(prisma);
  });
  afterAll(async () => {
    await prisma.$disconnect();
  });
  beforeEach(async () => {
    await resetDatabase();
    const [company] = await sql(`INSERT INTO companies (name) VALUES ('Batch') RETURNING id`);
    const [channel] = await sql(`INSERT INTO channels (company_id, name, type, provider) VALUES ($1, 'B', 'WHATSAPP', 'META') RETURNING id`, [company.id]);
    channelId = channel.id;
    const [conv] = await sql(`INSERT INTO conversations (company_id, channel_id, external_id) VALUES ($1, $2, '15550001111') RETURNING id`, [company.id, channelId]);
    const rows = await sql(
      `INSERT INTO messages (company_id, channel_id, conversation_id, direction, status, message, "to")
       SELECT $1, $2, $3, 'outgoing', s::"MessageStatus", 'm' || g, '15550001111' FROM unnest(ARRAY['PENDING','PENDING','READ']) WITH ORDINALITY AS t(s, g) ORDER BY g RETURNING id`,
      [company.id, channelId, conv.id],
    );
    ids = rows.map((r) => r.id);
    await sql(`INSERT INTO attachments (message_id, type, url, mime_type) VALUES ($1, 'image', 'https://example.test/a.png', 'image/png')`, [ids[1]]);
  });

  it('when several messages are read at once, then each comes back in the order asked, with its attachments, and a missing one is null', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const got = await messages.findForSendBatch([ids[1], missing, ids[0]]);
    expect(got.map((m) => m?.id ?? null)).toEqual([ids[1], null, ids[0]]);
    expect(got[0]!.attachments).toEqual([expect.objectContaining({ type: 'image', url: 'https://example.test/a.png', mimeType: 'image/png' })]);
    expect(got[2]!.attachments).toEqual([]);
  });

  it('when outcomes of several sends are stored at once, then each obeys the status rule on its own and says what changed', async () => {
    const changes = await messages.updateStatusesByIdBatch([
      { id: ids[0], update: { status: 'SENT', externalId: 'wamid.B.0' } },
      { id: ids[2], update: { status: 'SENT', externalId: 'wamid.B.2' } },
      { id: ids[1], update: { status: 'FAILED', errorCode: 'X', errorMessage: 'refused' } },
    ]);
    expect(changes.map((c) => c && [c.message.id, c.previousStatus, c.message.status])).toEqual([[ids[0], 'PENDING', 'SENT'], null, [ids[1], 'PENDING', 'FAILED']]);
    const stored = await sql(`SELECT id, status, external_id, error_code FROM messages ORDER BY message`);
    expect(stored).toEqual([
      { id: ids[0], status: 'SENT', external_id: 'wamid.B.0', error_code: null },
      { id: ids[1], status: 'FAILED', external_id: null, error_code: 'X' },
      // READ cannot go back to SENT, and its provider id is not overwritten either.
      { id: ids[2], status: 'READ', external_id: null, error_code: null },
    ]);
  });

  it('when a batch names one message twice, then it is refused whole and nothing changes', async () => {
    await expect(messages.updateStatusesByIdBatch([{ id: ids[0], update: { status: 'SENT' } }, { id: ids[0], update: { status: 'FAILED' } }])).rejects.toThrow(/twice/);
    expect((await sql(`SELECT status FROM messages WHERE id = $1`, [ids[0]]))[0].status).toBe('PENDING');
  });

  it('when orphan statuses of several provider ids are taken at once, then each id gets its own, oldest first, and they are gone', async () => {
    await sql(`INSERT INTO orphan_statuses (channel_id, external_id, status) VALUES ($1, 'wamid.X', 'DELIVERED'), ($1, 'wamid.Y', 'READ'), ($1, 'wamid.X', 'READ')`, [channelId]);
    const taken = await orphans.takeMany([{ channelId, externalId: 'wamid.X' }, { channelId, externalId: 'wamid.Z' }, { channelId, externalId: 'wamid.Y' }]);
    expect(taken.map((list) => list.map((u) => u.status))).toEqual([['DELIVERED', 'READ'], [], ['READ']]);
    expect(await sql(`SELECT id FROM orphan_statuses`)).toEqual([]);
  });
});
