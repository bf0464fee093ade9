import request from 'supertest';
import { bearer, sendMessage } from './api-helpers';
import { sql, type TestApp } from './test-app';

/** A stored message's sending outcome, as the outbound queue's worker left it. */
export interface SettledMessage {
  id: string;
  status: string;
  external_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

/**
 * Polls the database until the message leaves PENDING (the worker sent or failed it), or fails the
 * test after `timeoutMs`. Sends are asynchronous: REST and send_message answer with PENDING.
 */
export async function waitForSettled(id: string, timeoutMs = 10_000): Promise<SettledMessage> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<SettledMessage>('SELECT id, status::text, external_id, error_code, error_message FROM messages WHERE id = $1', [id]);
    if (row && row.status !== 'PENDING') return row;
    if (Date.now() > until) throw new Error(`message ${id} still ${row?.status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until no outgoing message is PENDING (every queued send settled). */
export async function waitForAllSettled(timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE direction = 'outgoing' AND status = 'PENDING'`);
    if (Number(row.n) === 0) return;
    if (Date.now() > until) throw new Error(`${row.n} outgoing message(s) still PENDING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * POSTs a send (answered 201 PENDING), waits until the queue's worker settled it, and returns the
 * response with `body.data` re-read through GET /api/channels/messages/:id: what the send ended as.
 * For tests about what a provider did with a send; the 201 PENDING answer itself is tested apart.
 */
export async function sendAndSettle(app: TestApp, token: string, body: Record<string, unknown>): Promise<request.Response> {
  const res = await sendMessage(app, token, body);
  if (res.status !== 201) return res;
  await waitForSettled(res.body.data.id);
  const settled = await request(app.url).get(`/api/channels/messages/${res.body.data.id}`).set(bearer(token));
  res.body.data = settled.body.data;
  return res;
}
