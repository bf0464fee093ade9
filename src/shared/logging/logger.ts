import pino, { type Logger } from 'pino';

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

/** Creates the process logger: pino JSON with secrets redacted. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base, redact: { paths: REDACT, censor: '[redacted]' } });
}

export type { Logger };
