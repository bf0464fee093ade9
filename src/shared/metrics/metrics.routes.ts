import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { errorBody } from '../http/envelope';
import type { PrometheusMetrics } from './prometheus-metrics';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** GET /metrics in Prometheus text format; behind a bearer token when `token` is set. */
export function metricsRoutes(metrics: PrometheusMetrics, token?: string): Router {
  const r = Router();
  r.get('/metrics', async (req, res) => {
    if (token && !sameToken(req.get('authorization') ?? '', `Bearer ${token}`)) {
      res.status(401).json(errorBody(401, 'Metrics token required', { code: 'UNAUTHORIZED', requestId: req.id }));
      return;
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return r;
}
