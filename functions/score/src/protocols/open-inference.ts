import { z } from 'zod';
import type { LoadedModel } from '../artifact/load.js';
import { parseNumber } from '../dataset/table.js';
import type { Served } from '../served.js';
import { badRequest, FunctionError, jsonResponse, type HttpResponse } from '../vendor/core/index.js';
import { SERVER_NAME, SERVER_VERSION } from '../version.js';
import { denseNumbers, isPlainObject, isShape } from './dense-input.js';
import { matrixFromPositional } from './features.js';
import { DATATYPES, tensorValues, type TensorInput } from './oip-tensor.js';

/**
 * Open Inference Protocol v2, REST (kserve/open-inference-protocol specification/protocol/
 * inference_rest.md and open_inference_rest.yaml; KServe docs/predict-api/v2/required_api.md).
 * Inputs are one [n, features] (or [features]) tensor in the model's feature order, or one [n] / [n, 1]
 * tensor per feature named by the feature (MLServer's pandas-style request). Outputs are `predict`
 * (class labels) and `predict_proba`; without `outputs` both are returned, as the spec says ("if not
 * specified all outputs produced by the model will be returned"). Errors are `{"error": "..."}`.
 */
export const OUTPUTS = ['predict', 'predict_proba'] as const;
export const INPUT_NAME = 'input-0';

// The spec's $parameters are an object of string/number/boolean; clients put richer values there too
// (MLServer's content_type), so any value is accepted; only Triton's binary_data* ones (oip-binary.ts)
// change how tensors travel, never the answer.
const parameters = z.record(z.string(), z.unknown()).optional();

const requestSchema = z.object({
  id: z.string().optional(),
  parameters,
  inputs: z
    .array(
      z.object({
        name: z.string().min(1),
        shape: z.array(z.int().nonnegative()).min(1).max(2),
        datatype: z.enum(DATATYPES),
        parameters,
        data: z.array(z.unknown()),
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.string(), parameters })).optional(),
});

type InferenceRequest = z.output<typeof requestSchema>;

const optionalObject = (v: unknown): boolean => v === undefined || isPlainObject(v);

/**
 * The request when it is one the schema accepts, checked by hand without walking `data` (the schema
 * takes its elements as they are, and walking 200 000 of them is most of a large request's cost);
 * undefined otherwise, and the schema then reports the problem.
 */
function plainRequest(body: unknown): InferenceRequest | undefined {
  if (!isPlainObject(body)) return undefined;
  const { id, parameters: p, inputs, outputs } = body;
  if ((id !== undefined && typeof id !== 'string') || !optionalObject(p) || !Array.isArray(inputs) || inputs.length === 0) return undefined;
  const inputsOk = inputs.every(
    (i) =>
      isPlainObject(i) &&
      typeof i['name'] === 'string' &&
      i['name'].length > 0 &&
      isShape(i['shape']) &&
      (DATATYPES as readonly unknown[]).includes(i['datatype']) &&
      optionalObject(i['parameters']) &&
      Array.isArray(i['data']),
  );
  const outputsOk = outputs === undefined || (Array.isArray(outputs) && outputs.every((o) => isPlainObject(o) && typeof o['name'] === 'string' && optionalObject(o['parameters'])));
  return inputsOk && outputsOk ? (body as InferenceRequest) : undefined;
}

/** One floating-point [n, features] (or [features]) tensor of plain numbers, straight into the matrix. */
function denseTensor(input: TensorInput, features: number): { x: Float64Array; rows: number } | undefined {
  const { shape, datatype } = input;
  if (datatype !== 'FP64' && datatype !== 'FP32' && datatype !== 'FP16') return undefined;
  const [rows, width] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
  if (width !== features) return undefined;
  const x = denseNumbers(input.data, rows, width, shape.length === 2, datatype === 'FP32' ? Math.fround : undefined);
  return x && { x, rows };
}

export function isInferenceRequest(body: Record<string, unknown>): boolean {
  return 'inputs' in body;
}

/** The spec's error object: `{"error": <message>}`. */
export const v2Error = (status: number, message: string): HttpResponse => jsonResponse(status, { error: message });

/** The input rows (raw features in model order) of a request. */
function inputMatrix(inputs: readonly TensorInput[], loaded: LoadedModel): { x: Float64Array; rows: number } {
  const model = loaded.model;
  const f = model.featureNames.length;
  const features = new Set(model.featureNames);
  const byFeature = inputs.length > 1 || (f === 1 && features.has(inputs[0]!.name.trim()));
  if (!byFeature) {
    const input = inputs[0]!;
    const dense = denseTensor(input, f);
    if (dense) return dense;
    const flat = tensorValues(input);
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
    const flat = tensorValues(input);
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

/** The model a path names, at the version it names (the spec's 404 for either being unknown). */
export function modelAt(served: Served, name: string, version: string | undefined): LoadedModel {
  const loaded = served.named(name);
  if (version !== undefined && version !== loaded.version) {
    throw new FunctionError(404, 'unknown_version', `model "${name}" has no version "${version}" (served: ${loaded.version})`);
  }
  return loaded;
}

/** Inference: throws FunctionError for a request it cannot answer (the caller renders `{"error"}`). */
export function v2Infer(body: unknown, served: Served, loaded: LoadedModel): HttpResponse {
  let request = plainRequest(body);
  if (!request) {
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) throw badRequest('bad_request', parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    request = parsed.data;
  }
  const wanted = request.outputs === undefined ? [...OUTPUTS] : request.outputs.map((o) => o.name);
  const unknown = wanted.filter((w) => !(OUTPUTS as readonly string[]).includes(w));
  if (unknown.length) throw badRequest('unknown_output', `unknown output ${JSON.stringify(unknown[0])}: model "${loaded.model.name}" offers ${OUTPUTS.join(' and ')}`);
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
}

/** Model metadata ($metadata_model_response): tensors as the loaded model defines them. */
export function modelMetadata(loaded: LoadedModel): Record<string, unknown> {
  const { artifact, model } = loaded;
  const k = model.classes.length;
  return {
    name: model.name,
    versions: [loaded.version],
    platform: `bucket-ml-${model.type}`,
    inputs: [
      {
        name: INPUT_NAME,
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

/** Server metadata ($metadata_server_response). */
export function serverMetadata(): Record<string, unknown> {
  return { name: SERVER_NAME, version: SERVER_VERSION, extensions: ['binary_tensor_data', 'seldon-v1', 'feature-rows', 'classic-operations'] };
}

// Health: 200 means true (required_api.md "Health"); the bodies are those of inference_rest.md.
export const serverLive = (): HttpResponse => jsonResponse(200, { live: true });
export const serverReady = (): HttpResponse => jsonResponse(200, { ready: true });
export const modelReady = (loaded: LoadedModel): HttpResponse => jsonResponse(200, { name: loaded.model.name, ready: true });
