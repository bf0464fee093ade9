/** Notices between instances of the service (Socket.IO server-side events over the Redis adapter). */
export interface ClusterBus {
  /** Tells the other instances that a channel's stored state changed (credentials, active, deleted). */
  channelChanged(channelId: string): void;
}
