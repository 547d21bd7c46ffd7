import { FunctionError } from './errors.js';
import type { Logger } from './log.js';

/**
 * The response shape faas-js-runtime sends as is. Functions always return this (or a CloudEvent)
 * rather than throwing: the runtime maps a thrown error's numeric `code` to the status and
 * otherwise answers 500 with the raw message, which would both retry permanent failures and leak internals.
 */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...JSON_TYPE, ...headers }, body };
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; retryable: boolean };
}

/** Maps any failure to a deliberate response; unexpected errors become an opaque 500 and are logged. */
export function errorResponse(error: unknown, log?: Logger): HttpResponse {
  if (error instanceof FunctionError) {
    const body: ErrorBody = {
      error: { code: error.code, message: error.message, retryable: error.retryable, ...(error.details === undefined ? {} : { details: error.details }) },
    };
    return jsonResponse(error.status, body, { ...error.headers });
  }
  log?.error('unexpected failure', { error });
  const body: ErrorBody = { error: { code: 'internal', message: 'internal error; see the function log', retryable: true } };
  return jsonResponse(500, body);
}
