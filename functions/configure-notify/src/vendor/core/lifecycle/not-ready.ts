// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
import { FunctionError } from '../errors.js';
import { errorResponse, type HttpResponse } from '../http.js';

/**
 * The answer to a call that arrives before init finished or after shutdown began: 503, which Knative
 * retries (the event is not lost), in the body shape of every other error.
 */
export function notReadyResponse(reason: string): HttpResponse {
  return errorResponse(new FunctionError(503, 'not_ready', reason));
}
