import { z } from 'zod';
import type { LoadedModel } from '../artifact/load.js';
import type { Served } from '../served.js';
import { badRequest, jsonResponse, type HttpResponse } from '../vendor/core/index.js';
import { isPlainObject, isShape, isStringArrayOrAbsent } from './dense-input.js';
import { matrixFromNamedColumns, matrixFromNamedRows, matrixFromPositional } from './features.js';
import { namedRows } from './feature-rows.js';

/**
 * Seldon Core v1 prediction (SeldonMessage, seldon-core proto/prediction.proto; docs
 * reference/apis/external-prediction.md and internal-api.md), answered as Seldon's SKLearn server does
 * with method=predict_proba: one row of class probabilities per input row, columns named by class.
 *
 * - `data.ndarray` / `data.tensor` (with optional `names` to match columns by name) are answered in
 *   the request's own encoding; `jsonData` (rows keyed by feature name, like test.json) gets a
 *   `data.tensor`, as seldon-core's Python wrapper encodes a numeric answer to a request without `data`
 *   (utils.construct_response_json).
 * - `meta.puid`, `meta.tags` and `meta.metrics` come back as sent, and `meta.requestPath` gains this
 *   model and its version, as the wrapper does.
 * - Errors are a SeldonMessage `status` (code, info, reason, status FAILURE).
 */
const numeric = z.union([z.number(), z.string()]);
const metaSchema = z
  .object({
    puid: z.string().optional(),
    tags: z.record(z.string(), z.unknown()).optional(),
    routing: z.record(z.string(), z.int()).optional(),
    requestPath: z.record(z.string(), z.string()).optional(),
    metrics: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .loose();
const requestSchema = z
  .object({
    meta: metaSchema.optional(),
    data: z
      .object({
        names: z.array(z.string()).optional(),
        ndarray: z.union([z.array(z.array(numeric)), z.array(numeric)]).optional(),
        tensor: z.object({ shape: z.array(z.int().nonnegative()).min(1).max(2), values: z.array(z.number()) }).optional(),
      })
      .refine((d) => (d.ndarray === undefined) !== (d.tensor === undefined), 'data needs exactly one of ndarray or tensor')
      .optional(),
    jsonData: z.unknown().optional(),
  })
  .loose();
type Meta = z.infer<typeof metaSchema>;
type SeldonRequest = z.output<typeof requestSchema>;

const isNumeric = (v: unknown): boolean => typeof v === 'number' || typeof v === 'string';
const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/**
 * The message when it is one the schema accepts, checked by hand (the schema's union walks every
 * element of the ndarray twice); undefined otherwise, and the schema then reports the problem.
 */
function plainMessage(message: Record<string, unknown>): SeldonRequest | undefined {
  const { meta, data } = message;
  if (meta !== undefined && !metaSchema.safeParse(meta).success) return undefined;
  if (data === undefined) return message as SeldonRequest;
  if (!isPlainObject(data) || !isStringArrayOrAbsent(data['names'])) return undefined;
  const { ndarray, tensor } = data;
  if ((ndarray === undefined) === (tensor === undefined)) return undefined;
  if (ndarray !== undefined) {
    if (!Array.isArray(ndarray)) return undefined;
    const ok = ndarray.every((row) => Array.isArray(row) && row.every(isNumeric)) || ndarray.every(isNumeric);
    return ok ? (message as SeldonRequest) : undefined;
  }
  const ok = isPlainObject(tensor) && isShape(tensor['shape']) && Array.isArray(tensor['values']) && tensor['values'].every(finite);
  return ok ? (message as SeldonRequest) : undefined;
}

/** True when a body is meant for this protocol (routing only; validation follows). */
export function isSeldonRequest(body: Record<string, unknown>): boolean {
  const d = body['data'];
  return (typeof d === 'object' && d !== null && !Array.isArray(d)) || 'jsonData' in body || 'strData' in body || 'binData' in body;
}

const REASON_BAD_DATA = 'MICROSERVICE_BAD_DATA';
const REASON_INTERNAL = 'MICROSERVICE_INTERNAL_ERROR';

/** SeldonMessage.status for a failure (proto3 JSON: the StatusFlag enum by name). */
export function seldonError(status: number, info: string): HttpResponse {
  return jsonResponse(status, { status: { code: status, info, reason: status >= 500 ? REASON_INTERNAL : REASON_BAD_DATA, status: 'FAILURE' } });
}

/**
 * The SeldonMessage sent as seldon-core's microservice also reads it (flask_utils.get_request): the
 * `json` form field or `?json=` query parameter. Undefined when neither is there (the body is the
 * message).
 */
export function formMessage(body: unknown, query: Record<string, unknown>): unknown {
  const field = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['json'] : undefined;
  const text = typeof field === 'string' ? field : typeof query['json'] === 'string' ? query['json'] : undefined;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('bad_json', 'the json parameter is not valid JSON');
  }
}

function responseMeta(meta: Meta | undefined, loaded: LoadedModel): Record<string, unknown> {
  return {
    ...(meta?.puid ? { puid: meta.puid } : {}),
    ...(meta?.tags && Object.keys(meta.tags).length ? { tags: meta.tags } : {}),
    ...(meta?.metrics?.length ? { metrics: meta.metrics } : {}),
    requestPath: { ...meta?.requestPath, [loaded.model.name]: loaded.version },
  };
}

/** Rows of a jsonData payload: the feature-rows forms (one row, an array, rows keyed by id). */
function jsonDataMatrix(jsonData: unknown, served: Served, loaded: LoadedModel): { x: Float64Array; rows: number } {
  const parsed = namedRows(jsonData);
  if (!parsed) throw badRequest('bad_request', 'jsonData must hold rows keyed by feature name: one object, an array of them, or objects keyed by row id');
  served.checkRows(parsed.rows.length);
  return { x: matrixFromNamedRows(parsed.rows, parsed.ids, loaded.model), rows: parsed.rows.length };
}

/** A prediction: throws FunctionError for a request it cannot answer (the caller renders the status). */
export function seldonPredict(body: unknown, served: Served, loaded: LoadedModel): HttpResponse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('bad_request', 'a SeldonMessage is a JSON object');
  const message = body as Record<string, unknown>;
  if ('strData' in message || 'binData' in message) throw badRequest('unsupported_payload', 'this model takes data.ndarray, data.tensor or jsonData (not strData or binData)');
  if (!('data' in message) && !('jsonData' in message)) throw badRequest('bad_request', 'the SeldonMessage has no data or jsonData');
  let request = plainMessage(message);
  if (!request) {
    const parsed = requestSchema.safeParse(message);
    if (!parsed.success) throw badRequest('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    request = parsed.data;
  }
  const { data, meta, jsonData } = request;
  const model = loaded.model;

  let x: Float64Array;
  let rows: number;
  if (data) {
    let values: (readonly unknown[])[];
    if (data.tensor) {
      const { shape, values: flat } = data.tensor;
      const [n, f] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
      if (n * f !== flat.length) throw badRequest('bad_shape', `tensor shape [${shape.join(', ')}] needs ${n * f} values, got ${flat.length}`);
      values = Array.from({ length: n }, (_, r) => flat.slice(r * f, r * f + f));
    } else {
      const nd = data.ndarray!;
      if (nd.some((v) => !Array.isArray(v)) && nd.some((v) => Array.isArray(v))) throw badRequest('bad_shape', 'ndarray mixes rows and scalars');
      values = nd.length > 0 && nd.every((v) => !Array.isArray(v)) ? [nd as unknown[]] : (nd as unknown[][]);
    }
    served.checkRows(values.length);
    x = data.names ? matrixFromNamedColumns(data.names, values, model) : matrixFromPositional(values, model);
    rows = values.length;
  } else {
    ({ x, rows } = jsonDataMatrix(jsonData, served, loaded));
  }
  const { proba } = model.run(x, rows);
  const k = model.classes.length;
  const names = [...model.classNames];
  const responseData = data?.ndarray
    ? { names, ndarray: Array.from({ length: rows }, (_, r) => Array.from(proba.subarray(r * k, r * k + k))) }
    : { names, tensor: { shape: [rows, k], values: Array.from(proba) } };
  return jsonResponse(200, { data: responseData, meta: responseMeta(meta, loaded) });
}
