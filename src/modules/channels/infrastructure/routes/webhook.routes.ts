import express, { Router } from 'express';
import type { CustomWebhookController } from '../controllers/custom-webhook.controller';
import type { MetaWebhookController } from '../controllers/meta-webhook.controller';

/** /webhooks: no JWT; every POST keeps its raw bytes for signature checks (1 MB limit). */
export function webhookRoutes(meta: MetaWebhookController, custom: CustomWebhookController): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: '1mb' });
  r.get('/meta', meta.verify);
  r.post('/meta', raw, meta.receive);
  r.get('/meta/:channelId', meta.verify);
  r.post('/meta/:channelId', raw, meta.receive);
  r.post('/custom/:channelId', raw, custom.receiveMessage);
  r.post('/custom/:channelId/status', raw, custom.receiveStatus);
  return r;
}
