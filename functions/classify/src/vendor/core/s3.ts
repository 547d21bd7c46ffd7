// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { FunctionError } from './errors.js';

/**
 * The AWS SDK's own variables, so a function configured for AWS S3 works unchanged against RGW.
 * Credentials are left to the SDK's default chain (it reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
 */
export const s3EnvSchema = z.object({
  AWS_ENDPOINT_URL_S3: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** RGW serves buckets by path unless wildcard DNS is set up for virtual hosts; path style is the safe default. */
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
export type S3Env = z.output<typeof s3EnvSchema>;

export function s3Endpoint(env: S3Env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
}

/** How to reach an S3 endpoint; everything else (RGW's quirks) is decided by `s3ClientFor`. */
export interface S3Connection {
  /** Omit for AWS itself. */
  endpoint?: string | undefined;
  region?: string;
  /** Default true: RGW serves buckets by path unless wildcard DNS is set up. */
  forcePathStyle?: boolean;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
  requestTimeoutMs?: number;
}

/** The one place that knows what an S3 client needs to work against Ceph RGW as well as AWS. */
export function s3ClientFor(c: S3Connection): S3Client {
  // Node 20 is this project's runtime; the SDK's notice about a future Node 22 requirement would
  // otherwise land in every function's log as an unstructured stderr block.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: c.region ?? 'us-east-1',
    forcePathStyle: c.forcePathStyle ?? true,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    ...(c.credentials ? { credentials: c.credentials } : {}),
    // RGW 16 rejects the SDK's default aws-chunked uploads with checksum trailers (411 MissingContentLength).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: c.maxAttempts ?? 3,
    ...(c.requestTimeoutMs ? { requestHandler: { connectionTimeout: 5_000, requestTimeout: c.requestTimeoutMs } } : {}),
  });
}

export function createS3Client(env: S3Env): S3Client {
  return s3ClientFor({ endpoint: s3Endpoint(env), region: env.AWS_REGION, forcePathStyle: env.S3_FORCE_PATH_STYLE });
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const GONE = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden']);
/** 4xx answers that mean "not now": a request timeout, a conflicting operation in progress, throttling. */
const TRANSIENT_4XX = new Set([408, 409, 429]);

/**
 * Classifies an S3 failure by what a retry can change, with statuses Knative reads the same way: it
 * retries 5xx, 404, 408, 409 and 429 and nothing else, so permanent failures must avoid all of those.
 * - gone (no such key, version or bucket): 410, final; an event for a deleted object stays unanswerable.
 * - denied: 403, final; a missing grant or wrong key is fixed by an operator, not by a retry seconds
 *   later (the dead-letter sink keeps the event for a replay after the fix).
 * - changed since the event (If-Match/If-None-Match): 412, final.
 * - any other 4xx: 422 `storage_rejected`, final; the store says this request will never work as sent.
 * - 408/409/429, 5xx, timeouts, refused connections: 503, retried.
 */
export function s3Failure(error: unknown, what: string): FunctionError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = e.name ?? e.Code ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const opts = { cause: error };
  if (name === 'NoSuchBucket') return new FunctionError(410, 'bucket_gone', `${what}: the bucket does not exist`, undefined, opts);
  if (GONE.has(name) || status === 404) {
    return new FunctionError(410, 'object_gone', `${what}: the object does not exist (any more)`, undefined, opts);
  }
  if (DENIED.has(name) || status === 403) {
    return new FunctionError(403, 'access_denied', `${what}: access denied by the object store`, undefined, opts);
  }
  if (name === 'PreconditionFailed' || status === 412) {
    return new FunctionError(412, 'object_changed', `${what}: the object changed since the event was sent`, undefined, opts);
  }
  if (status !== undefined && status >= 400 && status < 500 && !TRANSIENT_4XX.has(status)) {
    return new FunctionError(422, 'storage_rejected', `${what}: the object store refused the request (${name}, HTTP ${status})`, undefined, opts);
  }
  // Throttling, conflicts, 5xx, timeouts, refused connections: the next attempt may well succeed.
  return new FunctionError(503, 'storage_unavailable', `${what}: the object store is unavailable (${name})`, undefined, opts);
}
