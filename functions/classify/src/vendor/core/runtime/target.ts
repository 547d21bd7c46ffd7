// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * Where a request goes, decided from its method and request target alone (pure; the I/O is in
 * front.ts). The runtime keeps its own endpoints; everything else is handed to the function on `/`.
 */

/** The methods faas-js-runtime routes to the function (HEAD comes with fastify's GET route). */
export const FUNCTION_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'OPTIONS'];

export type Route =
  /** One of the runtime's endpoints (health, metrics): passed on unchanged. */
  | { to: 'runtime'; path: string }
  /** The function: rewrite the target to `url`, remember `path`. */
  | { to: 'function'; path: string; url: string }
  /** A method the runtime would answer 404 (which Knative retries): refused with 405. */
  | { to: 'method-not-allowed' };

/** Splits a request target (origin-form `/a/b?x=1`, or absolute-form) into path and `?query`. */
export function splitTarget(target: string): { path: string; search: string } {
  if (!target.startsWith('/')) {
    try {
      const url = new URL(target);
      return { path: url.pathname, search: url.search };
    } catch {
      return { path: '/', search: '' };
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, search: '' } : { path: target.slice(0, q), search: target.slice(q) };
}

export function routeRequest(method: string, target: string, runtimePaths: ReadonlySet<string>): Route {
  const { path, search } = splitTarget(target);
  if (runtimePaths.has(path)) return { to: 'runtime', path };
  if (!FUNCTION_METHODS.includes(method)) return { to: 'method-not-allowed' };
  return { to: 'function', path, url: `/${search}` };
}
