import type { Socket } from 'socket.io';
import Joi from 'joi';
import { AppError } from '../../../../../shared/errors/app-error';
import type { Ack, SocketErrorPayload } from './socket-events.types';
import type { NamespaceStats } from './namespace-stats';

/** A clear, public error payload for any failure (internals never leave the server). */
export function socketError(err: unknown, event?: string): SocketErrorPayload {
  if (err instanceof AppError) {
    const detail = err.errors?.length ? `: ${err.errors.map((e) => e.message).join('; ')}` : '';
    return { message: `${err.message}${detail}`, code: err.code, event };
  }
  if (err instanceof Joi.ValidationError) return { message: err.details.map((d) => d.message.replace(/"/g, "'")).join('; '), code: 'VALIDATION_ERROR', event };
  return { message: 'Internal error', code: 'INTERNAL_ERROR', event };
}

/** Emits `event` to the socket (counted) and answers the ack callback when the client gave one. */
export function reply(socket: Pick<Socket, 'emit'> | { emit: (...args: any[]) => unknown }, stats: NamespaceStats, event: string, payload: unknown, ack?: Ack, success = true): void {
  stats.eventsOut++;
  (socket.emit as (event: string, payload: unknown) => unknown)(event, payload);
  if (typeof ack === 'function') {
    const error = success ? undefined : (payload as SocketErrorPayload);
    ack(success ? { success, data: payload } : { success, error: error?.message, code: error?.code });
  }
}

/** Validates a client payload with Joi; throws Joi's error (turned into an error event by the caller). */
export function validatePayload<T>(schema: Joi.Schema, payload: unknown): T {
  const { value, error } = schema.validate(payload ?? {}, { abortEarly: false, convert: true });
  if (error) throw error;
  return value as T;
}

/** The ack argument of a handler, whichever position the client put it in. */
export function ackOf(args: unknown[]): Ack | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Ack) : undefined;
}
