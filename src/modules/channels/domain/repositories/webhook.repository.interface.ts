import type { OrderedWebhookEvent, WebhookDeliveryEntity, WebhookEvent, WebhookDeliveryStatus, WebhookEventType, WebhookSubscriptionEntity } from '../entities/webhook.entity';
import type { Page, PageRequest } from './pagination';

/** What creating a subscription needs; the secret is encrypted by the repository. */
export interface NewWebhookSubscription {
  companyId: number;
  url: string;
  secret: string;
  eventTypes: WebhookEventType[];
}

/** Subscriptions of companies. `companyId` undefined means any company (superadmin). */
export interface WebhookSubscriptionRepository {
  create(input: NewWebhookSubscription): Promise<WebhookSubscriptionEntity>;
  findById(id: string, companyId?: number): Promise<WebhookSubscriptionEntity | null>;
  list(companyId: number | undefined, page: PageRequest): Promise<Page<WebhookSubscriptionEntity>>;
  /** Removes the subscription and its deliveries. */
  delete(id: string): Promise<void>;
  /** The decrypted signing secret and URL, for the worker only. */
  findTarget(id: string): Promise<{ url: string; secret: string } | null>;
  /** The event types any subscription of the company listens to (empty: none). */
  eventTypesOf(companyId: number): Promise<string[]>;
}

/** A delivery the worker holds a lease on. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  eventType: string;
  payload: WebhookEvent;
  attempts: number;
  leaseToken: string;
}

/** The outcome of one attempt, stored under the lease that made it. */
export type DeliveryOutcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'retry'; error: string; statusCode?: number; delayMs: number }
  | { kind: 'dead'; error: string; statusCode?: number };

/** The durable delivery queue (PostgreSQL, embedded or not). */
export interface WebhookDeliveryRepository {
  /**
   * Stores one delivery per subscription of each event's company that wants its type, in the events'
   * order, in one statement (a delivery already stored for the event is kept); returns how many.
   */
  enqueue(events: OrderedWebhookEvent[]): Promise<number>;
  /**
   * Leases up to `limit` due deliveries for `leaseMs` (counting the attempt). Only the first
   * unfinished delivery of each (subscription, ordering key) is claimable, and rows another worker
   * holds are skipped, so a delivery is never sent by two workers at once.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Stores an attempt's outcome if the lease is still ours; false when it was lost. */
  settle(delivery: ClaimedDelivery, outcome: DeliveryOutcome): Promise<boolean>;
  /** Gives a lease back without counting the attempt (a stop cut the request short). */
  release(delivery: ClaimedDelivery): Promise<void>;
  list(subscriptionId: string, status: WebhookDeliveryStatus | undefined, page: PageRequest): Promise<Page<WebhookDeliveryEntity>>;
  /** A finished (delivered or dead) delivery becomes pending again with no attempts; null if not found, false if still pending. */
  replay(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryEntity | null | false>;
}
