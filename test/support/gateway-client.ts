import { Manager, io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

/** Where the token goes (as in connectSocket), plus raw socket.io-client options and a hook run before connecting. */
export interface OpenSocketOptions {
  token?: string;
  header?: string;
  query?: string;
  /** Extra socket.io-client options (e.g. reconnection for recovery tests). */
  client?: Partial<ManagerOptions & SocketOptions>;
  /** Runs on the socket before it connects: attach listeners for events the server sends on connect. */
  before?: (socket: Socket) => void;
}

const open = new Set<Socket>();

/** Creates a socket (not connected yet, tracked for closeOpenSockets) to a namespace of the app. */
export function createSocket(baseUrl: string, namespace: string, opts: OpenSocketOptions = {}): Socket {
  const socket = io(`${baseUrl}${namespace}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
    auth: opts.token ? { token: opts.token } : undefined,
    extraHeaders: opts.header ? { Authorization: `Bearer ${opts.header}` } : undefined,
    query: opts.query ? { token: opts.query } : undefined,
    ...opts.client,
  });
  open.add(socket);
  opts.before?.(socket);
  return socket;
}

/**
 * Connects a real socket.io-client (like connectSocket), with listeners attached before the
 * handshake so events the server sends on connect are not missed; rejects with the connect_error.
 */
export function openSocket(baseUrl: string, namespace: string, opts: OpenSocketOptions = {}): Promise<Socket> {
  const socket = createSocket(baseUrl, namespace, opts);
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      socket.off('connect_error', onError);
      resolve(socket);
    };
    const onError = (err: Error) => {
      socket.off('connect', onConnect);
      socket.close();
      open.delete(socket);
      reject(err);
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
    socket.connect();
  });
}

/** Closes every socket opened through this module (call in afterEach/afterAll). */
export function closeOpenSockets(): void {
  for (const socket of open) socket.close();
  open.clear();
}

/** Emits `event` with `args` and an ack callback; resolves with the ack's answer or fails after `timeoutMs`. */
export function emitWithAck<T = any>(socket: Socket, event: string, args: unknown[] = [], timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.emit(event, ...args, (answer: T) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** The next payload of `event` on the socket, or a failure after `timeoutMs`. */
export function nextEvent<T = any>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, on);
  });
}

/** Resolves with the reason of the socket's next disconnect, or fails after `timeoutMs`. */
export function nextDisconnect(socket: Socket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket not disconnected within ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** One event a socket received, in arrival order. */
export interface Received {
  event: string;
  payload: any;
}

/** Records every event a socket receives (names and payloads, in order). */
export class EventLog {
  readonly all: Received[] = [];

  constructor(socket: Socket) {
    socket.onAny((event: string, payload: unknown) => this.all.push({ event, payload }));
  }

  names(): string[] {
    return this.all.map((r) => r.event);
  }

  of(event: string): any[] {
    return this.all.filter((r) => r.event === event).map((r) => r.payload);
  }

  clear(): void {
    this.all.length = 0;
  }
}

/** Waits `ms` (to let events that should not arrive have a chance to). */
export function settle(ms = 250): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`'s value, or `fallback` after `ms` (the timer is cleared either way, so no handle stays open). */
export async function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sockets to several namespaces multiplexed over ONE connection (what a browser gets from
 * `io(url + '/channel')`, `io(url + '/message')`, ... by default); tracked for closeOpenSockets.
 */
export async function openMultiplexed(baseUrl: string, namespaces: string[], token?: string): Promise<Socket[]> {
  const manager = new Manager(baseUrl, { transports: ['websocket'], reconnection: false });
  const sockets = namespaces.map((ns) => manager.socket(ns, { auth: token ? { token } : {} }));
  for (const socket of sockets) open.add(socket);
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
          socket.connect();
        }),
    ),
  );
  return sockets;
}
