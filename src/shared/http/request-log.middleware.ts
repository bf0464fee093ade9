import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/** One log line per request with method, path (no query: it may hold a token), status and duration. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug';
      logger[level]({ module: 'http', request_id: req.id, method: req.method, path: req.path, status: res.statusCode, duration_ms: Math.round(durationMs) }, 'request');
    });
    next();
  };
}
