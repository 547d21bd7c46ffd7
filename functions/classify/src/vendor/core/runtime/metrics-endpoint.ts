// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * GET (and HEAD) on the runtime's metrics path: faas-js-runtime's exposition and ours in one response.
 *
 * Why this way: faas-js-runtime builds its registry inside lib/metrics.js and exports neither the
 * registry nor a way to pass one in, so ours cannot be registered into it, and a second port or path
 * would be a second scrape target for every deployment. Its public surface is its HTTP answer, so the
 * request goes to the runtime as before, its answer is captured in process (three methods of this one
 * response object shadowed, nothing global patched), and sent on with our registry's text appended and
 * the length set again. The runtime's families (faas_*, the process and Node.js metrics, collected there
 * only) stay exactly as published; ours are `bucketml_*`, so no family appears twice.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { appendExposition, EXPOSITION_CONTENT_TYPE } from '../metrics/exposition.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

interface Answer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/**
 * Answers a scrape: `ours` is rendered first, then the runtime answers into a capture. Anything but a
 * 200 (an error of the runtime) is passed on unchanged. `failed` gets a rejection of `ours` (a scrape
 * that fails is visible to Prometheus as `up == 0`, not hidden).
 *
 * The content type is set here: faas-js-runtime 3.0.2 calls fastify's `reply.headers('Content-Type',
 * register.contentType)`, which takes one object, so its answer carries `text/plain; charset=utf-8`
 * (fastify's default for a string, no `version=0.0.4`) and the characters of 'Content-Type' as
 * headers named `0` … `11`; those are dropped.
 */
export function serveMetrics(req: IncomingMessage, res: ServerResponse, runtime: Listener, ours: () => Promise<string>, failed: (error: unknown) => void): void {
  ours().then((text) => {
    const head = req.method === 'HEAD';
    // The runtime renders its text for GET; Node sends no body on the response to a HEAD request anyway.
    if (head) req.method = 'GET';
    capture(res, (answer) => {
      if (answer.status !== 200) return send(res, answer);
      const body = Buffer.from(appendExposition(answer.body.toString('utf8'), text), 'utf8');
      const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !/^\d+$/.test(name)));
      send(res, { status: 200, headers: { ...headers, 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': body.length }, body });
    });
    runtime(req, res);
  }, failed);
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

/** Lets the runtime write its answer into memory; `done` gets it at end(), with the methods restored. */
function capture(res: ServerResponse, done: (answer: Answer) => void): void {
  const chunks: Buffer[] = [];
  let status = 200;
  let written: OutgoingHttpHeaders = {};
  const own = res as unknown as Record<'writeHead' | 'write' | 'end', unknown>;
  const take = (chunk: unknown, encoding: unknown): void => {
    if (chunk === null || chunk === undefined || typeof chunk === 'function') return;
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array));
  };
  const callback = (args: unknown[]): void => {
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    if (cb) queueMicrotask(cb);
  };
  own.writeHead = (code: number, ...rest: unknown[]): ServerResponse => {
    status = code;
    const headers = rest.find((r) => typeof r === 'object' && r !== null && !Array.isArray(r)) as OutgoingHttpHeaders | undefined;
    if (headers) written = { ...written, ...headers };
    return res;
  };
  own.write = (chunk: unknown, ...rest: unknown[]): boolean => {
    take(chunk, rest[0]);
    callback(rest);
    return true;
  };
  own.end = (chunk?: unknown, ...rest: unknown[]): ServerResponse => {
    take(chunk, rest[0]);
    // back to ServerResponse.prototype's methods
    delete own.writeHead;
    delete own.write;
    delete own.end;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries({ ...res.getHeaders(), ...written })) if (value !== undefined) headers[name.toLowerCase()] = value;
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    done({ status, headers, body: Buffer.concat(chunks) });
    callback([chunk, ...rest]);
    return res;
  };
}
