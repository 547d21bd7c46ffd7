import * as ort from 'onnxruntime-node';
import type { EngineOptions, InferenceEngine } from './engine.js';
import type { ModelSpec } from '../spec.js';

/**
 * ONNX Runtime (onnxruntime-node, CPU). Runs models exported by our own command (NHWC input, as TF.js)
 * and ONNX models from elsewhere (NCHW input, as PyTorch exports): the layout is read from the input
 * shape and NHWC input is transposed when the model wants NCHW.
 */
type Layout = 'nhwc' | 'nchw';

class OnnxEngine implements InferenceEngine {
  readonly name = 'onnx' as const;
  readonly executor = 'onnx';

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly spec: ModelSpec,
    private readonly layout: Layout,
    readonly classes: number,
  ) {}

  async run(input: Float32Array, n: number): Promise<Float32Array> {
    const size = this.spec.inputSize;
    if (input.length !== n * size * size * 3) throw new Error(`expected ${n * size * size * 3} input values for ${n} images, got ${input.length}`);
    const data = this.layout === 'nchw' ? toNchw(input, n, size) : input;
    const dims = this.layout === 'nchw' ? [n, 3, size, size] : [n, size, size, 3];
    const inputName = this.session.inputNames[0] as string;
    const outputName = this.session.outputNames[0] as string;
    const feeds = { [inputName]: new ort.Tensor('float32', data, dims) };
    const results = await this.session.run(feeds);
    const output = results[outputName];
    if (!output || output.type !== 'float32') throw new Error(`the ONNX model's output ${outputName} is not float32`);
    const values = output.data as Float32Array;
    if (values.length !== n * this.classes) throw new Error(`the ONNX model gave ${values.length} values for ${n} images of ${this.classes} classes`);
    if (this.spec.output === 'logits') softmaxRows(values, this.classes);
    return values;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export async function createOnnxEngine(bytes: Uint8Array, spec: ModelSpec, options: EngineOptions): Promise<InferenceEngine> {
  const session = await ort.InferenceSession.create(bytes, {
    // ONNX Runtime's default follows the host's cores, not the pod's CPU limit.
    intraOpNumThreads: Math.max(1, options.threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  try {
    const layout = inputLayout(session, spec.inputSize);
    const classes = outputClasses(session) ?? (await probeClasses(session, spec, layout));
    return new OnnxEngine(session, spec, layout, classes);
  } catch (error) {
    await session.release();
    throw error;
  }
}

function tensorShape(meta: ort.InferenceSession.ValueMetadata | undefined): readonly (number | string)[] | undefined {
  return meta?.isTensor ? meta.shape : undefined;
}

/** NHWC or NCHW from the first input's shape; a fixed spatial size must be the spec's. */
function inputLayout(session: ort.InferenceSession, size: number): Layout {
  const meta = session.inputMetadata[0];
  const shape = tensorShape(meta);
  if (!shape || shape.length !== 4) throw new Error(`the ONNX model's input ${session.inputNames[0]} is not an image batch [N, H, W, 3] or [N, 3, H, W] (shape ${JSON.stringify(shape)})`);
  if (meta?.isTensor && meta.type !== 'float32') throw new Error(`the ONNX model's input is ${meta.type}, not float32`);
  const layout: Layout = shape[3] === 3 ? 'nhwc' : shape[1] === 3 ? 'nchw' : 'nhwc';
  const [h, w] = layout === 'nhwc' ? [shape[1], shape[2]] : [shape[2], shape[3]];
  for (const d of [h, w]) {
    if (typeof d === 'number' && d > 0 && d !== size) throw new Error(`the ONNX model takes ${d}×${d} images, the model spec says ${size} (MODEL_INPUT_SIZE / model.config.json)`);
  }
  return layout;
}

function outputClasses(session: ort.InferenceSession): number | undefined {
  const last = tensorShape(session.outputMetadata[0])?.at(-1);
  return typeof last === 'number' && last > 0 ? last : undefined;
}

/** Models with a symbolic class dimension: ask by running one blank image. */
async function probeClasses(session: ort.InferenceSession, spec: ModelSpec, layout: Layout): Promise<number> {
  const size = spec.inputSize;
  const dims = layout === 'nchw' ? [1, 3, size, size] : [1, size, size, 3];
  const out = await session.run({ [session.inputNames[0] as string]: new ort.Tensor('float32', new Float32Array(size * size * 3), dims) });
  return out[session.outputNames[0] as string]?.size ?? 0;
}

function toNchw(input: Float32Array, n: number, size: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(input.length);
  for (let b = 0; b < n; b++) {
    const base = b * plane * 3;
    for (let p = 0; p < plane; p++) {
      out[base + p] = input[base + p * 3] as number;
      out[base + plane + p] = input[base + p * 3 + 1] as number;
      out[base + 2 * plane + p] = input[base + p * 3 + 2] as number;
    }
  }
  return out;
}

/** In place, per row of `classes` values (float64 sums: 1000 classes of float32 lose digits). */
function softmaxRows(values: Float32Array, classes: number): void {
  for (let start = 0; start < values.length; start += classes) {
    const row = values.subarray(start, start + classes);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let i = 0; i < row.length; i++) sum += row[i] = Math.exp((row[i] as number) - max);
    for (let i = 0; i < row.length; i++) row[i] = (row[i] as number) / sum;
  }
}
