import type { EngineOptions, InferenceEngine } from './engine.js';
import type { ModelSpec } from '../spec.js';

export async function createOnnxEngine(_bytes: Uint8Array, _spec: ModelSpec, _options: EngineOptions): Promise<InferenceEngine> {
  throw new Error('onnx engine: not yet implemented');
}
