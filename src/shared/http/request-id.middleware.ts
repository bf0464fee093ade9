import crypto from 'node:crypto';
import type { RequestHandler } from 'express';

/** Gives every request an id (a sane incoming `X-Request-Id` is kept) and echoes it in the response. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.header('x-request-id');
  req.id = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
  res.setHeader('X-Request-Id', req.id);
  next();
};
