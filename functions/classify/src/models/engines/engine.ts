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

/** Creates engines of one kind from prepared models. */
export type EngineFactory = (model: PreparedModel, spec: ModelSpec, options: EngineOptions) => Promise<InferenceEngine>;

/**
 * Imports the named engine's module and packages (and starts a TF.js backend): the only place they
 * are imported, so choosing ONNX never loads TF.js and vice versa.
 */
export async function engineFactory(name: EngineName, options: EngineOptions & { fuse?: boolean }): Promise<EngineFactory> {
  if (name === 'onnx') {
    const { createOnnxEngine } = await import('./onnx.js');
    return async (model, spec, engineOptions) => {
      if (model.format !== 'onnx') throw new Error(`the onnx engine runs an ONNX model, not a ${model.format} one`);
      return createOnnxEngine(model.bytes, spec, engineOptions);
    };
  }
  const { createTfjsEngine, startBackend } = await import('./tfjs.js');
  await startBackend(name, options);
  return async (model, spec, engineOptions) => {
    if (model.format !== 'tfjs') throw new Error(`the ${name} engine runs a TF.js model, not an ${model.format} one`);
    return createTfjsEngine(name, model, spec, { ...engineOptions, ...(options.fuse === undefined ? {} : { fuse: options.fuse }) });
  };
}

/** Creates the named engine; only that engine's module (and its packages) is imported. */
export async function createEngine(name: EngineName, model: PreparedModel, spec: ModelSpec, options: EngineOptions): Promise<InferenceEngine> {
  return (await engineFactory(name, options))(model, spec, options);
}
