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
