/** Event types a company can subscribe an outgoing webhook to. */
export const WEBHOOK_EVENT_TYPES = ['message.received', 'message.status', 'conversation.created', 'conversation.updated', 'channel.status'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
/** pending: waiting or being retried; delivered: a 2xx answer; dead: gave up after the last attempt (replayable). */
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** A company's subscription; the secret stays encrypted in the repository and never reaches an entity. */
export interface WebhookSubscriptionEntity {
  id: string;
  companyId: number;
  url: string;
  eventTypes: WebhookEventType[];
  createdAt: Date;
  updatedAt: Date;
}

/** One event, as POSTed to every matching subscription (the delivery body). */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  created_at: string;
  company_id: number;
  data: Record<string, unknown>;
}

/** An event with the key that orders its deliveries (one conversation, or one channel). */
export interface OrderedWebhookEvent {
  event: WebhookEvent;
  orderingKey: string;
}

/** One event for one subscription, with its delivery history. */
export interface WebhookDeliveryEntity {
  id: string;
  subscriptionId: string;
  companyId: number;
  eventId: string;
  eventType: string;
  payload: WebhookEvent;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lastStatusCode: number | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
