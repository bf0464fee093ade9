import express, { Router, type RequestHandler } from 'express';
import type { CustomWebhookController } from '../controllers/custom-webhook.controller';
import type { MetaWebhookController } from '../controllers/meta-webhook.controller';
import type { TwilioWebhookController } from '../controllers/twilio-webhook.controller';

/** Edge limits of the webhook routes. */
export interface WebhookRouteOptions {
  /** Largest body accepted (413 above). */
  bodyLimitBytes?: number;
  /** Per-channel request budget; runs before the body is read, so a flood costs no parsing. */
  rateLimit?: RequestHandler;
}

/** /webhooks: no JWT; every POST keeps its raw bytes for signature checks. */
export function webhookRoutes(meta: MetaWebhookController, custom: CustomWebhookController, twilio: TwilioWebhookController, options: WebhookRouteOptions = {}): Router {
  const r = Router();
  const limit: RequestHandler = options.rateLimit ?? ((_req, _res, next) => next());
  const raw = [limit, express.raw({ type: () => true, limit: options.bodyLimitBytes ?? 1024 * 1024 })];
  r.get('/meta', limit, meta.verify);
  r.post('/meta', raw, meta.receive);
  r.get('/meta/:channelId', limit, meta.verify);
  r.post('/meta/:channelId', raw, meta.receive);
  r.post('/custom/:channelId', raw, custom.receiveMessage);
  r.post('/custom/:channelId/status', raw, custom.receiveStatus);
  r.post('/twilio/:channelId', raw, twilio.message);
  r.post('/twilio/:channelId/status', raw, twilio.status);
  r.post('/twilio/:channelId/voice', raw, twilio.voice);
  r.post('/twilio/:channelId/voice/status', raw, twilio.voiceStatus);
  r.post('/twilio/:channelId/voice/recording', raw, twilio.recording);
  return r;
}
