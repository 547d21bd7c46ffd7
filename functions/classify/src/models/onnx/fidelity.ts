import { z } from 'zod';
import { readModelMetadata } from './onnx-proto.js';

/**
 * The fidelity reference an exported model carries: a probe input anyone can regenerate from four
 * numbers, and what the reference executor (tfjs-layers) answered on it. An engine is adopted only if
 * it reproduces that answer; checking needs neither TF.js nor the original model.
 */

/** metadata_props key holding the reference (JSON). */
export const PROBE_METADATA_KEY = 'bucketml.probe';
/** Largest difference in any output probability an engine may show against the reference. */
export const FIDELITY_TOLERANCE = 1e-3;

export interface ProbeSpec {
  /** Square input size: the probe is [1, size, size, 3] NHWC float32. */
  size: number;
  seed: number;
  /** Values are uniform in [low, high): the model's input range (e.g. -1..1 for MobileNet). */
  low: number;
  high: number;
}

export interface ProbeReference {
  probe: ProbeSpec;
  /** What the model outputs: probabilities (a softmax) or logits. */
  output: 'softmax' | 'logits';
  /** The reference executor's output on the probe (one image). */
  values: Float32Array;
  /** Who computed `values`, e.g. `tfjs-layers 4.22.0 (cpu)`. */
  executor: string;
  model?: { name?: string | undefined; version?: string | undefined } | undefined;
}

/** The default probe for a model of this input size and input range. */
export function defaultProbe(size: number, range: readonly [number, number] = [-1, 1]): ProbeSpec {
  return { size, seed: 7, low: range[0], high: range[1] };
}

/**
 * The probe image, NHWC float32. Our own generator (a Weyl sequence through murmur3's 32-bit
 * finaliser), so the same spec gives the same bits in any runtime; tf.random differs by backend.
 */
export function probeInput(spec: ProbeSpec): Float32Array {
  const n = spec.size * spec.size * 3;
  const out = new Float32Array(n);
  let state = spec.seed >>> 0;
  const span = spec.high - spec.low;
  for (let i = 0; i < n; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    out[i] = spec.low + (z / 0x1_0000_0000) * span;
  }
  return out;
}

/** Softmax of logits (computed in float64), or the values themselves when they already are probabilities. */
export function toProbabilities(values: ArrayLike<number>, output: 'softmax' | 'logits'): Float64Array {
  const p = Float64Array.from(values as ArrayLike<number>);
  if (output === 'softmax') return p;
  const max = p.reduce((m, v) => Math.max(m, v), -Infinity);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i] = Math.exp((p[i] as number) - max);
  for (let i = 0; i < p.length; i++) p[i] = (p[i] as number) / sum;
  return p;
}

export interface FidelityResult {
  ok: boolean;
  /** Largest absolute difference of any class probability. */
  maxDifference: number;
  top1: { reference: number; actual: number };
  /** Why it failed, for the log; absent when ok. */
  reason?: string;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[best] as number)) best = i;
  return best;
}

/**
 * Compares an engine's output on the probe with the reference: every probability within
 * FIDELITY_TOLERANCE and the same top-1 class. `actual` is the model's raw output (`'raw'`, same kind
 * as the reference: logits when the model outputs logits) or already probabilities.
 */
export function compareWithReference(reference: ProbeReference, actual: ArrayLike<number>, actualIs: 'raw' | 'probabilities' = 'raw'): FidelityResult {
  const expected = toProbabilities(reference.values, reference.output);
  const got = toProbabilities(actual, actualIs === 'raw' ? reference.output : 'softmax');
  const top1 = { reference: argmax(expected), actual: argmax(got) };
  if (got.length !== expected.length) {
    return { ok: false, maxDifference: Infinity, top1, reason: `${got.length} outputs, the reference has ${expected.length}` };
  }
  let maxDifference = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs((got[i] as number) - (expected[i] as number));
    // NaN compares false: make it count as a failure.
    maxDifference = Number.isNaN(d) ? Infinity : Math.max(maxDifference, d);
  }
  if (maxDifference > FIDELITY_TOLERANCE) return { ok: false, maxDifference, top1, reason: `probabilities differ by up to ${maxDifference.toExponential(2)} (tolerance ${FIDELITY_TOLERANCE})` };
  if (top1.actual !== top1.reference) return { ok: false, maxDifference, top1, reason: `top-1 class ${top1.actual}, the reference says ${top1.reference}` };
  return { ok: true, maxDifference, top1 };
}

const referenceJson = z.strictObject({
  probe: z.strictObject({ size: z.number().int().min(1).max(4096), seed: z.number().int(), low: z.number(), high: z.number() }),
  output: z.enum(['softmax', 'logits']),
  /** float32 little-endian, base64: exact and a third the size of decimal text. */
  values: z.base64(),
  executor: z.string(),
  model: z.strictObject({ name: z.string().optional(), version: z.string().optional() }).optional(),
});

export function encodeProbeReference(r: ProbeReference): string {
  const bytes = new Uint8Array(r.values.length * 4);
  const view = new DataView(bytes.buffer);
  r.values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const json: z.input<typeof referenceJson> = { probe: r.probe, output: r.output, values: Buffer.from(bytes).toString('base64'), executor: r.executor };
  if (r.model) json.model = Object.fromEntries(Object.entries(r.model).filter(([, v]) => v !== undefined));
  return JSON.stringify(json);
}

export function decodeProbeReference(text: string): ProbeReference {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${PROBE_METADATA_KEY} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = referenceJson.safeParse(raw);
  if (!parsed.success) throw new Error(`${PROBE_METADATA_KEY} is not a probe reference: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const bytes = Buffer.from(parsed.data.values, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`${PROBE_METADATA_KEY}: values are not float32`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return { ...parsed.data, values };
}

/** The reference embedded in an ONNX model's metadata_props, or undefined when it has none. */
export function readProbeReference(onnx: Uint8Array): ProbeReference | undefined {
  const text = readModelMetadata(onnx)[PROBE_METADATA_KEY];
  return text === undefined ? undefined : decodeProbeReference(text);
}
