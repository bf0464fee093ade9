import type { AuthUser } from '../../../../shared/auth/permissions';
import { KPI_DEFAULT_WINDOW_MS, type ChannelKpiCounts, type ChannelKpiRepository } from '../../domain/repositories/channel-kpi.repository.interface';
import type { CircuitBreakers } from '../services/outbound/circuit-breaker';
import type { ChannelUseCases } from './channel.use-cases';

/** The seed's KPIs of one channel over a time window. */
export interface ChannelKpis extends ChannelKpiCounts {
  channelId: string;
  from: Date;
  to: Date;
  /** Delivered or read among the outgoing messages that left PENDING; null when none did. */
  deliveryRate: number | null;
  availability: { isActive: boolean; runtimeStatus: string; circuit: 'closed' | 'open' | 'half_open' };
}

/** KPIs of a channel (delivery rate, first response time, availability, volume), tenant-scoped. */
export class ChannelMetricsUseCase {
  constructor(
    private readonly channels: ChannelUseCases,
    private readonly kpis: ChannelKpiRepository,
    private readonly circuits: CircuitBreakers,
  ) {}

  async of(user: AuthUser, id: string, window: { from?: Date; to?: Date }): Promise<ChannelKpis> {
    // The runner's state as any instance sees it (the lease), not only this instance's providers.
    const { channel, runtime } = await this.channels.getWithStatus(user, id);
    const to = window.to ?? new Date();
    const from = window.from ?? new Date(to.getTime() - KPI_DEFAULT_WINDOW_MS);
    const counts = await this.kpis.countsFor(channel.id, from, to);
    const settled = counts.outgoingDelivered + counts.outgoingSent + counts.outgoingFailed;
    return {
      channelId: channel.id,
      from,
      to,
      ...counts,
      deliveryRate: settled ? counts.outgoingDelivered / settled : null,
      availability: { isActive: channel.isActive, runtimeStatus: runtime.state, circuit: this.circuits.stateOf(channel.id) },
    };
  }
}
