/**
 * ListMultipartUploads over a bucket's uploads (sorted by key, then initiation): prefix, delimiter
 * (CommonPrefixes), key-marker / upload-id-marker and max-uploads, with S3's rule that uploads and
 * common prefixes both count toward max-uploads.
 */
import { compareKeys } from '../store.js';
import type { Upload } from './uploads.js';

export interface UploadListInput {
  prefix: string;
  delimiter?: string;
  maxUploads: number;
  keyMarker?: string;
  /** only with keyMarker: resume after this upload of that key */
  uploadIdMarker?: string;
}

export interface UploadListOutput {
  uploads: Upload[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** Whether `u` comes after the markers. */
function afterMarkers(u: Upload, all: Upload[], keyMarker: string | undefined, uploadIdMarker: string | undefined): boolean {
  if (keyMarker === undefined) return true;
  const order = compareKeys(u.key, keyMarker);
  if (order !== 0 || uploadIdMarker === undefined) return order > 0;
  const sameKey = all.filter((o) => o.key === keyMarker);
  const markerAt = sameKey.findIndex((o) => o.id === uploadIdMarker);
  return markerAt >= 0 && sameKey.indexOf(u) > markerAt;
}

export function listUploads(sorted: Upload[], input: UploadListInput): UploadListOutput {
  const { prefix, delimiter, maxUploads, keyMarker, uploadIdMarker } = input;
  const out: UploadListOutput = { uploads: [], commonPrefixes: [], isTruncated: false };
  let last: { key: string; id?: string } | undefined;
  for (const upload of sorted) {
    if (!upload.key.startsWith(prefix) || !afterMarkers(upload, sorted, keyMarker, uploadIdMarker)) continue;
    const cut = delimiter ? upload.key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? upload.key.slice(0, cut + delimiter!.length) : undefined;
    // a common prefix already returned, or the one the key-marker names, takes no more room
    if (common !== undefined && (common === out.commonPrefixes.at(-1) || common === keyMarker)) continue;
    if (out.uploads.length + out.commonPrefixes.length >= maxUploads) {
      out.isTruncated = true;
      break;
    }
    if (common !== undefined) {
      out.commonPrefixes.push(common);
      last = { key: common };
    } else {
      out.uploads.push(upload);
      last = { key: upload.key, id: upload.id };
    }
  }
  // S3 names where the page ended whether or not more follow
  if (last) {
    out.nextKeyMarker = last.key;
    if (last.id) out.nextUploadIdMarker = last.id;
  }
  return out;
}
