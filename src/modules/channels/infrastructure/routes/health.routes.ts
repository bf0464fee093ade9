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
    const database = await container.prisma.$queryRaw`SELECT 1`.then(() => true, () => false);
    const store = await container.cache.ping();
    const ready = database && store;
    const checks = { database: database ? 'up' : 'down', store: store ? 'up' : 'down', store_kind: container.cache.kind };
    if (ready) res.json(ok(checks, 'Ready'));
    else res.status(503).json(errorBody(503, 'Not ready', { code: 'NOT_READY', requestId: req.id, checks }));
  });
  return r;
}
