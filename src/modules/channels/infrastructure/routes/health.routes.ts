import { Router } from 'express';
import { errorBody, ok } from '../../../../shared/http/envelope';
import type { ChannelsContainer } from '../channels.container';

const started = Date.now();

/** /health (liveness, with this instance's id) and /ready (database and store reachable). */
export function healthRoutes(container: ChannelsContainer): Router {
  const r = Router();
  r.get('/health', (_req, res) => {
    res.json({ success: true, message: 'OK', data: { status: 'ok', instance_id: container.config.instanceId, uptime_s: Math.round((Date.now() - started) / 1000), active_channels: container.runtime.size } });
  });
  r.get('/ready', async (req, res) => {
    const { database, store, store_kind } = await container.health.check();
    const ready = database === 'up' && store === 'up';
    const checks = { database, store, store_kind };
    if (ready) res.json(ok(checks, 'Ready'));
    else res.status(503).json(errorBody(503, 'Not ready', { code: 'NOT_READY', requestId: req.id, checks }));
  });
  return r;
}
