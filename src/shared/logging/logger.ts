import pino, { type Logger } from 'pino';
import { currentRequestId } from './request-context';

/** Paths never written to logs, wherever they appear. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-twilio-signature"]',
  '*.credentials',
  '*.accessToken',
  '*.appSecret',
  '*.authToken',
  '*.secret',
  '*.token',
  '*.password',
  'credentials',
  'token',
];

// HTTP client errors carry the request (with its Authorization header) and the response.
const HTTP_ERROR_KEYS = ['config', 'request', 'response', 'headers'];

/** pino's error serializer minus the parts of HTTP client errors that carry tokens, at every cause level. */
export function safeErrorSerializer(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!out || typeof out !== 'object') return out;
  for (const key of HTTP_ERROR_KEYS) delete out[key];
  if (out.cause) out.cause = safeErrorSerializer(out.cause);
  return out;
}

/** Adds `request_id` to every line written while a request is handled (use cases, repositories, providers alike). */
function requestIdMixin(): Record<string, unknown> {
  const requestId = currentRequestId();
  return requestId ? { request_id: requestId } : {};
}

/** Creates the process logger: pino JSON with secrets redacted; `destination` lets tests capture lines. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: pino.DestinationStream): Logger {
  const options = { level, base, mixin: requestIdMixin, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { err: safeErrorSerializer } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
