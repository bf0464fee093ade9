import type { StatusUpdate } from './message.repository.interface';

/** Statuses that came before their message's provider id was stored (port). */
export interface OrphanStatusRepository {
  /**
   * Keeps the status for later unless an outgoing message of the channel already has that provider
   * id ('known': the caller applies it now), also when that id was stored while it was being kept:
   * a status is either taken by `take` or answered 'known', never left behind.
   */
  parkUnlessKnown(channelId: string, externalId: string, update: StatusUpdate): Promise<'parked' | 'known'>;
  /** Removes and returns the statuses kept for that provider id, oldest first. */
  take(channelId: string, externalId: string): Promise<StatusUpdate[]>;
  /** take for many provider ids at once (one statement): the statuses of each, in order. */
  takeMany(keys: { channelId: string; externalId: string }[]): Promise<StatusUpdate[][]>;
}
