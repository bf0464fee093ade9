import type { Namespace } from 'socket.io';

/** Counters of one namespace on this instance. */
export class NamespaceStats {
  eventsIn = 0;
  eventsOut = 0;

  constructor(readonly namespace: Namespace) {}

  /** Connected sockets, rooms (without each socket's own room) and events in and out, on this instance. */
  snapshot() {
    const ownRooms = this.namespace.sockets.size;
    return {
      connectedSockets: this.namespace.sockets.size,
      rooms: Math.max(this.namespace.adapter.rooms.size - ownRooms, 0),
      eventsIn: this.eventsIn,
      eventsOut: this.eventsOut,
    };
  }
}
