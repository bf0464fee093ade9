import express, { Router } from 'express';
import type { MetaWebhookController } from '../controllers/meta-webhook.controller';

/** /webhooks: no JWT; every POST keeps its raw bytes for signature checks (1 MB limit). */
export function webhookRoutes(meta: MetaWebhookController): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: '1mb' });
  r.get('/meta', meta.verify);
  r.post('/meta', raw, meta.receive);
  r.get('/meta/:channelId', meta.verify);
  r.post('/meta/:channelId', raw, meta.receive);
  return r;
}
