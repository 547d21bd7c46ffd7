/**
 * ListObjectsV2 / ListObjects (v1) over a bucket's sorted keys: prefix, delimiter (CommonPrefixes),
 * max-keys, start-after, continuation tokens and markers, with S3's counting rule (keys and common
 * prefixes both count toward max-keys).
 */
import { compareKeys } from './store.js';

export interface ListInput {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  /** exclusive lower bound: start-after, marker, or where a continuation token left off */
  after?: string;
  /** a common prefix returned on the previous page: keys under it are skipped */
  afterPrefix?: string;
}

export interface ListOutput {
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** the last key or common prefix returned, when truncated */
  last?: { value: string; isPrefix: boolean };
}

export function listKeys(sortedKeys: string[], input: ListInput): ListOutput {
  const keys: string[] = [];
  const commonPrefixes: string[] = [];
  let last: ListOutput['last'];
  const { prefix, delimiter, maxKeys } = input;
  // binary search for the first key after the lower bound (and at or after the prefix)
  const lower = [input.after, input.afterPrefix, prefix].filter((v): v is string => v !== undefined && v !== '').sort(compareKeys).at(-1);
  let lo = 0;
  let hi = sortedKeys.length;
  if (lower !== undefined) {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(sortedKeys[mid]!, lower) < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  for (let i = lo; i < sortedKeys.length; i++) {
    const key = sortedKeys[i]!;
    if (!key.startsWith(prefix)) {
      if (compareKeys(key, prefix) > 0) break;
      continue;
    }
    if (input.after !== undefined && compareKeys(key, input.after) <= 0) continue;
    if (input.afterPrefix !== undefined && key.startsWith(input.afterPrefix)) continue;
    let commonPrefix: string | undefined;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) commonPrefix = key.slice(0, at + delimiter.length);
    }
    if (commonPrefix !== undefined && commonPrefixes.at(-1) === commonPrefix) continue;
    if (keys.length + commonPrefixes.length >= maxKeys) return { keys, commonPrefixes, isTruncated: true, last };
    if (commonPrefix !== undefined) {
      commonPrefixes.push(commonPrefix);
      last = { value: commonPrefix, isPrefix: true };
    } else {
      keys.push(key);
      last = { value: key, isPrefix: false };
    }
  }
  return { keys, commonPrefixes, isTruncated: false, last };
}

/** Continuation tokens are opaque to clients; ours name where the previous page stopped. */
export function encodeToken(last: { value: string; isPrefix: boolean }): string {
  return Buffer.from(JSON.stringify({ v: 1, k: last.value, p: last.isPrefix }), 'utf8').toString('base64url');
}

export function decodeToken(token: string): { value: string; isPrefix: boolean } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: number; k?: unknown; p?: unknown };
    if (parsed.v !== 1 || typeof parsed.k !== 'string') return undefined;
    return { value: parsed.k, isPrefix: parsed.p === true };
  } catch {
    return undefined;
  }
}
