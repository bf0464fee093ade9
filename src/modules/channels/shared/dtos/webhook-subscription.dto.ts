import type { WebhookDeliveryStatus, WebhookEventType } from '../../domain/entities/webhook.entity';

/** Body of POST /api/webhooks. */
export interface CreateWebhookDto {
  url: string;
  secret: string;
  event_types: WebhookEventType[];
  company_id?: number;
}

/** Query of GET /api/webhooks. */
export interface ListWebhooksQuery {
  company_id?: number;
  page: number;
  limit: number;
  sortBy: string;
  sortDir: 'asc' | 'desc';
}

/** Query of GET /api/webhooks/:id/deliveries. */
export interface ListDeliveriesQuery {
  status?: WebhookDeliveryStatus;
  page: number;
  limit: number;
  sortBy: string;
  sortDir: 'asc' | 'desc';
}
