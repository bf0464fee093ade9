/** The KPI window when none is asked for (the last 7 days), and the longest one allowed. */
export const KPI_DEFAULT_WINDOW_MS = 7 * 24 * 3600 * 1000;
export const KPI_MAX_WINDOW_MS = 366 * 24 * 3600 * 1000;

/** Message counts and response times of one channel in a window (by message timestamp). */
export interface ChannelKpiCounts {
  incoming: number;
  outgoing: number;
  /** Outgoing messages now DELIVERED or READ. */
  outgoingDelivered: number;
  /** Outgoing messages now SENT (not yet confirmed delivered). */
  outgoingSent: number;
  outgoingFailed: number;
  outgoingPending: number;
  /** Conversations whose first customer message in the window got an agent reply, and the mean wait for it. */
  conversationsAnswered: number;
  averageFirstResponseSeconds: number | null;
}

/** Reads the channel KPIs (port). */
export interface ChannelKpiRepository {
  countsFor(channelId: string, from: Date, to: Date): Promise<ChannelKpiCounts>;
}
