import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { EngineName, EngineOptions, InferenceEngine, PreparedModel } from './engine.js';
import { FusedPlan } from './fused-plan.js';
import type { ModelSpec } from '../spec.js';

/**
 * TF.js engines: tfjs-node (native libtensorflow, optional: its install downloads a binary that is not
 * always reachable), wasm (SIMD, portable) and cpu (pure JS, the last resort). TF.js keeps one active
 * backend per thread, so an engine makes its own backend active before it runs.
 */
export type TfjsEngineName = Exclude<EngineName, 'onnx'>;
type TfjsModel = Extract<PreparedModel, { format: 'tfjs' }>;

const BACKEND: Record<TfjsEngineName, string> = { 'tfjs-node': 'tensorflow', 'tfjs-wasm': 'wasm', 'tfjs-cpu': 'cpu' };

/** Largest difference in output probability the fused plan may show against tfjs-layers (float32 reordering). */
const FUSED_TOLERANCE = 1e-3;

const starting = new Map<TfjsEngineName, Promise<void>>();

/** Imports the backend's package and makes it the active one (once per thread, however many engines ask); throws why it cannot. */
export async function startBackend(name: TfjsEngineName, options: EngineOptions): Promise<void> {
  let start = starting.get(name);
  if (!start) {
    start = initialise(name, options);
    starting.set(name, start);
    start.catch(() => starting.delete(name));
  }
  await start;
  await useBackend(name);
}

async function initialise(name: TfjsEngineName, options: EngineOptions): Promise<void> {
  if (name === 'tfjs-node') {
    // Optional dependency: not in package.json; present only where it could be installed.
    const moduleName = '@tensorflow/tfjs-node';
    await import(moduleName);
  } else if (name === 'tfjs-wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Honoured where the threaded binary runs; in Node tfjs-backend-wasm uses its single-threaded one
    // (tensorflow/tfjs#3830), so extra cores come from more engines in worker threads instead.
    wasm.setThreadsCount(Math.max(1, options.threads));
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  if (!(await tf.setBackend(BACKEND[name]))) throw new Error(`${name}: did not initialise`);
  await tf.ready();
}

async function useBackend(name: TfjsEngineName): Promise<void> {
  if (tf.getBackend() !== BACKEND[name] && !(await tf.setBackend(BACKEND[name]))) throw new Error(`${name}: did not initialise`);
}

async function loadModel(model: TfjsModel): Promise<LayersModel | GraphModel> {
  return model.kind === 'graph'
    ? // Imported only for graph models: it is a tenth of the cold start otherwise spent on imports.
      (await import('@tensorflow/tfjs-converter')).loadGraphModel(tf.io.fromMemory(model.artifacts))
    : loadLayersModel(tf.io.fromMemory(model.artifacts));
}

function probabilities(y: tf.Tensor, spec: ModelSpec): tf.Tensor {
  return spec.output === 'logits' ? tf.softmax(y) : y;
}

class TfjsEngine implements InferenceEngine {
  readonly classes: number;

  constructor(
    readonly name: TfjsEngineName,
    private readonly spec: ModelSpec,
    private readonly model: LayersModel | GraphModel,
    private readonly kind: 'layers' | 'graph',
    private readonly plan: FusedPlan | undefined,
  ) {
    this.classes = outputSize(model, spec.inputSize);
  }

  get executor(): string {
    return this.plan ? 'fused' : this.kind;
  }

  async run(input: Float32Array, n: number): Promise<Float32Array> {
    const size = this.spec.inputSize;
    if (input.length !== n * size * size * 3) throw new Error(`expected ${n * size * size * 3} input values for ${n} images, got ${input.length}`);
    await useBackend(this.name);
    const y = tf.tidy(() => {
      const x = tf.tensor4d(input, [n, size, size, 3]);
      return probabilities(this.plan ? this.plan.predict(x) : (this.model.predict(x) as tf.Tensor), this.spec);
    });
    try {
      return (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.plan?.dispose();
    this.model.dispose();
  }
}

export async function createTfjsEngine(name: TfjsEngineName, prepared: TfjsModel, spec: ModelSpec, options: EngineOptions & { fuse?: boolean }): Promise<InferenceEngine> {
  await startBackend(name, options);
  const model = await loadModel(prepared);
  const plan = prepared.kind === 'layers' && options.fuse !== false ? fusedPlanFor(model as LayersModel, spec) : undefined;
  return new TfjsEngine(name, spec, model, prepared.kind, plan);
}

/** The fused plan, only if it reproduces tfjs-layers' output on a probe input. */
function fusedPlanFor(model: LayersModel, spec: ModelSpec): FusedPlan | undefined {
  const plan = FusedPlan.build(model);
  if (!plan) return undefined;
  const size = spec.inputSize;
  const difference = tf.tidy(() => {
    const probe = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const expected = probabilities(model.predict(probe) as tf.Tensor, spec);
    const actual = probabilities(plan.predict(probe), spec);
    return tf.max(tf.abs(tf.sub(expected, actual))).dataSync()[0] ?? Infinity;
  });
  if (difference <= FUSED_TOLERANCE) return plan;
  plan.dispose();
  return undefined;
}

/** Classes the model outputs: from its declared output shape, else (graph models may not say) by a probe. */
function outputSize(model: LayersModel | GraphModel, size: number): number {
  const declared = model.outputs[0]?.shape?.at(-1);
  if (typeof declared === 'number' && declared > 0) return declared;
  return tf.tidy(() => (model.predict(tf.zeros([1, size, size, 3])) as tf.Tensor).shape.at(-1) ?? 0);
}
