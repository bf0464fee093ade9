import type { RequestHandler } from 'express';
import { errorBody } from './envelope';

/**
 * While the service stops, new requests get 503 SHUTTING_DOWN with `Connection: close`, so a load
 * balancer or a provider retries elsewhere or later; requests already running are not touched.
 */
export function refuseWhileDraining(isDraining: () => boolean): RequestHandler {
  return (req, res, next) => {
    if (!isDraining()) return next();
    res.set({ Connection: 'close', 'Retry-After': '5' }).status(503).json(errorBody(503, 'The service is shutting down', { code: 'SHUTTING_DOWN', requestId: req.id }));
  };
}
