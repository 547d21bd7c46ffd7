// GENERATED from packages/core/src by scripts/vendor-core.mjs: edit the original, not this copy.
/**
 * The request listener that sits in front of faas-js-runtime's own (fastify's) on the same
 * http.Server: it routes every path to the function, refuses malformed CloudEvents with 400, and
 * otherwise hands the request on untouched. Wrapping the listener, rather than forking the runtime or
 * proxying to it, keeps the runtime exactly as published (its options, func.yaml, probes, metrics,
 * CloudEvent parsing, reply mapping) and adds no hop: the function still sees one plain request.
 */
import { IncomingMessage, type ServerResponse } from 'node:http';
import { badRequest, FunctionError } from '../errors.js';
import { errorResponse, type HttpResponse } from '../http.js';
import type { Logger } from '../log.js';
import { cloudEventProblems, deliveryMode } from './cloudevent-check.js';
import { serveMetrics } from './metrics-endpoint.js';
import { REQUEST_PATH_HEADER } from './request-path.js';
import { FUNCTION_METHODS, routeRequest } from './target.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface FrontOptions {
  /** Paths the runtime serves itself (probes, metrics): never handed to the function. */
  runtimePaths: ReadonlySet<string>;
  /** The runtime's body limit in bytes, applied to the structured-mode bodies read here. */
  bodyLimit: number;
  log: Logger;
  /** The runtime's metrics path, and the text appended to its exposition there (see metrics-endpoint.ts). */
  metrics?: { path: string; exposition: () => Promise<string> };
}

export function frontListener(runtime: RequestListener, options: FrontOptions): RequestListener {
  const { log } = options;
  // A throw here would be an uncaughtException, on which faas-js-runtime shuts the process down.
  const failed = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    if (res.headersSent) res.destroy();
    else refuse(req, res, errorResponse(error, log));
  };
  return (req, res) => {
    try {
      front(req, res);
    } catch (error) {
      failed(req, res, error);
    }
  };

  function front(req: IncomingMessage, res: ServerResponse): void {
    const route = routeRequest(req.method ?? 'GET', req.url ?? '/', options.runtimePaths);
    if (route.to === 'runtime') {
      const { metrics } = options;
      const scrape = metrics !== undefined && (req.method === 'GET' || req.method === 'HEAD') && route.path === metrics.path;
      return scrape ? serveMetrics(req, res, runtime, metrics.exposition, (error) => failed(req, res, error)) : runtime(req, res);
    }
    if (route.to === 'method-not-allowed') {
      // fastify would answer 404, which Knative retries; a method is never going to start working.
      const error = new FunctionError(405, 'method_not_allowed', `${req.method} is not served: use ${FUNCTION_METHODS.join(', ')}`);
      return refuse(req, res, errorResponse(error), { allow: FUNCTION_METHODS.join(', ') });
    }
    // Set after removing what a client sent: handle can trust the header (see requestPath).
    delete req.headers[REQUEST_PATH_HEADER];
    req.headers[REQUEST_PATH_HEADER] = route.path;
    req.url = route.url;

    const mode = deliveryMode(req.headers);
    if (mode === undefined) return runtime(req, res);
    if (mode === 'binary') {
      // Every attribute is a header: decided before the body is read, which streams on as before.
      const problem = cloudEventProblems(mode, req.headers);
      return problem === undefined ? runtime(req, res) : refuseCloudEvent(req, res, problem, log);
    }
    readBody(req, options.bodyLimit)
      .then((body) => {
        if (body === undefined) {
          const error = new FunctionError(413, 'body_too_large', `request body over the ${options.bodyLimit}-byte limit (FUNC_BODY_LIMIT)`);
          return refuse(req, res, errorResponse(error), { connection: 'close' });
        }
        const problem = cloudEventProblems(mode, req.headers, body.toString('utf8'));
        if (problem !== undefined) return refuseCloudEvent(req, res, problem, log);
        runtime(replay(req, body), res);
      }, () => res.destroy()) // the client went away while sending: nobody to answer
      .catch((error: unknown) => failed(req, res, error));
  }
}

function refuseCloudEvent(req: IncomingMessage, res: ServerResponse, problem: string, log: Logger): void {
  log.info('malformed CloudEvent refused', { path: req.headers[REQUEST_PATH_HEADER], problem });
  refuse(req, res, errorResponse(badRequest('malformed_cloudevent', problem)));
}

function refuse(req: IncomingMessage, res: ServerResponse, response: HttpResponse, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(response.body);
  res.writeHead(response.statusCode, { ...response.headers, ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  // Whatever the client still sends is read and dropped, so a kept-alive connection stays usable.
  req.resume();
}

/**
 * The whole body, or undefined as soon as it exceeds `limit` bytes; the rest is still read (and
 * dropped) so the 413 reaches the client instead of a reset connection.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) resolve(undefined);
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * The request again, with the body already read: a real IncomingMessage on the same socket, so the
 * runtime's fastify (content-length check, raw body, logging, keep-alive tracking) cannot tell.
 */
function replay(original: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new IncomingMessage(original.socket);
  const { method, url, headers, rawHeaders, httpVersion, httpVersionMajor, httpVersionMinor } = original;
  Object.assign(copy, { method, url, headers, rawHeaders, httpVersion, httpVersionMajor, httpVersionMinor, complete: true });
  copy.push(body);
  copy.push(null);
  return copy;
}
