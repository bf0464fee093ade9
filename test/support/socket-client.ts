import { io, type Socket } from 'socket.io-client';

/** Connects a real socket.io-client to a namespace; resolves on connect, rejects with the connect_error. */
export function connectSocket(baseUrl: string, namespace: string, opts: { token?: string; header?: string; query?: string } = {}): Promise<Socket> {
  const socket = io(`${baseUrl}${namespace}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: opts.token ? { token: opts.token } : undefined,
    extraHeaders: opts.header ? { Authorization: `Bearer ${opts.header}` } : undefined,
    query: opts.query ? { token: opts.query } : undefined,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Collects every payload of `event` a socket receives. */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Waits until `predicate` holds (polling), or fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
