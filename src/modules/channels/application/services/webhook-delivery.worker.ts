import type { Logger } from 'pino';
import type { WebhookEvent } from '../../domain/entities/webhook.entity';
import type { WebhookAttempt, WebhookSender } from '../../domain/ports/webhook-sender.port';
import type { ClaimedDelivery, DeliveryOutcome, WebhookDeliveryRepository, WebhookSubscriptionRepository } from '../../domain/repositories/webhook.repository.interface';
import { nextRetryDelayMs, type WebhookRetryPolicy } from '../../domain/webhook-retry.rule';

/** Settings of the delivery worker. */
export interface WebhookWorkerOptions {
  retry: WebhookRetryPolicy;
  /** How often an idle worker looks for due deliveries (new events wake it at once on this instance). */
  pollIntervalMs: number;
  /** How long a claim holds a delivery; longer than the request timeout, so it never runs out mid-request. */
  leaseMs: number;
  /** Deliveries claimed and sent concurrently per round. */
  batchSize: number;
}

/** The delivery body, keys in the documented order (the stored JSONB reorders them). */
export function deliveryBody(event: WebhookEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at, company_id: event.company_id, data: event.data });
}

/** What an attempt means for the delivery: delivered, retried later, or dead after the last attempt. */
export function outcomeOf(attempt: WebhookAttempt, attempts: number, retry: WebhookRetryPolicy): DeliveryOutcome {
  if (attempt.ok) return { kind: 'delivered', statusCode: attempt.statusCode };
  if (attempts >= retry.maxAttempts) return { kind: 'dead', error: attempt.error, statusCode: attempt.statusCode };
  return { kind: 'retry', error: attempt.error, statusCode: attempt.statusCode, delayMs: nextRetryDelayMs(attempts, retry) };
}

/**
 * Sends stored event webhook deliveries. Runs on every instance: claims are leased in the
 * database, so instances share the queue without sending a delivery twice. `stop` stops claiming,
 * lets in-flight requests finish until a deadline, then cancels the rest and gives their leases back.
 */
export class WebhookDeliveryWorker {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly inFlight = new Map<string, AbortController>();

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly sender: WebhookSender,
    private readonly options: WebhookWorkerOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New deliveries were stored: stop waiting for the next poll. */
  kick(): void {
    this.wake?.();
  }

  /** Claims one batch and sends it; returns how many deliveries were claimed. */
  async runOnce(): Promise<number> {
    const batch = await this.deliveries.claim(this.options.batchSize, this.options.leaseMs);
    await Promise.all(batch.map((d) => this.deliver(d)));
    return batch.length;
  }

  async stop(deadlineMs: number): Promise<void> {
    this.running = false;
    this.wake?.();
    const finished = this.loop ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), deadlineMs)));
    const late = await Promise.race([finished.then(() => false), timedOut]);
    clearTimeout(timer);
    if (!late) return;
    this.logger.warn({ module: 'event-webhooks', operation: 'stop', in_flight: this.inFlight.size }, 'stop deadline passed, cancelling in-flight deliveries');
    for (const controller of this.inFlight.values()) controller.abort();
    await finished;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.runOnce();
      } catch (err) {
        this.logger.warn({ module: 'event-webhooks', operation: 'claim', err }, 'could not claim deliveries');
      }
      // A full batch means more may be due: go on at once; otherwise wait for a poll or a kick.
      if (this.running && claimed < this.options.batchSize) await this.idle(this.options.pollIntervalMs);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const controller = new AbortController();
    this.inFlight.set(delivery.id, controller);
    const started = Date.now();
    const log = { module: 'event-webhooks', operation: 'deliver', delivery_id: delivery.id, subscription_id: delivery.subscriptionId, event_type: delivery.eventType, attempt: delivery.attempts };
    try {
      // A deleted subscription took its deliveries with it: nothing left to send.
      const target = await this.subscriptions.findTarget(delivery.subscriptionId);
      if (!target) return;
      const attempt = await this.sender.send({ url: target.url, secret: target.secret, deliveryId: delivery.id, eventType: delivery.eventType, body: deliveryBody(delivery.payload) }, controller.signal);
      if (controller.signal.aborted) {
        await this.deliveries.release(delivery);
        return;
      }
      const outcome = outcomeOf(attempt, delivery.attempts, this.options.retry);
      const kept = await this.deliveries.settle(delivery, outcome);
      const fields = { ...log, duration_ms: Date.now() - started, success: attempt.ok, status_code: attempt.ok ? attempt.statusCode : attempt.statusCode, outcome: outcome.kind, lease_kept: kept };
      if (outcome.kind === 'dead') this.logger.warn(fields, 'event webhook delivery is dead');
      else this.logger.info(fields, 'event webhook attempt');
    } catch (err) {
      this.logger.error({ ...log, err }, 'event webhook delivery failed unexpectedly');
    } finally {
      this.inFlight.delete(delivery.id);
    }
  }
}
