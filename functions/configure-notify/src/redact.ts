/**
 * Push endpoints may carry secrets: `amqp://user:password@broker`, `kafka://user:password@broker`,
 * or a token in the query of an HTTP endpoint. Everything that leaves this function or tool (reports,
 * `get` documents, logs, error messages) goes through these first.
 */
import { REDACTED } from './state/schema.js';

const SECRET_PARAM = /pass|secret|token|key|auth|sig|credential/i;

/** The URI with its password and secret-looking query values replaced by ***. */
export function redactUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // not a URL: still hide anything shaped like user:password@
    return uri.replace(/\/\/([^/@:]*):[^/@]*@/, `//$1:${REDACTED}@`);
  }
  let changed = false;
  if (url.password) {
    url.password = REDACTED;
    changed = true;
  }
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) {
      url.searchParams.set(key, REDACTED);
      changed = true;
    }
  }
  if (!changed) return uri;
  // URL encodes the placeholder in the password; show it plainly
  return url.href.replace(encodeURIComponent(REDACTED), REDACTED).replace(/%2A%2A%2A/g, REDACTED);
}

/** Deep copy with every `uri` string (and URL-looking string) redacted. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUri(value) : value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/** True when the URI holds something redactUri would hide. */
export const hasSecret = (uri: string): boolean => redactUri(uri) !== uri;
