import { z } from 'zod';
import type { Served } from '../served.js';
import { badRequest, FunctionError, jsonResponse, type HttpResponse } from '../vendor/core/index.js';
import { matrixFromNamedColumns, matrixFromPositional } from './features.js';

/**
 * Seldon Core v1 prediction: `{"data": {"names": [...], "ndarray": [[...]]}}` or `{"data": {"tensor":
 * {"shape": [n, f], "values": [...]}}}`, answered as Seldon's SKLearn server does with
 * method=predict_proba: one row of class probabilities per input row, columns named by class, in the
 * request's own encoding. Errors use Seldon's status shape.
 */
const numeric = z.union([z.number(), z.string()]);
const requestSchema = z
  .object({
    meta: z.record(z.string(), z.unknown()).optional(),
    data: z
      .object({
        names: z.array(z.string()).optional(),
        ndarray: z.union([z.array(z.array(numeric)), z.array(numeric)]).optional(),
        tensor: z.object({ shape: z.array(z.int().nonnegative()).min(1).max(2), values: z.array(z.number()) }).optional(),
      })
      .refine((d) => (d.ndarray === undefined) !== (d.tensor === undefined), 'data needs exactly one of ndarray or tensor'),
  })
  .loose();

/** True when a body is meant for this protocol (routing only; validation follows). */
export function isSeldonRequest(body: Record<string, unknown>): boolean {
  const d = body['data'];
  return (typeof d === 'object' && d !== null && !Array.isArray(d)) || 'jsonData' in body || 'strData' in body || 'binData' in body;
}

export function seldonError(status: number, info: string): HttpResponse {
  return jsonResponse(status, {
    status: { code: status, info, reason: status >= 500 ? 'MICROSERVICE_INTERNAL_ERROR' : 'MICROSERVICE_BAD_DATA', status: 'FAILURE' },
  });
}

export function seldonPredict(body: Record<string, unknown>, served: Served, modelName: string | undefined): HttpResponse {
  try {
    if (!('data' in body)) throw badRequest('unsupported_payload', 'only data.ndarray and data.tensor are supported (not jsonData, strData or binData)');
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) throw badRequest('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { data } = parsed.data;
    const loaded = served.one(modelName);
    const model = loaded.model;

    let rows: (readonly unknown[])[];
    if (data.tensor) {
      const { shape, values } = data.tensor;
      const [n, f] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
      if (n * f !== values.length) throw badRequest('bad_shape', `tensor shape [${shape.join(', ')}] needs ${n * f} values, got ${values.length}`);
      rows = Array.from({ length: n }, (_, r) => values.slice(r * f, r * f + f));
    } else {
      const nd = data.ndarray!;
      rows = nd.length > 0 && nd.every((v) => !Array.isArray(v)) ? [nd as unknown[]] : (nd as unknown[][]);
      if (nd.some((v) => !Array.isArray(v)) && nd.some((v) => Array.isArray(v))) throw badRequest('bad_shape', 'ndarray mixes rows and scalars');
    }
    served.checkRows(rows.length);
    const x = data.names ? matrixFromNamedColumns(data.names, rows, model) : matrixFromPositional(rows, model);
    const { proba } = model.run(x, rows.length);
    const k = model.classes.length;
    const names = [...model.classNames];
    const meta = { requestPath: { [model.name]: loaded.version } };
    if (data.tensor) {
      return jsonResponse(200, { data: { names, tensor: { shape: [rows.length, k], values: Array.from(proba) } }, meta });
    }
    const ndarray = Array.from({ length: rows.length }, (_, r) => Array.from(proba.subarray(r * k, r * k + k)));
    return jsonResponse(200, { data: { names, ndarray }, meta });
  } catch (error) {
    if (error instanceof FunctionError) return seldonError(error.status, error.message);
    throw error;
  }
}
