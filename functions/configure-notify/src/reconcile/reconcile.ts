import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isResultKey, resultFolder, resultKey, versionTag, type ModelId } from '../vendor/core/index.js';
import type { KeyFilterRule } from '../state/schema.js';
import { keyFilter, listingPrefix } from './key-filter.js';
import { forEachPaced } from './pace.js';
import { objectCreatedEvent, sendEvent, type ListedObject } from './send.js';

export interface ReconcileOptions {
  bucket: string;
  /** The notification's key filters (prefix, suffix, regex), so exactly what it would announce is considered. */
  keyFilters?: readonly KeyFilterRule[] | undefined;
  resultsPrefix: string;
  /** Default: the bucket itself (as classify's RESULTS_BUCKET). */
  resultsBucket?: string | undefined;
  /** Only a result of this model counts as done; default: a result of any model. */
  model?: ModelId | undefined;
  /** Broker ingress URL or classify's URL; not needed for a dry run. */
  target?: string | undefined;
  dryRun?: boolean;
  concurrency: number;
  /** Events sent per second, at most. */
  rate?: number | undefined;
  /** Resume after this key (printed by an earlier run). */
  startAfter?: string | undefined;
  region: string;
  pageSize?: number;
  timeoutMs?: number;
  /** Called after each page with the key to resume after and the counts so far. */
  onPage?: (progress: ReconcileCounts & { startAfter: string }) => void;
  onFailure?: (key: string, error: string) => void;
}

export interface ReconcileCounts {
  /** Objects listed that the key filters let through (results themselves are not counted). */
  seen: number;
  /** Already have a result (of any model, or of `model`). */
  done: number;
  /** Sent (accepted by the target), or in a dry run: would be sent. */
  sent: number;
  failed: number;
}

export interface ReconcileReport extends ReconcileCounts {
  bucket: string;
  dryRun: boolean;
  /** Set when the run stopped early; resume with it. */
  startAfter?: string;
}

/**
 * Lists the bucket page by page (ListObjectsV2, one page in memory), looks up each object's stored
 * result by the naming rule classify uses (core's result-naming), and sends what has none as the event
 * an upload would have made. Counts are the report; a failed send is counted, not fatal.
 */
export async function reconcileBucket(s3: S3Client, options: ReconcileOptions): Promise<ReconcileReport> {
  if (!options.dryRun && !options.target) throw new Error('a target URL (Broker ingress or classify) is needed unless --dry-run');
  const counts: ReconcileCounts = { seen: 0, done: 0, sent: 0, failed: 0 };
  const passes = keyFilter(options.keyFilters);
  const resultsBucket = options.resultsBucket ?? options.bucket;
  const resultsHere = resultsBucket === options.bucket;
  const prefix = listingPrefix(options.keyFilters);
  let continuation: string | undefined;
  let startAfter = options.startAfter;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: options.bucket,
        MaxKeys: options.pageSize ?? 1000,
        ...(prefix ? { Prefix: prefix } : {}),
        ...(continuation ? { ContinuationToken: continuation } : startAfter ? { StartAfter: startAfter } : {}),
      }),
    );
    const objects: ListedObject[] = [];
    for (const o of page.Contents ?? []) {
      if (!o.Key || (resultsHere && isResultKey(options.resultsPrefix, o.Key)) || !passes(o.Key)) continue;
      objects.push({ bucket: options.bucket, key: o.Key, eTag: o.ETag, size: o.Size, lastModified: o.LastModified });
    }
    counts.seen += objects.length;
    await forEachPaced(objects, { concurrency: options.concurrency, rate: options.dryRun ? undefined : options.rate }, async (object) => {
      try {
        if (await hasResult(s3, resultsBucket, options.resultsPrefix, object, options.model)) {
          counts.done++;
          return;
        }
      } catch (error) {
        counts.failed++;
        options.onFailure?.(object.key, `cannot read its results: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (options.dryRun) {
        counts.sent++;
        return;
      }
      const failure = await sendEvent(options.target!, objectCreatedEvent(object, options.region), options.timeoutMs ?? 30_000);
      if (failure) {
        counts.failed++;
        options.onFailure?.(object.key, failure);
      } else counts.sent++;
    });
    const last = page.Contents?.at(-1)?.Key;
    if (last) {
      startAfter = last;
      options.onPage?.({ ...counts, startAfter: last });
    }
    continuation = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuation);
  return { bucket: options.bucket, dryRun: Boolean(options.dryRun), ...counts };
}

/**
 * A result of this model: HEAD of its exact key. Of any model: one entry directly in the object
 * version's folder (the delimiter keeps results of other objects whose keys continue this one out).
 */
async function hasResult(s3: S3Client, bucket: string, prefix: string, object: ListedObject, model: ModelId | undefined): Promise<boolean> {
  const tag = versionTag({ eTag: object.eTag });
  if (!tag) return false;
  if (model) {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: resultKey(prefix, object.key, tag, model) }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: resultFolder(prefix, object.key, tag), Delimiter: '/', MaxKeys: 1 }));
  return (listed.KeyCount ?? listed.Contents?.length ?? 0) > 0;
}
