import { z } from 'zod';
import type { LoadedModel } from '../artifact/load.js';
import { parseNumber } from '../dataset/table.js';
import type { Served } from '../served.js';
import { badRequest, FunctionError, jsonResponse, type HttpResponse } from '../vendor/core/index.js';
import { matrixFromPositional } from './features.js';
import { SERVER_NAME, SERVER_VERSION } from '../version.js';

/**
 * Open Inference Protocol (KServe / MLServer "v2"). Since the function has only `/`, the model is chosen
 * with `?model=NAME` (or is the default model) instead of /v2/models/NAME/infer, and metadata is
 * `GET /?model=NAME`. Inputs are one [n, features] tensor in the model's feature order, or one [n]
 * tensor per feature named by the feature (MLServer's pandas-style request). Outputs are `predict`
 * (class labels, the default, as MLServer's sklearn runtime) and/or `predict_proba`. Errors are
 * `{"error": "..."}` as the protocol specifies.
 */
const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
const OUTPUTS = ['predict', 'predict_proba'] as const;

const requestSchema = z.object({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z
    .array(
      z.object({
        name: z.string().min(1),
        shape: z.array(z.int().nonnegative()).min(1).max(2),
        datatype: z.enum(DATATYPES),
        parameters: z.record(z.string(), z.unknown()).optional(),
        data: z.array(z.unknown()),
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
});
type Input = z.infer<typeof requestSchema>['inputs'][number];

export function isInferenceRequest(body: Record<string, unknown>): boolean {
  return 'inputs' in body;
}

export const v2Error = (status: number, message: string): HttpResponse => jsonResponse(status, { error: message });

function flatten(data: readonly unknown[]): unknown[] {
  return data.some(Array.isArray) ? data.flat(Infinity) : [...data];
}

function values(input: Input): unknown[] {
  const flat = flatten(input.data);
  const expected = input.shape.reduce((a, b) => a * b, 1);
  if (flat.length !== expected) throw badRequest('bad_shape', `input "${input.name}": shape [${input.shape.join(', ')}] needs ${expected} values, got ${flat.length}`);
  if (input.datatype !== 'BYTES' && flat.some((v) => typeof v !== 'number' && typeof v !== 'boolean')) {
    throw badRequest('bad_datatype', `input "${input.name}": ${input.datatype} data must be numbers`);
  }
  return flat.map((v) => (typeof v === 'boolean' ? Number(v) : v));
}

/** The input rows (raw features in model order) of a request. */
function inputMatrix(inputs: readonly Input[], loaded: LoadedModel): { x: Float64Array; rows: number } {
  const model = loaded.model;
  const f = model.featureNames.length;
  const features = new Set(model.featureNames);
  const byFeature = inputs.length > 1 || (f === 1 && features.has(inputs[0]!.name.trim()));
  if (!byFeature) {
    const input = inputs[0]!;
    const flat = values(input);
    const [n, width] = input.shape.length === 1 ? [1, input.shape[0]!] : [input.shape[0]!, input.shape[1]!];
    if (width !== f) throw badRequest('wrong_width', `input "${input.name}" has ${width} columns; model "${model.name}" takes ${f} features`);
    const rows = Array.from({ length: n }, (_, r) => flat.slice(r * f, r * f + f));
    return { x: matrixFromPositional(rows, model), rows: n };
  }
  // One input per feature, each [n] or [n, 1].
  const columns = new Map<string, unknown[]>();
  let n: number | undefined;
  for (const input of inputs) {
    const name = input.name.trim();
    if (input.shape.length === 2 && input.shape[1] !== 1) throw badRequest('bad_shape', `input "${name}": a per-feature input has shape [n] or [n, 1]`);
    if (columns.has(name)) throw badRequest('duplicate_names', `input "${name}" appears twice`);
    const flat = values(input);
    if (n !== undefined && flat.length !== n) throw badRequest('bad_shape', `inputs disagree on the number of rows (${n} vs ${flat.length} for "${name}")`);
    n = flat.length;
    columns.set(name, flat);
  }
  const missing = model.featureNames.filter((name) => !columns.has(name));
  if (missing.length) {
    throw badRequest('missing_features', `inputs lack ${missing.length} of the ${f} features model "${model.name}" needs, e.g. ${missing.slice(0, 5).map((m) => JSON.stringify(m)).join(', ')}`);
  }
  const rows = n ?? 0;
  const x = new Float64Array(rows * f);
  model.featureNames.forEach((name, c) => {
    columns.get(name)!.forEach((v, r) => {
      const num = parseNumber(v);
      if (num === undefined) throw badRequest('not_a_number', `input "${name}" row ${r}: ${JSON.stringify(v)} is not a finite number`);
      x[r * f + c] = num;
    });
  });
  return { x, rows };
}

export function v2Infer(body: Record<string, unknown>, served: Served, modelName: string | undefined): HttpResponse {
  try {
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) throw badRequest('bad_request', parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const request = parsed.data;
    const loaded = served.one(modelName);
    const wanted = (request.outputs ?? [{ name: 'predict' }]).map((o) => o.name);
    const unknown = wanted.filter((w) => !(OUTPUTS as readonly string[]).includes(w));
    if (unknown.length) throw badRequest('unknown_output', `unknown output ${JSON.stringify(unknown[0])}: this model offers ${OUTPUTS.join(' and ')}`);
    const { x, rows } = inputMatrix(request.inputs, loaded);
    served.checkRows(rows);
    const model = loaded.model;
    const { proba, index } = model.run(x, rows);
    const k = model.classes.length;
    const outputs = [...new Set(wanted)].map((name) =>
      name === 'predict'
        ? { name, shape: [rows], datatype: 'INT64', data: Array.from(index, (i) => model.classes[i]!) }
        : { name, shape: [rows, k], datatype: 'FP64', data: Array.from(proba) },
    );
    return jsonResponse(200, {
      model_name: model.name,
      model_version: loaded.version,
      ...(request.id === undefined ? {} : { id: request.id }),
      parameters: { class_names: [...model.classNames] },
      outputs,
    });
  } catch (error) {
    if (error instanceof FunctionError) return v2Error(error.status, error.message);
    throw error;
  }
}

export function modelMetadata(loaded: LoadedModel): Record<string, unknown> {
  const { artifact, model } = loaded;
  const k = model.classes.length;
  return {
    name: model.name,
    versions: [loaded.version],
    platform: `bucket-ml-${model.type}`,
    inputs: [
      {
        name: 'input-0',
        datatype: 'FP64',
        shape: [-1, model.featureNames.length],
        parameters: { feature_names: [...model.featureNames], preprocessing: artifact.input.preprocessing },
      },
    ],
    outputs: [
      { name: 'predict', datatype: 'INT64', shape: [-1] },
      { name: 'predict_proba', datatype: 'FP64', shape: [-1, k] },
    ],
    parameters: {
      classes: [...model.classes],
      class_names: [...model.classNames],
      description: artifact.description,
      created_at: artifact.createdAt,
      training: artifact.training,
      digest: artifact.integrity.digest,
    },
  };
}

export function v2ModelMetadata(served: Served, name: string): HttpResponse {
  const loaded = served.byName.get(name);
  if (!loaded) return v2Error(404, `no model named "${name}" (served: ${served.names.join(', ')})`);
  return jsonResponse(200, modelMetadata(loaded));
}

/** Server metadata, extended with the list of models (the function has no /v2/models endpoint). */
export function serverMetadata(served: Served): HttpResponse {
  return jsonResponse(200, {
    name: SERVER_NAME,
    version: SERVER_VERSION,
    extensions: ['seldon-v1', 'feature-rows', 'classic-operations'],
    models: served.models.map((m) => ({
      name: m.model.name,
      version: m.version,
      type: m.model.type,
      origin: m.artifact.training.origin,
      features: m.model.featureNames.length,
      classes: m.model.classes.length,
      source: m.source,
    })),
    default_model: served.options.defaultModel ?? (served.models.length === 1 ? served.models[0]!.model.name : null),
    dataset: served.dataset ? { source: served.dataset.source, rows: served.dataset.table.rows.length } : null,
  });
}
