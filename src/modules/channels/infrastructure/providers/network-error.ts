/** Socket error codes raised after the request may have reached the provider: it may have been sent. */
const MAYBE_DELIVERED = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ERR_CANCELED', 'ESOCKETTIMEDOUT']);

/** True when a network error leaves a send's outcome unknown (timeout, reset), false when the request surely never arrived (refused, DNS). */
export function outcomeUnknown(code: string | undefined): boolean {
  return code !== undefined && MAYBE_DELIVERED.has(code);
}
