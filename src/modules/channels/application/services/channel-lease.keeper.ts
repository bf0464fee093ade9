import type { Logger } from 'pino';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { ChannelLeases } from './channel-leases';
import type { ChannelRuntimeService } from './channel-runtime.service';

/**
 * Keeps this instance's share of the active channels with three independent loops, so a slow one
 * never holds up another: the renewal (every renewal period: renew the leases, stop channels whose
 * lease was lost), the watchdog (four times a period: stop channels whose lease is about to run
 * out unconfirmed) and the balance (every period: take free channels up to the fair share,
 * ceil(active / live instances), and hand back what is held above it). A channel's start can take
 * a minute (a WhatsApp Web browser); leases held meanwhile keep being renewed.
 */
export class ChannelLeaseKeeper {
  private timers: NodeJS.Timeout[] = [];
  private renewing?: Promise<unknown>;
  private balancing?: Promise<unknown>;
  /** Stops of channels whose lease went; not awaited by the loops (a browser can take seconds to close). */
  private readonly stops = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly leases: ChannelLeases,
    private readonly runtime: ChannelRuntimeService,
    private readonly channels: ChannelRepository,
    private readonly logger: Logger,
  ) {}

  /** Takes this instance's share at boot (announced to agents), then keeps it on timers. */
  async start(): Promise<{ started: number; failed: number }> {
    const { renewMs } = this.leases.timing;
    this.stopping = false;
    this.timers = [
      setInterval(() => (this.renewing ??= this.renewRound().finally(() => (this.renewing = undefined))), renewMs),
      setInterval(() => this.watchdog(), Math.max(25, Math.floor(renewMs / 4))),
      setInterval(() => (this.balancing ??= this.balance(false).finally(() => (this.balancing = undefined))), renewMs),
    ];
    for (const t of this.timers) t.unref();
    const boot = this.balance(true);
    this.balancing = boot.finally(() => (this.balancing = undefined));
    return boot;
  }

  /** Stops the timers (the runtime's stopAll then releases the leases); waits for rounds in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all([this.renewing, this.balancing, ...this.stops]);
  }

  /** Renews every held lease (with the channel's status); channels whose lease another instance now holds stop here. */
  private async renewRound(): Promise<void> {
    const lost = await this.leases.renew((id) => this.runtime.leaseStatus(id));
    for (const id of lost) this.stopLost(id, 'lease lost: channel stopped here');
  }

  // The lease is already given up; the stop runs on its own so the next renewal is not held back.
  private stopLost(channelId: string, why: string): void {
    this.logger.warn({ module: 'leases', operation: 'stop', channel_id: channelId }, why);
    const stop = this.runtime
      .stopLost(channelId)
      .catch((err) => this.logger.error({ module: 'leases', operation: 'stop', channel_id: channelId, err }, 'stop failed'))
      .finally(() => this.stops.delete(stop));
    this.stops.add(stop);
  }

  // Half a renewal period of margin: a healthy lease is confirmed again long before that.
  private watchdog(): void {
    for (const id of this.leases.expiring(Math.floor(this.leases.timing.renewMs / 2))) this.stopLost(id, 'lease not confirmed in time: channel stopped here');
  }

  /** One balance round: hand back channels above the fair share, then take free ones up to it. */
  async balance(announce: boolean): Promise<{ started: number; failed: number }> {
    let started = 0;
    let failed = 0;
    try {
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
        if (held >= fair || this.stopping) break;
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
      this.logger.warn({ module: 'leases', operation: 'balance', err }, 'lease round failed; retried next period');
    }
    return { started, failed };
  }
}
