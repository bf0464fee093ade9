/** Prisma codes that mean "no usable connection": can't reach, timed out, closed, pool timeout. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Driver adapter error kinds (Prisma 7 `meta.driverAdapterError.cause.kind`) of the same meaning. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionAlreadyClosed']);
/** PostgreSQL SQLSTATEs: 08xxx connection exceptions, server shutting down or starting, too many connections. */
const PG_STATES = /^(08\w{3}|57P0[1-3]|53300)$/;
/** Node socket errors of the pg driver. */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** Messages of pg / pg-pool / Prisma when no connection could be had or it dropped. */
const MESSAGES = /can't reach database|connection terminated|connection ended unexpectedly|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down|in recovery mode)|client has encountered a connection error/i;

interface MaybeDbError {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
  errors?: unknown;
}

function matches(e: MaybeDbError): boolean {
  const adapter = e.meta?.driverAdapterError?.cause;
  return (
    (typeof e.code === 'string' && (PRISMA_CODES.has(e.code) || NODE_CODES.has(e.code) || PG_STATES.test(e.code))) ||
    (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) ||
    (typeof adapter?.kind === 'string' && ADAPTER_KINDS.has(adapter.kind)) ||
    (typeof adapter?.originalCode === 'string' && PG_STATES.test(adapter.originalCode)) ||
    (typeof e.originalCode === 'string' && PG_STATES.test(e.originalCode)) ||
    (typeof e.message === 'string' && MESSAGES.test(e.message))
  );
}

/**
 * True when `err` (or anything in its cause chain, or an AggregateError's members) says the
 * database could not be reached or the connection dropped: the request can be retried as is.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift() as MaybeDbError | null;
    if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 20) continue;
    seen.add(e);
    if (matches(e)) return true;
    queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return false;
}
