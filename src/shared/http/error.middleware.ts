import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, ServiceUnavailableError } from '../errors/app-error';
import { isDatabaseUnavailable } from '../database/database-errors';
import { errorBody } from './envelope';

/** Errors raised by express' body parsers, mapped to client errors. */
const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'Request body too large'],
  'entity.parse.failed': [400, 'MALFORMED_BODY', 'Malformed request body'],
  'encoding.unsupported': [415, 'UNSUPPORTED_ENCODING', 'Unsupported content encoding'],
  'charset.unsupported': [415, 'UNSUPPORTED_CHARSET', 'Unsupported charset'],
  'request.aborted': [400, 'REQUEST_ABORTED', 'Request aborted'],
  'entity.verify.failed': [400, 'MALFORMED_BODY', 'Malformed request body'],
};

/** 404 in the envelope for any route nobody serves. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody(404, 'Route not found', { code: 'ROUTE_NOT_FOUND', requestId: req.id }));
};

/** A lost database connection is a 503 the caller may retry (providers do), never a 500. */
function typed(err: unknown): unknown {
  return !(err instanceof AppError) && isDatabaseUnavailable(err) ? new ServiceUnavailableError(err) : err;
}

/** The single error middleware: typed errors to their status, anything else to a logged 500 without internals. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const requestId = req.id;
    const err = typed(error) as any;
    if (err instanceof AppError) {
      if (err.statusCode >= 500) logger.warn({ err, request_id: requestId, code: err.code }, err.message);
      if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      res.status(err.statusCode).json(errorBody(err.statusCode, err.message, { code: err.code, errors: err.errors, ...err.details, requestId }));
      return;
    }
    const mapped = typeof err?.type === 'string' ? BODY_PARSER_ERRORS[err.type] : undefined;
    if (mapped) {
      const [status, code, message] = mapped;
      res.status(status).json(errorBody(status, message, { code, requestId }));
      return;
    }
    // Other client errors from express' stack (e.g. a body that fails to decompress) carry a 4xx status.
    const status = Number(err?.status ?? err?.statusCode);
    if (err?.expose === true && status >= 400 && status < 500) {
      res.status(status).json(errorBody(status, 'Invalid request body', { code: 'BAD_REQUEST', requestId }));
      return;
    }
    logger.error({ err, request_id: requestId, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json(errorBody(500, 'Internal server error', { code: 'INTERNAL_ERROR', requestId }));
  };
}
