import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling one request carries. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it starts asynchronously) inside the context of one request. */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The id of the request being handled here, if any (pino's mixin puts it on every line). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
