import type { Logger } from 'pino';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { ChannelLeases } from './channel-leases';
import type { ChannelRuntimeService } from './channel-runtime.service';

/**
 * Keeps this instance's share of the active channels: every renewal period it renews its leases
 * (stopping channels whose lease it lost), takes free channels up to its fair share
 * (ceil(active / live instances)) and hands back what it holds above it, so a dead instance's
 * channels move within one lease lifetime and a returning instance gets its share back.
 */
export class ChannelLeaseKeeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly leases: ChannelLeases,
    private readonly runtime: ChannelRuntimeService,
    private readonly channels: ChannelRepository,
    private readonly logger: Logger,
  ) {}

  /** Takes this instance's share at boot (announced to agents), then keeps it on a timer. */
  async start(): Promise<{ started: number; failed: number }> {
    const counts = await this.tick(true);
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick(false).then(() => undefined).finally(() => (this.running = undefined));
    }, this.leases.timing.renewMs);
    this.timer.unref();
    return counts;
  }

  /** Stops the timer (the runtime's stopAll then releases the leases); waits for a round in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: renew, drop what was lost, then take or hand back channels towards the fair share. */
  async tick(announce: boolean): Promise<{ started: number; failed: number }> {
    let started = 0;
    let failed = 0;
    try {
      const lost = await this.leases.renew((id) => this.runtime.leaseStatus(id));
      for (const id of lost) {
        this.logger.warn({ module: 'leases', operation: 'renew', channel_id: id }, 'lease lost: channel stopped here');
        await this.runtime.stopLost(id);
      }
      const live = await this.leases.heartbeat();
      const active = await this.channels.listActive();
      const owners = await this.leases.owners(active.map((c) => c.id));
      const fair = Math.ceil(active.length / Math.max(1, live.length));
      const mine = active.filter((c) => this.leases.holds(c.id));
      for (const channel of mine.slice(fair)) {
        this.logger.info({ module: 'leases', operation: 'rebalance', channel_id: channel.id, fair_share: fair, held: mine.length }, 'channel handed back for another instance');
        await this.runtime.stopChannel(channel, false);
      }
      let held = Math.min(mine.length, fair);
      for (const [i, channel] of active.entries()) {
        if (held >= fair) break;
        if (owners[i] || this.leases.holds(channel.id)) continue;
        try {
          await this.runtime.startChannel(channel, announce);
          held++;
          started++;
        } catch (err) {
          if (this.leases.holds(channel.id)) {
            held++;
            failed++;
            this.logger.error({ module: 'leases', operation: 'take', channel_id: channel.id, err }, 'channel failed to start');
          }
        }
      }
    } catch (err) {
      this.logger.warn({ module: 'leases', operation: 'tick', err }, 'lease round failed; retried next period');
    }
    return { started, failed };
  }
}
