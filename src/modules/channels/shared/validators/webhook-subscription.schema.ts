import Joi from 'joi';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../../domain/entities/webhook.entity';
import { companyId, pagingQuery, uuid } from './common.schema';

/** POST /api/webhooks body. */
export const createWebhookBody = Joi.object({
  url: Joi.string().trim().max(2048).uri({ scheme: ['http', 'https'] }).required(),
  // Write-only; 16+ characters so it cannot be guessed.
  secret: Joi.string().min(16).max(256).required(),
  event_types: Joi.array().items(Joi.string().valid(...WEBHOOK_EVENT_TYPES)).min(1).unique().required(),
  company_id: companyId,
});

/** GET /api/webhooks query. */
export const listWebhooksQuery = Joi.object({
  company_id: companyId,
  ...pagingQuery(['created_at'], 'created_at'),
});

/** GET /api/webhooks/:id/deliveries query. */
export const listDeliveriesQuery = Joi.object({
  status: Joi.string().valid(...WEBHOOK_DELIVERY_STATUSES),
  ...pagingQuery(['created_at'], 'created_at'),
});

/** POST /api/webhooks/:id/deliveries/:deliveryId/replay params. */
export const deliveryParams = Joi.object({ id: uuid.required(), deliveryId: uuid.required() });
