import type { Socket } from 'socket.io';
import Joi from 'joi';
import { AppError } from '../../../../../shared/errors/app-error';
import type { Ack, SocketErrorPayload } from './socket-events.types';
import type { NamespaceStats } from './namespace-stats';
import { SocketRateLimiter } from './socket-rate-limiter';

/** Where unexpected gateway errors are logged (set once by the gateway). */
let internalErrorLogger: ((err: unknown, event?: string) => void) | undefined;

/** Sets the logger of unexpected gateway errors. */
export function setInternalErrorLogger(log: (err: unknown, event?: string) => void): void {
  internalErrorLogger = log;
}

/** A clear, public error payload for any failure (internals never leave the server; they are logged). */
export function socketError(err: unknown, event?: string): SocketErrorPayload {
  if (err instanceof AppError) {
    const detail = err.errors?.length ? `: ${err.errors.map((e) => e.message).join('; ')}` : '';
    return { message: `${err.message}${detail}`, code: err.code, event };
  }
  if (err instanceof Joi.ValidationError) return { message: err.details.map((d) => d.message.replace(/"/g, "'")).join('; '), code: 'VALIDATION_ERROR', event };
  internalErrorLogger?.(err, event);
  return { message: 'Internal error', code: 'INTERNAL_ERROR', event };
}

/** Emits `event` to the socket (counted) and answers the ack callback when the client gave one. */
export function reply(socket: Pick<Socket, 'emit'> | { emit: (...args: any[]) => unknown }, stats: NamespaceStats, event: string, payload: unknown, ack?: Ack, success = true): void {
  stats.eventsOut++;
  (socket.emit as (event: string, payload: unknown) => unknown)(event, payload);
  if (typeof ack === 'function') {
    const error = success ? undefined : (payload as SocketErrorPayload);
    const data = (payload as { data?: unknown }).data;
    ack(success ? { success, data: payload } : { success, error: error?.message, code: error?.code, ...(data === undefined ? {} : { data }) });
  }
}

/** Validates a client payload with Joi; throws Joi's error (turned into an error event by the caller). */
export function validatePayload<T>(schema: Joi.Schema, payload: unknown): T {
  // abortEarly: a payload with thousands of bad keys must cost one error, not thousands.
  const { value, error } = schema.validate(payload ?? {}, { abortEarly: true, convert: true });
  if (error) throw error;
  return value as T;
}

/** Any event beyond this per-socket rate is dropped with an error answer (send_message has a stricter limit of its own). */
export const EVENT_RATE = { perSecond: 50, burst: 100 };

/**
 * Counts every incoming event and drops those over the socket's event rate, answering `errorEvent`
 * (and the ack) with RATE_LIMITED: one flooding socket cannot take the server from the others.
 */
export function guardEvents(socket: Pick<Socket, 'use' | 'emit'>, stats: NamespaceStats, errorEvent: string): void {
  const limiter = new SocketRateLimiter(EVENT_RATE.perSecond, EVENT_RATE.burst);
  socket.use((packet, next) => {
    stats.eventsIn++;
    const event = String(packet[0]).slice(0, 64);
    const ack = ackOf(packet.slice(1));
    if (!limiter.tryTake()) return reply(socket, stats, errorEvent, { message: 'Too many events: slow down', code: 'RATE_LIMITED', event }, ack, false);
    const problem = payloadProblem(packet.slice(1).filter((a) => typeof a !== 'function'));
    if (problem) return reply(socket, stats, errorEvent, { message: problem, code: 'INVALID_PAYLOAD', event }, ack, false);
    next();
  });
}

/** Client payloads are small flat objects: anything deeper, wider or binary is refused before any handler sees it. */
const PAYLOAD_LIMITS = { depth: 4, keys: 50 };

/**
 * Why a packet's arguments are refused, or undefined. Walks without recursion: hostile depth must
 * neither overflow the stack here nor reach socket.io's recursive encoder in a reply.
 */
export function payloadProblem(args: unknown[]): string | undefined {
  const stack: { value: unknown; depth: number }[] = args.map((value) => ({ value, depth: 0 }));
  let keys = 0;
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'Binary payloads are not accepted';
    if (depth >= PAYLOAD_LIMITS.depth) return `Payload is nested more than ${PAYLOAD_LIMITS.depth} levels deep`;
    const entries = Object.values(value);
    keys += entries.length;
    if (keys > PAYLOAD_LIMITS.keys) return `Payload has more than ${PAYLOAD_LIMITS.keys} fields`;
    for (const v of entries) stack.push({ value: v, depth: depth + 1 });
  }
  return undefined;
}

/** The ack argument of a handler, whichever position the client put it in. */
export function ackOf(args: unknown[]): Ack | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Ack) : undefined;
}
