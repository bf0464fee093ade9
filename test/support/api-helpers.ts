import pino from 'pino';
import request from 'supertest';
import { migrate } from '../../src/shared/database/migrator';
import { dropDatabase, recreateDatabase, testDatabaseName, withDatabaseName } from './database';
import { freePort } from './ports';
import { sql, type TestApp } from './test-app';

/**
 * Gives this test file its own migrated database (named after the base test database plus the
 * worker's pid) and points TEST_DATABASE_URL at it, so API suites can run in parallel jest workers
 * without truncating each other's rows. Call it before startTestApp; await the returned function
 * in afterAll to drop the database again.
 */
export async function useIsolatedDatabase(): Promise<() => Promise<void>> {
  const previous = process.env.TEST_DATABASE_URL!;
  const url = withDatabaseName(previous, `${testDatabaseName(previous)}_api_${process.pid}`);
  await recreateDatabase(url);
  await migrate(url);
  process.env.TEST_DATABASE_URL = url;
  return async () => {
    process.env.TEST_DATABASE_URL = previous;
    await dropDatabase(url);
  };
}

/** `Authorization: Bearer <token>` as a header object for supertest's `.set`. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** Row counts of every table, to check that a refused request stored nothing. */
export async function tableCounts(): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, string>>(`SELECT
    (SELECT count(*) FROM companies) AS companies,
    (SELECT count(*) FROM agents) AS agents,
    (SELECT count(*) FROM channels) AS channels,
    (SELECT count(*) FROM channel_credentials) AS channel_credentials,
    (SELECT count(*) FROM conversations) AS conversations,
    (SELECT count(*) FROM messages) AS messages,
    (SELECT count(*) FROM attachments) AS attachments`);
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

/** Asserts the error envelope of product.md: success false, data null, statusCode equal to the HTTP status. */
export function expectErrorEnvelope(res: request.Response, status: number, code?: string): void {
  expect({ status: res.status, body: res.body }).toMatchObject({
    status,
    body: { success: false, data: null, statusCode: status, message: expect.any(String), ...(code ? { code } : {}) },
  });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

/** The field names of a 400's `errors` list. */
export function errorFields(res: request.Response): string[] {
  return ((res.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
}

/** Creates a conversation through the API. */
export async function createConversation(app: TestApp, token: string, body: Record<string, unknown>) {
  const res = await request(app.url).post('/api/channels/conversations').set(bearer(token)).send(body);
  if (res.status !== 201) throw new Error(`conversation creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string; status: string; external_id: string; company_id: number; channel_id: string };
}

/** Sends a text through POST /api/channels/messages (no status check). */
export function sendMessage(app: TestApp, token: string, body: Record<string, unknown>) {
  return request(app.url).post('/api/channels/messages').set(bearer(token)).send(body);
}

/** A signed-webhook body with one text message from `from` with the given id and unix timestamp. */
export function metaTextWebhook(opts: { id: string; from?: string; timestamp: number; text: string; phoneNumberId?: string }): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '310000000000001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15557770001', phone_number_id: opts.phoneNumberId ?? '410000000000001' },
              contacts: [{ profile: { name: 'Maria Example' }, wa_id: opts.from ?? '15557770123' }],
              messages: [{ from: opts.from ?? '15557770123', id: opts.id, timestamp: String(opts.timestamp), type: 'text', text: { body: opts.text } }],
            },
          },
        ],
      },
    ],
  });
}

/** Sends exact bytes (e.g. a gzip body) with fetch, which never re-encodes them; returns status and parsed JSON body. */
export async function sendBytes(url: string, method: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/** A loopback URL on which nothing listens (a port that was just freed). */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/**
 * Captures every line the app's pino logger writes (the app must be started with a LOG_LEVEL that
 * is not silent). Child loggers share the root's stream, so this sees every module's lines.
 */
export function captureLogs(app: TestApp): { lines: string[]; restore(): void } {
  const stream = (app.container.logger as any)[pino.symbols.streamSym] as { write(chunk: string): unknown };
  const original = stream.write;
  const lines: string[] = [];
  stream.write = (chunk: string) => {
    lines.push(String(chunk));
    return true;
  };
  return {
    lines,
    restore: () => {
      stream.write = original;
    },
  };
}
