/**
 * The path a request was sent to. faas-js-runtime routes only `/`, so the server entry
 * (runtime/serve.ts) hands every other path to `/` and carries the original in this header; a value
 * a client sent under the same name is removed first, so `handle` can trust it.
 */
import type { InvocationContext } from '../lifecycle/context.js';

export const REQUEST_PATH_HEADER = 'x-bucket-ml-request-path';

/** The part of the invocation context requestPath reads. */
export type RequestHeaders = Pick<InvocationContext, 'headers'>;

/**
 * The path of the request `handle` was called for, as the client sent it (percent-encoding kept,
 * query string removed: that is `context.query`). `/` for a request to `/`, and when the function
 * runs without the entry (plain `faas-js-runtime`, unit tests calling `handle`).
 */
export function requestPath(context: RequestHeaders): string {
  const value = context.headers?.[REQUEST_PATH_HEADER];
  return typeof value === 'string' && value.startsWith('/') ? value : '/';
}
