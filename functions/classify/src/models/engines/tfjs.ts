import type { EngineName, EngineOptions, InferenceEngine, PreparedModel } from './engine.js';
import type { ModelSpec } from '../spec.js';

export async function createTfjsEngine(_name: Exclude<EngineName, 'onnx'>, _model: Extract<PreparedModel, { format: 'tfjs' }>, _spec: ModelSpec, _options: EngineOptions): Promise<InferenceEngine> {
  throw new Error('tfjs engine: not yet implemented');
}
