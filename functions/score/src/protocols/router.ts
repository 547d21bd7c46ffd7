import { z } from 'zod';
import { parseCsv, TableError, type Table } from '../dataset/table.js';
import type { Served } from '../served.js';
import { badRequest, errorResponse, FunctionError, type HttpResponse } from '../vendor/core/index.js';
import { line, prediction, score } from './classic.js';
import { rowsPredict } from './feature-rows.js';
import { isInferenceRequest, serverMetadata, v2Infer, v2ModelMetadata } from './open-inference.js';
import { isSeldonRequest, seldonPredict } from './seldon.js';

/**
 * Everything arrives on `/` (faas-js-runtime serves no other path), so the protocol is recognised from
 * the request itself: GET query operations, and for a body its shape (`inputs` → Open Inference,
 * `data` → Seldon, otherwise rows keyed by feature name; text/csv → rows too).
 */
export interface RequestInfo {
  method: string;
  query: Record<string, unknown>;
  contentType: string | undefined;
}

const param = z.union([z.string(), z.array(z.string())]).optional();
const querySchema = z.object({ model: param, line: param, prediction: param, score: param });

type Query = { model?: string; line?: string; prediction?: string; score?: string };

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

/** Maps any failure of the generic operations to the shared error shape (4xx permanent, 5xx retry). */
function guarded(served: Served, run: () => HttpResponse): HttpResponse {
  try {
    return run();
  } catch (error) {
    return errorResponse(error, served.log);
  }
}

export function route(request: RequestInfo, body: unknown, served: Served): HttpResponse {
  let query: Query;
  try {
    query = parseQuery(request.query);
  } catch (error) {
    return errorResponse(error, served.log);
  }
  if (request.method === 'GET') return routeGet(query, served);
  if (request.method === 'POST') return routeBody(body, request.contentType, query.model, served);
  return errorResponse(new FunctionError(405, 'method_not_allowed', `${request.method} is not supported: use GET or POST`), served.log);
}

function routeGet(query: Query, served: Served): HttpResponse {
  const ops = (['line', 'prediction', 'score'] as const).filter((op) => query[op] !== undefined);
  if (ops.length > 1) return errorResponse(badRequest('bad_query', `one operation at a time (got ${ops.map((o) => `?${o}`).join(' and ')})`));
  switch (ops[0]) {
    case 'line':
      return guarded(served, () => line(served, query.line!));
    case 'prediction':
      return guarded(served, () => prediction(served, query.prediction!, query.model));
    case 'score':
      return guarded(served, () => score(served, query.model));
    default:
      return query.model === undefined ? serverMetadata(served) : v2ModelMetadata(served, query.model);
  }
}

/** A body of any content type, dispatched on its shape. */
export function routeBody(body: unknown, contentType: string | undefined, model: string | undefined, served: Served): HttpResponse {
  let decoded: unknown;
  try {
    decoded = decodeBody(body, contentType);
  } catch (error) {
    return errorResponse(error, served.log);
  }
  if (typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded)) {
    const obj = decoded as Record<string, unknown>;
    if (isInferenceRequest(obj)) return v2Infer(obj, served, model);
    if (isSeldonRequest(obj)) return seldonPredict(obj, served, model);
  }
  return guarded(served, () => rowsPredict(decoded, served, model));
}

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
