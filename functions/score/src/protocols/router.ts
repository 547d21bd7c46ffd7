import { z } from 'zod';
import { parseCsv, TableError, type Table } from '../dataset/table.js';
import { compilePattern, splitPath, type Params, type PathPattern } from '../routing/path-pattern.js';
import type { Served } from '../served.js';
import { badRequest, FunctionError, jsonResponse, type HttpResponse } from '../vendor/core/index.js';
import { line, prediction, score } from './classic.js';
import { answerIn, failure, type Protocol } from './failures.js';
import { binaryOutputs, binaryRequest, HEADER_LENGTH, withBinaryOutputs } from './oip-binary.js';
import { rowsPredict } from './feature-rows.js';
import {
  isInferenceRequest,
  modelAt,
  modelMetadata,
  modelReady,
  serverLive,
  serverMetadata,
  serverReady,
  v2Infer,
} from './open-inference.js';
import { formMessage, isSeldonRequest, seldonPredict } from './seldon.js';
import { describeService } from './service-description.js';

/**
 * The function's URLs. faas-js-runtime hands every path to the one `handle`, so this table is what
 * gives each protocol its standard URLs (Open Inference `/v2/...`, Seldon `/api/v1.0/predictions` and
 * `/predict`, the seed API's `/line/N`, `/prediction/N`, `/score`). `/` keeps answering everything by
 * the shape of the request, so `func invoke` and older clients work unchanged. Every route is a pure
 * function of the request; failures are answered in the route's protocol shape.
 */
export interface RequestInfo {
  method: string;
  /** The URL path without the query ('/' for the root). */
  path: string;
  query: Record<string, unknown>;
  contentType: string | undefined;
  /** Request headers, lower-case names (as Node gives them). */
  headers?: Record<string, unknown>;
}

interface Call {
  params: Params;
  query: Query;
  rawQuery: Record<string, unknown>;
  body: unknown;
  contentType: string | undefined;
  headers: Record<string, unknown>;
  served: Served;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: PathPattern;
  protocol: Protocol;
  summary: string;
  run(call: Call): HttpResponse;
}

const route = (method: Route['method'], pattern: string, protocol: Protocol, summary: string, run: Route['run']): Route => ({
  method,
  pattern: compilePattern(pattern),
  protocol,
  summary,
  run,
});

const v2Model = (c: Call) => modelAt(c.served, c.params['model']!, c.params['version']);
const infer = (c: Call): HttpResponse => {
  const headerLength = c.headers[HEADER_LENGTH];
  const request = typeof headerLength === 'string' ? binaryRequest(c.body, headerLength) : decodeBody(c.body, c.contentType);
  return withBinaryOutputs(v2Infer(request, c.served, v2Model(c)), binaryOutputs(request));
};
const seldon = (c: Call): HttpResponse => {
  const message = formMessage(c.body, c.rawQuery) ?? decodeBody(c.body, c.contentType);
  return seldonPredict(message, c.served, c.served.one(c.query.model));
};

export const ROUTES: readonly Route[] = [
  route('GET', '/', 'score', 'describes the service and its URLs; ?line=N, ?prediction=N, ?score as the seed API', (c) => rootGet(c)),
  route('POST', '/', 'score', 'any request body: Open Inference, Seldon, rows keyed by feature name, CSV (protocol told by its shape)', (c) =>
    routeBody(c.body, c.contentType, c.query.model, c.served),
  ),
  route('GET', '/v2', 'open-inference', 'OIP server metadata', () => jsonResponse(200, serverMetadata())),
  route('GET', '/v2/health/live', 'open-inference', 'OIP server live', () => serverLive()),
  route('GET', '/v2/health/ready', 'open-inference', 'OIP server ready', () => serverReady()),
  route('GET', '/v2/models/{model}', 'open-inference', 'OIP model metadata', (c) => jsonResponse(200, modelMetadata(v2Model(c)))),
  route('GET', '/v2/models/{model}/versions/{version}', 'open-inference', 'OIP model metadata', (c) => jsonResponse(200, modelMetadata(v2Model(c)))),
  route('GET', '/v2/models/{model}/ready', 'open-inference', 'OIP model ready', (c) => modelReady(v2Model(c))),
  route('GET', '/v2/models/{model}/versions/{version}/ready', 'open-inference', 'OIP model ready', (c) => modelReady(v2Model(c))),
  route('POST', '/v2/models/{model}/infer', 'open-inference', 'OIP inference (JSON or binary tensor data)', infer),
  route('POST', '/v2/models/{model}/versions/{version}/infer', 'open-inference', 'OIP inference (JSON or binary tensor data)', infer),
  route('POST', '/api/v1.0/predictions', 'seldon', 'Seldon v1 prediction (?model=NAME or the default model)', seldon),
  route('POST', '/predict', 'seldon', 'Seldon v1 microservice prediction', seldon),
  // seldon-core's microservice also answers GET /predict?json={...} (wrapper.py, flask_utils.get_request).
  route('GET', '/predict', 'seldon', 'Seldon v1 microservice prediction, message in ?json=', seldon),
  route('GET', '/line/{n}', 'score', 'row N of the dataset (as ?line=N)', (c) => line(c.served, c.params['n']!)),
  route('GET', '/prediction/{n}', 'score', "every model's prediction for row N (as ?prediction=N)", (c) => prediction(c.served, c.params['n']!, c.query.model)),
  route('GET', '/score', 'score', "every model's accuracy on the dataset (as ?score)", (c) => score(c.served, c.query.model)),
];

/** `METHOD /pattern` of every route, as listed by GET / (with what each answers) and by 404s. */
export const URLS: readonly string[] = ROUTES.map((r) => `${r.method} ${r.pattern.pattern}`);
const URL_SUMMARIES: Readonly<Record<string, string>> = Object.fromEntries(ROUTES.map((r, i) => [URLS[i]!, r.summary]));

/** Unmatched paths are answered in the shape of the protocol their prefix belongs to. */
function protocolOf(segments: readonly string[] | undefined): Protocol {
  const first = segments?.[0]?.toLowerCase();
  if (first === 'v2') return 'open-inference';
  if (first === 'api' || first === 'predict') return 'seldon';
  return 'score';
}

export function dispatch(request: RequestInfo, body: unknown, served: Served): HttpResponse {
  const segments = splitPath(request.path);
  const matches = segments === undefined ? [] : ROUTES.flatMap((r) => {
    const params = r.pattern.match(segments);
    return params ? [{ r, params }] : [];
  });
  // HEAD is GET without the body (fastify, under the runtime, drops it).
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const hit = matches.find((m) => m.r.method === method);
  if (!hit) {
    const protocol = protocolOf(segments);
    if (matches.length) {
      const allow = [...new Set(matches.map((m) => m.r.method))].join(', ');
      const response = failure(protocol, new FunctionError(405, 'method_not_allowed', `${request.method} ${request.path} is not supported: use ${allow}`), served.log);
      return { ...response, headers: { ...response.headers, allow } };
    }
    const notFound = new FunctionError(404, 'not_found', `no such URL: ${request.method} ${request.path}. This function serves ${URLS.join(', ')}`, { urls: URLS });
    return failure(protocol, notFound, served.log);
  }
  const { r, params } = hit;
  return answerIn(r.protocol, served.log, () =>
    r.run({ params, query: parseQuery(request.query), rawQuery: request.query, body, contentType: request.contentType, headers: request.headers ?? {}, served }),
  );
}

const param = z.union([z.string(), z.array(z.string())]).optional();
const querySchema = z.object({ model: param, line: param, prediction: param, score: param });

export type Query = { model?: string; line?: string; prediction?: string; score?: string };

export function parseQuery(query: Record<string, unknown>): Query {
  const parsed = querySchema.safeParse(query);
  if (!parsed.success) throw badRequest('bad_query', 'query parameters must be plain strings');
  const out: Query = {};
  for (const [k, v] of Object.entries(parsed.data) as [keyof Query, string | string[] | undefined][]) {
    if (v === undefined) continue;
    if (Array.isArray(v)) throw badRequest('bad_query', `?${k} is given ${v.length} times`);
    out[k] = v;
  }
  if (out.model === '') throw badRequest('bad_query', '?model= needs a model name');
  return out;
}

/** GET /: the seed API's query operations, else the service description. */
function rootGet(c: Call): HttpResponse {
  const { query, served } = c;
  const ops = (['line', 'prediction', 'score'] as const).filter((op) => query[op] !== undefined);
  if (ops.length > 1) throw badRequest('bad_query', `one operation at a time (got ${ops.map((o) => `?${o}`).join(' and ')})`);
  switch (ops[0]) {
    case 'line':
      return line(served, query.line!);
    case 'prediction':
      return prediction(served, query.prediction!, query.model);
    case 'score':
      return score(served, query.model);
    default:
      if (query.model === undefined) return jsonResponse(200, describeService(served, URL_SUMMARIES));
      // GET /?model=NAME is OIP model metadata, as it was before the function had /v2 URLs.
      return answerIn('open-inference', served.log, () => jsonResponse(200, modelMetadata(served.named(query.model!))));
  }
}

/** A body on `/` (or in a CloudEvent), dispatched on its shape and answered in that protocol's shape. */
export function routeBody(body: unknown, contentType: string | undefined, model: string | undefined, served: Served): HttpResponse {
  let decoded: unknown;
  try {
    decoded = decodeBody(body, contentType);
  } catch (error) {
    return failure('score', error, served.log);
  }
  if (typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded)) {
    const obj = decoded as Record<string, unknown>;
    if (isInferenceRequest(obj)) return answerIn('open-inference', served.log, () => v2Infer(obj, served, served.one(model)));
    if (isSeldonRequest(obj)) return answerIn('seldon', served.log, () => seldonPredict(obj, served, served.one(model)));
  }
  return answerIn('score', served.log, () => rowsPredict(decoded, served, model));
}

/** The request body as JSON (or CSV rows for text/csv); bytes and text are decoded here. */
function decodeBody(body: unknown, contentType: string | undefined): unknown {
  if (body === undefined || body === null || body === '') throw badRequest('empty_body', 'the request has no body');
  const isText = typeof body === 'string' || body instanceof Uint8Array;
  if (!isText) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (text.trim() === '') throw badRequest('empty_body', 'the request has no body');
  if (contentType?.toLowerCase().startsWith('text/csv')) {
    try {
      return tableRows(parseCsv(text));
    } catch (error) {
      if (error instanceof TableError) throw badRequest('bad_csv', error.message);
      throw error;
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('bad_json', 'the body is not valid JSON (or send text/csv with a header row)');
  }
}

/** CSV rows as objects keyed by (trimmed) column name, keyed by row id. */
function tableRows(table: Table): Record<string, Record<string, string>> {
  return Object.fromEntries(table.rows.map((row, r) => [table.ids[r]!, Object.fromEntries(table.columns.map((c, i) => [c, row[i]!]))]));
}
