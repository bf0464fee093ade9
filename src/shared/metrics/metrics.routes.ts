import { Router } from 'express';
import { sameSecret } from '../crypto/constant-time';
import { errorBody } from '../http/envelope';
import type { PrometheusMetrics } from './prometheus-metrics';

/** GET /metrics in Prometheus text format; behind a bearer token when `token` is set. */
export function metricsRoutes(metrics: PrometheusMetrics, token?: string): Router {
  const r = Router();
  r.get('/metrics', async (req, res) => {
    if (token && !sameSecret(req.get('authorization') ?? '', `Bearer ${token}`)) {
      res.status(401).json(errorBody(401, 'Metrics token required', { code: 'UNAUTHORIZED', requestId: req.id }));
      return;
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return r;
}
