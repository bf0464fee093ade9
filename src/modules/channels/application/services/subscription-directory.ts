import type { Logger } from 'pino';

/** Where the directory reads a company's subscribed event types. */
export interface SubscribedTypesSource {
  eventTypesOf(companyId: number): Promise<string[]>;
}

/** Companies remembered at most; past it the directory starts over. */
const MAX_COMPANIES = 10_000;

/**
 * Which event types each company has event webhook subscriptions for, remembered for a while so the
 * publisher can skip building and storing deliveries nobody listens to (most companies have none,
 * and at full speed that was a JSON copy and an INSERT per event). A company not known yet, or
 * being re-read after a change, counts as subscribed: the INSERT ... JOIN then decides, as before.
 * A subscription change here or on another instance (cluster notice) forgets the company at once;
 * the time-to-live only bounds a missed notice.
 */
export class SubscriptionDirectory {
  private readonly known = new Map<number, { at: number; types: Set<string> }>();
  /** Bumped by every change notice of the company, so a read that started before it is not kept. */
  private readonly generations = new Map<number, number>();
  private readonly loading = new Set<number>();

  constructor(
    private readonly source: SubscribedTypesSource,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** False only when the company is known to have no subscription for this event type. */
  covers(companyId: number, type: string): boolean {
    if (this.ttlMs <= 0) return true;
    const entry = this.known.get(companyId);
    if (entry && Date.now() - entry.at < this.ttlMs) return entry.types.has(type);
    this.load(companyId);
    return true;
  }

  /** A subscription of the company was created or removed (here or on another instance). */
  forget(companyId: number): void {
    this.known.delete(companyId);
    this.generations.set(companyId, (this.generations.get(companyId) ?? 0) + 1);
  }

  private load(companyId: number): void {
    if (this.loading.has(companyId)) return;
    this.loading.add(companyId);
    const generation = this.generations.get(companyId) ?? 0;
    this.source.eventTypesOf(companyId).then(
      (types) => {
        this.loading.delete(companyId);
        if ((this.generations.get(companyId) ?? 0) !== generation) return;
        if (this.known.size >= MAX_COMPANIES) this.known.clear();
        this.known.set(companyId, { at: Date.now(), types: new Set(types) });
      },
      (err: unknown) => {
        this.loading.delete(companyId);
        this.logger.warn({ module: 'event-webhooks', operation: 'subscriptions', company_id: companyId, err }, 'subscriptions not read; events recorded for every subscription');
      },
    );
  }
}
