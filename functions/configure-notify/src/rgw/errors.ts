/**
 * RGW's failures, made deliberate: refused credentials are a 403 that says which variables to check,
 * an unreachable or failing RGW is a 503 (worth retrying), a request RGW rejects is a 422 naming
 * RGW's error code. Messages never carry request content (endpoints may hold passwords).
 */
import { FunctionError } from '../vendor/core/index.js';
import { XmlError } from './xml.js';

/** An error answer from RGW (S3 or SNS API), read from its body by rgw/raw.ts. */
export class RgwError extends Error {
  override readonly name: string;
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: 'client' | 'server';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly rgwMessage: string,
    readonly requestId?: string,
  ) {
    super(`RGW answered ${status} ${code}${rgwMessage ? `: ${rgwMessage}` : ''}`);
    // The SDK's retry strategy reads these: 5xx and throttling are retried, the rest are not.
    this.name = code;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

const CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AuthorizationHeaderMalformed', 'RequestTimeTooSkewed', 'InvalidToken', 'ExpiredToken']);
const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|socket hang up|TimeoutError|RequestTimeout/i;

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as ErrorShape).cause, depth++) {
    const shape = e as ErrorShape;
    const hit = [shape.code, shape.name, shape.message].find((v) => typeof v === 'string' && NETWORK.test(v));
    if (hit) return NETWORK.exec(hit)?.[0];
  }
  return undefined;
}

/** Maps anything an RGW call threw to a FunctionError; `what` says what was being done. */
export function rgwFailure(error: unknown, what: string): FunctionError {
  if (error instanceof FunctionError) return error;
  const opts = { cause: error };
  if (error instanceof XmlError) return new FunctionError(502, 'rgw_bad_response', `${what}: RGW answered something that is not the expected XML`, undefined, opts);
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ErrorShape;
  const status = error instanceof RgwError ? error.status : shape.$metadata?.httpStatusCode;
  const code = error instanceof RgwError ? error.code : (shape.name ?? 'Error');
  const detail = error instanceof RgwError && error.rgwMessage ? `: ${error.rgwMessage}` : '';
  if (status === undefined) {
    const net = networkCode(error);
    if (net) return new FunctionError(503, 'rgw_unavailable', `${what}: RGW is unreachable (${net})`, undefined, opts);
    if (/credential/i.test(shape.message ?? '')) {
      return new FunctionError(403, 'rgw_credentials_missing', `${what}: no RGW credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, undefined, opts);
    }
    return new FunctionError(503, 'rgw_unavailable', `${what}: RGW did not answer (${code})`, undefined, opts);
  }
  if (CREDENTIALS.has(code) || status === 401) {
    return new FunctionError(403, 'rgw_credentials_refused', `${what}: RGW refused the credentials (${code}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, undefined, opts);
  }
  if (status === 403) {
    return new FunctionError(403, 'rgw_access_denied', `${what}: RGW denied access (${code}): the RGW user lacks the permission, or the credentials are wrong`, undefined, opts);
  }
  if (code === 'NoSuchBucket') return new FunctionError(404, 'bucket_not_found', `${what}: the bucket does not exist`, undefined, opts);
  if (status >= 500 || status === 429 || status === 408 || code === 'SlowDown' || code === 'Throttling') {
    return new FunctionError(503, 'rgw_unavailable', `${what}: RGW failed (${status} ${code}); try again`, undefined, opts);
  }
  return new FunctionError(422, 'rgw_rejected', `${what}: RGW rejected the request (${status} ${code}${detail})`, undefined, opts);
}
