import type { io } from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../spec.js';

/**
 * One interface for every inference engine (ONNX Runtime, TF.js on tfjs-node / wasm / cpu). The
 * pipeline and the worker pool see only this; an engine's packages are imported when it is created.
 */
export type EngineName = 'onnx' | 'tfjs-node' | 'tfjs-wasm' | 'tfjs-cpu';

/** What a worker thread needs to create an engine: structured-cloneable, no functions. */
export type PreparedModel =
  | { format: 'onnx'; bytes: Uint8Array }
  | { format: 'tfjs'; kind: 'layers' | 'graph'; artifacts: io.ModelArtifacts };

export interface EngineOptions {
  /** Intra-op threads for this engine instance. */
  threads: number;
}

export interface InferenceEngine {
  readonly name: EngineName;
  /** How outputs are computed: 'onnx' | 'fused' | 'layers' | 'graph'. */
  readonly executor: string;
  readonly classes: number;
  /** n images NHWC float32, already scaled (spec.scaling), n*size*size*3 values → n*classes probabilities. */
  run(input: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Creates the named engine; only that engine's module (and its packages) is imported. */
export async function createEngine(name: EngineName, model: PreparedModel, spec: ModelSpec, options: EngineOptions): Promise<InferenceEngine> {
  if (name === 'onnx') {
    if (model.format !== 'onnx') throw new Error(`the onnx engine runs an ONNX model, not a ${model.format} one`);
    return (await import('./onnx.js')).createOnnxEngine(model.bytes, spec, options);
  }
  if (model.format !== 'tfjs') throw new Error(`the ${name} engine runs a TF.js model, not an ${model.format} one`);
  return (await import('./tfjs.js')).createTfjsEngine(name, model, spec, options);
}
