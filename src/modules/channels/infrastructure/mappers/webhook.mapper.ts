import type { WebhookDeliveryEntity, WebhookSubscriptionEntity } from '../../domain/entities/webhook.entity';

// Fields are listed on purpose: the secret (and its ciphertext) can never leak into a response.

/** Event webhook subscription as the API returns it: the secret is write-only, `secret_set` says it is there. */
export function toWebhookSubscriptionDto(s: WebhookSubscriptionEntity) {
  return {
    id: s.id,
    company_id: s.companyId,
    url: s.url,
    event_types: s.eventTypes,
    secret_set: true,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

/** One delivery with its attempts and last error. */
export function toWebhookDeliveryDto(d: WebhookDeliveryEntity) {
  return {
    id: d.id,
    subscription_id: d.subscriptionId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    last_error: d.lastError,
    last_status_code: d.lastStatusCode,
    next_attempt_at: d.status === 'pending' ? d.nextAttemptAt : null,
    delivered_at: d.deliveredAt,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    payload: d.payload,
  };
}
