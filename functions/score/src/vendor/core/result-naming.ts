// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
import { createHash } from 'node:crypto';

/**
 * Where classify stores the result of one object version by one model, shared by classify (which
 * writes it and checks it for duplicates) and reconcile (which looks for it):
 *
 *   <prefix><object key>/<version tag>/<model name>@<model version>.json
 *   <prefix><object key>/<version tag>/<model name>@<model version>.failed.json   (a permanent failure)
 *
 * One folder per object version holds one file per model, so a newer model's result lives beside the
 * old one, and one model can never store two results for one version (the key is written with
 * If-None-Match). RGW refuses keys over 1024 bytes; when the readable folder would leave too little
 * room, the object key is replaced by its SHA-256: `<prefix>~sha256/<64 hex>/<tag>/<model>.json`. The
 * stored document still names the object, so nothing is lost by hashing.
 */
export const MAX_KEY_BYTES = 1024;
/** Room kept for `/<model>.json` (or `/<model>.failed.json`) after the folder. */
const MODEL_SEGMENT_BYTES = 96;
const FAILURE_SUFFIX = '.failed.json';
const TAG_SEGMENT_BYTES = 96;
export const HASHED_FOLDER = '~sha256/';

export interface ObjectVersion {
  versionId?: string | undefined;
  eTag?: string | undefined;
}

export interface ModelId {
  name: string;
  version: string;
}

/**
 * Which version of an object a result belongs to: the versionId in versioned buckets, else the eTag
 * (an overwritten key gets a new eTag, so it is classified again; a re-delivered event is not).
 */
export function versionTag(object: ObjectVersion): string | undefined {
  const eTag = object.eTag?.replace(/^"|"$/g, '');
  if (object.versionId && object.versionId !== 'null') return segment(`v-${object.versionId}`, TAG_SEGMENT_BYTES);
  if (eTag) return segment(`etag-${eTag}`, TAG_SEGMENT_BYTES);
  return undefined;
}

/** `mobilenet_v1_0.75_224@a74c25424bd9`, as a key segment. */
export function modelSegment(model: ModelId): string {
  // Bounded by the longer of the two file names, so a failure's name fits wherever a result's does.
  return segment(`${model.name}@${model.version}`, MODEL_SEGMENT_BYTES - `/${FAILURE_SUFFIX}`.length);
}

/** The folder of one object version's results (every model), ending in `/`. */
export function resultFolder(prefix: string, objectKey: string, tag: string): string {
  const readable = `${prefix}${objectKey}/${tag}/`;
  if (bytes(readable) + MODEL_SEGMENT_BYTES <= MAX_KEY_BYTES) return readable;
  return `${prefix}${HASHED_FOLDER}${sha256(objectKey)}/${tag}/`;
}

/** The key of the result of one object version by one model. */
export function resultKey(prefix: string, objectKey: string, tag: string, model: ModelId): string {
  return `${resultFolder(prefix, objectKey, tag)}${modelSegment(model)}.json`;
}

/**
 * The key of a permanent failure of one object version by one model: beside its result's key, never
 * over it, so a later success (after an operator fixed the cause and replayed) can still be stored.
 */
export function failureKey(prefix: string, objectKey: string, tag: string, model: ModelId): string {
  return `${resultFolder(prefix, objectKey, tag)}${modelSegment(model)}${FAILURE_SUFFIX}`;
}

export function isResultKey(prefix: string, objectKey: string): boolean {
  return objectKey.startsWith(prefix);
}

/** Characters safe in any S3 client's URL and log; long values keep a readable head and a hash tail. */
function segment(value: string, max: number): string {
  const safe = value.replace(/[^A-Za-z0-9._@-]/g, '_');
  if (safe === value && safe.length <= max) return safe;
  // Replacing characters could make two values equal: a hash of the original keeps them apart.
  const tail = `~${sha256(value).slice(0, 16)}`;
  return safe.length + tail.length <= max && safe !== value ? `${safe}${tail}` : `${safe.slice(0, max - tail.length)}${tail}`;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
