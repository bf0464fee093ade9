import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { runInRequestContext } from '../logging/request-context';

/** An incoming `X-Request-Id` is kept only if it is this safe: no spaces, quotes, control characters or log-forging newlines. */
export const SAFE_REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Gives every request an id (a safe incoming `X-Request-Id` is kept), echoes it in the response and
 * runs the rest of the chain inside its context, so every log line of the request carries it.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.header('x-request-id');
  req.id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  res.setHeader('X-Request-Id', req.id);
  runInRequestContext({ requestId: req.id }, next);
};
