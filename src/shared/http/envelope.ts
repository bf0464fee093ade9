import type { FieldError } from '../errors/app-error';

/** Success body of every endpoint. */
export interface SuccessEnvelope<T> {
  success: true;
  message: string;
  data: T;
}

/** Pagination block of list responses. */
export interface Pagination {
  total: number;
  page: number;
  limit: number;
  totalPages: number;
}

/** Wraps data in the success envelope. */
export function ok<T>(data: T, message = 'OK'): SuccessEnvelope<T> {
  return { success: true, message, data };
}

/** Wraps a page of items with its pagination block. */
export function paginated<T>(items: T[], total: number, page: number, limit: number, message = 'OK') {
  const pagination: Pagination = { total, page, limit, totalPages: Math.ceil(total / limit) };
  return ok({ items, pagination }, message);
}

/** Error body: the same shape for every 4xx and 5xx. */
export function errorBody(statusCode: number, message: string, extra?: { code?: string; errors?: FieldError[]; requestId?: string } & Record<string, unknown>) {
  return { success: false as const, message, data: null, statusCode, ...extra };
}
