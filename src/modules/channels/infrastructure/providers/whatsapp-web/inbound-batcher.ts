import type { InboundEvent, InboundStatusEvent } from '../../../domain/inbound-event';

const RANK: Record<InboundStatusEvent['status'], number> = { SENT: 1, DELIVERED: 2, READ: 3, FAILED: 4 };

/**
 * Debounces bursts of client events into one ingest call: events are collected for `windowMs` (or
 * until `maxBatch`), and the acks of one message collapse into the furthest one, so a burst of
 * 1-2-3 acks is one status write instead of three.
 */
export class InboundBatcher {
  private pending: InboundEvent[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly flushTo: (events: InboundEvent[]) => void,
    private readonly windowMs: number,
    private readonly maxBatch = 100,
  ) {}

  /** Queues one event; the batch goes out after the window or when it is full. */
  add(event: InboundEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.maxBatch || this.windowMs <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Hands over what is queued now (on stop, so nothing queued is lost). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = collapseAcks(this.pending);
    this.pending = [];
    if (events.length) this.flushTo(events);
  }
}

/** Keeps messages in order and, per message id, only the furthest status (FAILED wins: it is terminal). */
export function collapseAcks(events: InboundEvent[]): InboundEvent[] {
  const best = new Map<string, InboundStatusEvent>();
  for (const e of events) {
    if (e.kind !== 'status') continue;
    const seen = best.get(e.externalId);
    if (!seen || RANK[e.status] >= RANK[seen.status]) best.set(e.externalId, e);
  }
  return events.filter((e) => e.kind === 'message' || best.get(e.externalId) === e);
}
