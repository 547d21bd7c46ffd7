/**
 * Multipart uploads in progress: which exist, their parts, and the object each will become. Held in
 * memory whatever the store: an upload cut off by a restart is started again by its client, as after
 * an upload that a bucket lifecycle rule expired. Completed uploads are remembered for a while, so a
 * client that retries CompleteMultipartUpload after a lost response gets the same answer (RGW and S3
 * do the same) instead of NoSuchUpload.
 */
import { randomBytes } from 'node:crypto';
import type { ChecksumAlgorithm, ChecksumType } from '../checksums.js';
import { compareKeys, type ObjectMeta } from '../store.js';
import { errors } from '../errors.js';

export interface Part {
  number: number;
  /** MD5 hex of the part, without quotes */
  etag: string;
  size: number;
  data: Buffer;
  lastModified: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** The object's metadata as given to CreateMultipartUpload; size, ETag and time come at completion. */
export type ObjectTemplate = Pick<ObjectMeta, 'key' | 'contentType' | 'headers' | 'metadata' | 'tags'>;

export interface Upload {
  id: string;
  bucket: string;
  key: string;
  initiated: string;
  template: ObjectTemplate;
  checksum?: { algorithm: ChecksumAlgorithm; type: ChecksumType };
  parts: Map<number, Part>;
}

/** What CompleteMultipartUpload answered, for a retry of the same request. */
export interface Completion {
  etag: string;
  checksum?: { algorithm: ChecksumAlgorithm; type: ChecksumType; value: string };
}

const REMEMBERED_COMPLETIONS = 1000;

export class MultipartUploads {
  private readonly uploads = new Map<string, Upload>();
  private readonly completions = new Map<string, Completion & { bucket: string; key: string }>();

  create(bucket: string, template: ObjectTemplate, checksum: Upload['checksum']): Upload {
    const upload: Upload = {
      // opaque to clients; long and random, so one upload's id never guesses another's
      id: randomBytes(24).toString('base64url'),
      bucket,
      key: template.key,
      initiated: new Date().toISOString(),
      template,
      ...(checksum ? { checksum } : {}),
      parts: new Map(),
    };
    this.uploads.set(upload.id, upload);
    return upload;
  }

  /** The upload `id` of this bucket and key, or NoSuchUpload. */
  get(bucket: string, key: string, id: string): Upload {
    const upload = this.uploads.get(id);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw errors.noSuchUpload(id);
    return upload;
  }

  /** Adds or replaces a part; NoSuchUpload when the upload ended while the part was arriving. */
  putPart(upload: Upload, part: Part): void {
    if (this.uploads.get(upload.id) !== upload) throw errors.noSuchUpload(upload.id);
    upload.parts.set(part.number, part);
  }

  abort(bucket: string, key: string, id: string): void {
    this.get(bucket, key, id);
    this.uploads.delete(id);
  }

  /** Ends the upload and remembers its answer. */
  finish(upload: Upload, completion: Completion): void {
    this.uploads.delete(upload.id);
    this.completions.set(upload.id, { ...completion, bucket: upload.bucket, key: upload.key });
    if (this.completions.size > REMEMBERED_COMPLETIONS) this.completions.delete(this.completions.keys().next().value!);
  }

  /** The answer given when upload `id` was completed, if it was, recently. */
  completion(bucket: string, key: string, id: string): Completion | undefined {
    const done = this.completions.get(id);
    return done && done.bucket === bucket && done.key === key ? done : undefined;
  }

  /** A bucket's uploads in ListMultipartUploads order: by key, then by initiation (the map's order; sort is stable). */
  list(bucket: string): Upload[] {
    return [...this.uploads.values()].filter((u) => u.bucket === bucket).sort((a, b) => compareKeys(a.key, b.key));
  }

  /** Forgets every upload of a deleted bucket. */
  dropBucket(bucket: string): void {
    for (const [id, upload] of this.uploads) if (upload.bucket === bucket) this.uploads.delete(id);
  }
}
