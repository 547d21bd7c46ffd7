import type { ObjectEvent } from '../events/record.js';

/**
 * Which version of an object a result belongs to: the versionId in versioned buckets, else the eTag
 * (an overwritten key gets a new eTag, so it is classified again; a re-delivered event is not).
 */
export function versionTag(object: Pick<ObjectEvent, 'versionId' | 'eTag'>): string | undefined {
  if (object.versionId) return `v-${object.versionId}`;
  if (object.eTag) return `etag-${object.eTag}`;
  return undefined;
}

/** `results/photos/dog.jpg/etag-9b2c….json`: one folder per object, one file per version. */
export function resultKey(prefix: string, objectKey: string, tag: string): string {
  return `${prefix}${objectKey}/${tag.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

export function isResultKey(prefix: string, objectKey: string): boolean {
  return objectKey.startsWith(prefix);
}
