/**
 * The connection to one RGW: an S3 client and an SNS client on the same endpoint, with the settings
 * RGW needs, plus what is learnt about it once (its version).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { env, s3ClientFor, s3EnvSchema } from '../vendor/core/index.js';
import type { RgwVersionInfo } from '../state/diff.js';
import { detectRgwVersion } from './version.js';

export interface RgwCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RgwConnectionOptions {
  /** S3 endpoint of the RGW, e.g. http://rgw.example:8080. */
  endpoint: string;
  /** SNS endpoint when it differs (it is the same on RGW). */
  snsEndpoint?: string;
  /** Any name signs against RGW; default us-east-1. */
  region?: string;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, ...). */
  credentials?: RgwCredentials;
  /** Path-style bucket addressing (default true: RGW rarely has wildcard DNS). */
  forcePathStyle?: boolean;
  /** The Ceph version when known ("16.2.15", "17", "quincy"); otherwise probed once from /swift/info. */
  version?: string;
  /** Per-request timeout; default 15 s. */
  requestTimeoutMs?: number;
  /** SDK attempts per request (5xx, throttling, network errors); default 3. */
  maxAttempts?: number;
}

export interface Rgw {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly endpoint: string;
  /** The RGW version, probed once and cached. */
  version(): Promise<RgwVersionInfo>;
  destroy(): void;
}

export function connectRgw(options: RgwConnectionOptions): Rgw {
  const common = {
    region: options.region ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const s3 = s3ClientFor({ ...common, endpoint: options.endpoint, requestTimeoutMs, ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }) });
  const sns = new SNSClient({
    ...common,
    endpoint: options.snsEndpoint ?? options.endpoint,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: requestTimeoutMs },
  });
  return {
    ...rgwFromClients({ s3, sns, endpoint: options.endpoint, ...(options.version ? { version: options.version } : {}) }),
    destroy() {
      s3.destroy();
      sns.destroy();
    },
  };
}

/**
 * Wraps clients made elsewhere. They must suit RGW: path-style addressing (forcePathStyle) and
 * requestChecksumCalculation/responseChecksumValidation 'WHEN_REQUIRED' on the S3 client.
 */
export function rgwFromClients(clients: { s3: S3Client; sns: SNSClient; endpoint: string; version?: string }): Rgw {
  let version: Promise<RgwVersionInfo> | undefined;
  return {
    s3: clients.s3,
    sns: clients.sns,
    endpoint: clients.endpoint,
    version() {
      version ??= detectRgwVersion(clients.endpoint, clients.version).then((v) => {
        // an unknown version is not cached for ever: the next operation probes again
        if (v.source === 'unknown') version = undefined;
        return v;
      });
      return version;
    },
    // the caller owns the clients
    destroy() {},
  };
}

/**
 * The variables that say which RGW and how: the AWS SDK's own (as classify reads them) plus
 * AWS_ENDPOINT_URL_SNS and RGW_VERSION. The endpoint is required: there is no default RGW.
 */
export const rgwEnvSchema = s3EnvSchema
  .extend({
    AWS_ENDPOINT_URL_SNS: z.url({ protocol: /^https?$/ }).optional(),
    AWS_ACCESS_KEY_ID: z.string().optional(),
    AWS_SECRET_ACCESS_KEY: z.string().optional(),
    AWS_SESSION_TOKEN: z.string().optional(),
    /** The Ceph version of the RGW ("16.2.15", "17", "reef") when /swift/info cannot tell it. */
    RGW_VERSION: z.string().optional(),
    RGW_REQUEST_TIMEOUT_MS: env.int(100, 600_000).default(15_000),
  })
  .superRefine((e, ctx) => {
    if (!e.AWS_ENDPOINT_URL_S3 && !e.AWS_ENDPOINT_URL) {
      ctx.addIssue({ code: 'custom', path: ['AWS_ENDPOINT_URL_S3'], message: 'is required (or AWS_ENDPOINT_URL): the RGW endpoint, e.g. http://rgw.example:8080' });
    }
    if (Boolean(e.AWS_ACCESS_KEY_ID) !== Boolean(e.AWS_SECRET_ACCESS_KEY)) {
      ctx.addIssue({ code: 'custom', path: [e.AWS_ACCESS_KEY_ID ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'], message: 'is required with the other half of the key pair' });
    }
  });
export type RgwEnv = z.output<typeof rgwEnvSchema>;

export function rgwOptionsFromEnv(e: RgwEnv): RgwConnectionOptions {
  const endpoint = (e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL)!;
  return {
    endpoint,
    snsEndpoint: e.AWS_ENDPOINT_URL_SNS ?? endpoint,
    region: e.AWS_REGION,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    requestTimeoutMs: e.RGW_REQUEST_TIMEOUT_MS,
    ...(e.RGW_VERSION ? { version: e.RGW_VERSION } : {}),
    ...(e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}) } }
      : {}),
  };
}
