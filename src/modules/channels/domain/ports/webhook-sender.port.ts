/** One signed POST of an event to a subscriber. */
export interface WebhookRequest {
  url: string;
  secret: string;
  deliveryId: string;
  eventType: string;
  /** The exact bytes that are signed and sent. */
  body: string;
}

/** What one attempt gave: a 2xx, or why not. */
export type WebhookAttempt = { ok: true; statusCode: number } | { ok: false; statusCode?: number; error: string };

/** Sends one event webhook request (implemented over HTTP in infrastructure/webhooks). */
export interface WebhookSender {
  send(req: WebhookRequest, signal?: AbortSignal): Promise<WebhookAttempt>;
}
