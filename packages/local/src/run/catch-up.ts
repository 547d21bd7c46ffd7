/**
 * `NOTIFY=off`: what was uploaded unannounced is caught up by configure-notify's reconcile, the same
 * operation the cluster's CronJob runs, against the embedded S3 server: objects without a stored result
 * are sent to classify (or into the Broker stand-in) as the event their upload would have made.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ReconcileReport } from '@bucket-ml/configure-notify/api';

export interface CatchUpTarget {
  s3: S3Client;
  bucket: string;
  /** Classify's URL, or the Broker ingress. */
  target: string;
  region: string;
  suffixes: readonly string[];
  onFailure?: (key: string, error: string) => void;
}

/** The key filter of the notifications npm start would have made: any of the suffixes (whole-key regex). */
export const suffixRegex = (suffixes: readonly string[]): string => `.*(?:${suffixes.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`;

export async function reconcileOnce(t: CatchUpTarget): Promise<ReconcileReport> {
  // by package name: the built API of configure-notify, as any other consumer imports it
  const { reconcileBucket } = await import('@bucket-ml/configure-notify/api');
  return reconcileBucket(t.s3, {
    bucket: t.bucket,
    keyFilters: [{ name: 'regex', value: suffixRegex(t.suffixes) }],
    resultsPrefix: 'results/',
    target: t.target,
    concurrency: 4,
    rate: 20,
    region: t.region,
    ...(t.onFailure ? { onFailure: t.onFailure } : {}),
  });
}

export const describeReconcile = (r: ReconcileReport): string => `reconcile of s3://${r.bucket}/: seen ${r.seen}, already done ${r.done}, sent ${r.sent}, failed ${r.failed}`;

/** The same reconcile from another shell: configure-notify's CLI with the printed endpoint and key pair. */
export function reconcileCommand(o: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; bucket: string; target: string; suffixes: readonly string[] }): string {
  return (
    `AWS_ENDPOINT_URL_S3=${o.endpoint} AWS_ACCESS_KEY_ID=${o.accessKeyId} AWS_SECRET_ACCESS_KEY=${o.secretAccessKey} AWS_REGION=${o.region} ` +
    `node functions/configure-notify/bin/configure-notify.js reconcile --bucket ${o.bucket} --regex '${suffixRegex(o.suffixes)}' --target ${o.target}`
  );
}
