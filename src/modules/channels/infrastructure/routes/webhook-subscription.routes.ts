import { Router } from 'express';
import { authorize } from '../../../../shared/auth/auth.middleware';
import { validate } from '../../../../shared/http/validate.middleware';
import { idParams } from '../../shared/validators/common.schema';
import { createWebhookBody, deliveryParams, listDeliveriesQuery, listWebhooksQuery } from '../../shared/validators/webhook-subscription.schema';
import type { WebhookSubscriptionController } from '../controllers/webhook-subscription.controller';

/** /api/webhooks: event webhook subscriptions and their deliveries (admins: `webhooks:manage`). */
export function webhookSubscriptionRoutes(c: WebhookSubscriptionController): Router {
  const r = Router();
  const manage = authorize('webhooks:manage');
  r.post('/', manage, validate({ body: createWebhookBody }), c.create);
  r.get('/', manage, validate({ query: listWebhooksQuery }), c.list);
  r.get('/:id', manage, validate({ params: idParams }), c.get);
  r.delete('/:id', manage, validate({ params: idParams }), c.remove);
  r.get('/:id/deliveries', manage, validate({ params: idParams, query: listDeliveriesQuery }), c.deliveries);
  r.post('/:id/deliveries/:deliveryId/replay', manage, validate({ params: deliveryParams }), c.replay);
  return r;
}
