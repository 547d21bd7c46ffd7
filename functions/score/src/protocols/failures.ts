import { answeringIn, failingWith } from '../metrics/score-metrics.js';
import { errorResponse, FunctionError, type HttpResponse, type Logger } from '../vendor/core/index.js';
import { v2Error } from './open-inference.js';
import { seldonError } from './seldon.js';

/**
 * Each protocol reports failures in its own shape, so its clients can read them: Open Inference
 * `{"error": "..."}`, Seldon a SeldonMessage `status`, everything else the project's
 * `{"error": {"code", "message", "retryable"}}`. The status is the same in all three: 4xx for a
 * request that will never succeed, 5xx (logged, no internals) for the function's own failures.
 */
export type Protocol = 'open-inference' | 'seldon' | 'score';

const INTERNAL = 'internal error; see the function log';

export function failure(protocol: Protocol, error: unknown, log: Logger): HttpResponse {
  failingWith(protocol, error);
  if (protocol === 'score') return errorResponse(error, log);
  const known = error instanceof FunctionError;
  if (!known) log.error('unexpected failure', { error });
  const status = known ? error.status : 500;
  const message = known ? error.message : INTERNAL;
  return protocol === 'open-inference' ? v2Error(status, message) : seldonError(status, message);
}

/** Runs one operation, answering any failure in the protocol's shape (never a crash). */
export function answerIn(protocol: Protocol, log: Logger, run: () => HttpResponse): HttpResponse {
  answeringIn(protocol);
  try {
    return run();
  } catch (error) {
    return failure(protocol, error, log);
  }
}
