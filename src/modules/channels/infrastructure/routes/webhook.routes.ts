import express, { Router } from 'express';
import type { CustomWebhookController } from '../controllers/custom-webhook.controller';
import type { MetaWebhookController } from '../controllers/meta-webhook.controller';
import type { TwilioWebhookController } from '../controllers/twilio-webhook.controller';

/** /webhooks: no JWT; every POST keeps its raw bytes for signature checks (1 MB limit). */
export function webhookRoutes(meta: MetaWebhookController, custom: CustomWebhookController, twilio: TwilioWebhookController): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: '1mb' });
  r.get('/meta', meta.verify);
  r.post('/meta', raw, meta.receive);
  r.get('/meta/:channelId', meta.verify);
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
