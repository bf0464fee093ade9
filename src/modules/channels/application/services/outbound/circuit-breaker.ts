/** A change of a channel's circuit, reported to agents as `channel.status.updated`. */
export type CircuitChange = 'circuit_open' | 'circuit_closed';

interface Circuit {
  failures: number;
  state: 'closed' | 'open' | 'half_open';
  openedAt: number;
  probeAt: number;
}

/**
 * One circuit per channel, per instance: after `threshold` consecutive retryable failures the
 * channel's sends wait `cooldownMs`, then one probe goes; its success closes the circuit, its
 * failure opens it again. Kept in memory: each instance learns the provider's state from its own sends.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly options: { threshold: number; cooldownMs: number },
    private readonly onChange: (channelId: string, change: CircuitChange) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when a send of the channel may go now; otherwise the milliseconds to wait. */
  admit(channelId: string): number {
    const c = this.circuits.get(channelId);
    if (!c || c.state === 'closed') return 0;
    const now = this.now();
    const { cooldownMs } = this.options;
    // One probe at a time; a probe that never reported back (crash) is replaced after another cool-down.
    const ready = c.state === 'open' ? c.openedAt + cooldownMs : c.probeAt + cooldownMs;
    if (now < ready) return ready - now;
    c.state = 'half_open';
    c.probeAt = now;
    return 0;
  }

  /** The provider answered (sent, or refused for good): the circuit closes. */
  success(channelId: string): void {
    const c = this.circuits.get(channelId);
    if (!c) return;
    this.circuits.delete(channelId);
    if (c.state !== 'closed') this.onChange(channelId, 'circuit_closed');
  }

  /** A retryable failure (unreachable, 5xx, throttled). */
  failure(channelId: string): void {
    const c = this.circuits.get(channelId) ?? { failures: 0, state: 'closed' as const, openedAt: 0, probeAt: 0 };
    this.circuits.set(channelId, c);
    c.failures++;
    if (c.state === 'half_open' || (c.state === 'closed' && c.failures >= this.options.threshold)) {
      const wasClosed = c.state === 'closed';
      c.state = 'open';
      c.openedAt = this.now();
      if (wasClosed) this.onChange(channelId, 'circuit_open');
    }
  }

  /** The circuit's state (for tests and health). */
  stateOf(channelId: string): Circuit['state'] {
    return this.circuits.get(channelId)?.state ?? 'closed';
  }
}
