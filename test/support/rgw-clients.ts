import type { S3Client } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../../packages/core/src/s3.ts';
import { SNSClient } from '@aws-sdk/client-sns';
import { inject } from 'vitest';

export interface RgwAccess {
  /** Ceph release of this RGW, "16.2" or "18.2" (the vitest project's, see vitest.config.ts) */
  release: string;
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

/** The run's RGW (test/global-setup.ts); a test that needs it fails, never skips, when there is none. */
export function rgwAccess(): RgwAccess {
  const rgw = inject('rgw') as RgwAccess | undefined;
  if (!rgw) throw new Error('no Ceph RGW for this run: see the [rgw] message at the start of the run');
  return rgw;
}

/** Ceph major version of the RGW (16, 18): tests whose expectations differ by release branch on it. */
export function cephMajor(rgw: RgwAccess): number {
  return Number(rgw.release.split('.')[0]);
}

export function s3For(rgw: RgwAccess): S3Client {
  return s3ClientFor({ endpoint: rgw.endpoint, region: rgw.region, credentials: { accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey } });
}

export function snsFor(rgw: RgwAccess): SNSClient {
  return new SNSClient({
    endpoint: rgw.endpoint,
    region: rgw.region,
    credentials: { accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey },
  });
}

/** The AWS SDK variables a function reads to reach this RGW. */
export function awsEnvFor(rgw: RgwAccess): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: rgw.endpoint,
    AWS_REGION: rgw.region,
    AWS_ACCESS_KEY_ID: rgw.accessKey,
    AWS_SECRET_ACCESS_KEY: rgw.secretKey,
  };
}

/** Bucket names unique to this run and call (S3 rules: lowercase, digits, hyphens). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
