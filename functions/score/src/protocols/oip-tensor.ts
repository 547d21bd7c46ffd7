import { badRequest } from '../vendor/core/index.js';

/**
 * Open Inference Protocol tensor data (kserve/open-inference-protocol, inference_rest.md "Tensor Data"
 * and "Tensor Data Types"): row-major, either flat or nested as the shape, each element of the tensor's
 * datatype. The spec lets a server coerce or refuse an unexpected element; this one refuses, so a
 * client learns its tensor was not what it declared instead of getting a silently different answer.
 */
export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type Datatype = (typeof DATATYPES)[number];

const INTEGER_RANGE: Partial<Record<Datatype, readonly [number, number]>> = {
  INT8: [-(2 ** 7), 2 ** 7 - 1],
  INT16: [-(2 ** 15), 2 ** 15 - 1],
  INT32: [-(2 ** 31), 2 ** 31 - 1],
  // 64-bit integers arrive as JSON numbers: only the exactly representable ones are accepted.
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 2 ** 8 - 1],
  UINT16: [0, 2 ** 16 - 1],
  UINT32: [0, 2 ** 32 - 1],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

export interface TensorInput {
  name: string;
  shape: readonly number[];
  datatype: Datatype;
  data: readonly unknown[];
}

/** The tensor's elements in row-major order, flattened, checked against the shape. */
export function flatElements(input: TensorInput): unknown[] {
  const count = input.shape.reduce((a, b) => a * b, 1);
  const nested = input.data.some(Array.isArray);
  const flat = nested ? unnest(input, input.data, 0) : [...input.data];
  if (flat.length !== count) {
    throw badRequest('bad_shape', `input "${input.name}": shape [${input.shape.join(', ')}] needs ${count} values, got ${flat.length}`);
  }
  return flat;
}

/** Nested data must follow the shape exactly, level by level (no ragged rows). */
function unnest(input: TensorInput, data: readonly unknown[], depth: number): unknown[] {
  const size = input.shape[depth];
  if (size === undefined || data.length !== size) {
    throw badRequest('bad_shape', `input "${input.name}": nested data does not follow shape [${input.shape.join(', ')}] at depth ${depth}`);
  }
  if (depth === input.shape.length - 1) {
    if (data.some(Array.isArray)) throw badRequest('bad_shape', `input "${input.name}": data is nested deeper than shape [${input.shape.join(', ')}]`);
    return [...data];
  }
  return data.flatMap((d) => {
    if (!Array.isArray(d)) throw badRequest('bad_shape', `input "${input.name}": nested data does not follow shape [${input.shape.join(', ')}] at depth ${depth + 1}`);
    return unnest(input, d, depth + 1);
  });
}

/**
 * Elements as model inputs: numbers for numeric datatypes (FP32 rounded to single precision, which is
 * what such a tensor holds), 0/1 for BOOL, and for BYTES the strings themselves (numeric text is read
 * by the feature matrix, which reports the row and feature of anything that is not a number).
 */
export function tensorValues(input: TensorInput): unknown[] {
  const flat = flatElements(input);
  const { datatype, name } = input;
  const wrong = (i: number, what: string): never => {
    throw badRequest('bad_datatype', `input "${name}": ${datatype} data must be ${what}; element ${i} is ${JSON.stringify(flat[i])}`);
  };
  if (datatype === 'BYTES') {
    flat.forEach((v, i) => typeof v === 'string' || wrong(i, 'strings'));
    return flat;
  }
  if (datatype === 'BOOL') return flat.map((v, i) => (typeof v === 'boolean' ? Number(v) : wrong(i, 'true or false')));
  const range = INTEGER_RANGE[datatype];
  if (range) {
    const [lo, hi] = range;
    return flat.map((v, i) => (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : wrong(i, `integers in [${lo}, ${hi}]`)));
  }
  const round = datatype === 'FP32' ? Math.fround : (v: number) => v;
  return flat.map((v, i) => (typeof v === 'number' && Number.isFinite(v) ? round(v) : wrong(i, 'finite numbers')));
}
