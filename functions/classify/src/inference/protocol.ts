import type { EngineName, PreparedModel } from '../models/engines/engine.js';
import type { ModelSpec } from '../models/spec.js';

/**
 * Messages between the pool (main thread) and an inference worker. Everything here crosses by
 * structured clone; image bytes and probabilities cross as transferred buffers (moved, not copied).
 */

/** workerData: what a worker needs to create its engine; the model bytes travel once per worker. */
export interface WorkerSetup {
  engine: EngineName;
  model: PreparedModel;
  spec: ModelSpec;
  threads: number;
}

/** Main → worker: `n` images, RGB bytes back to back (n × size × size × 3). */
export interface RunRequest {
  type: 'run';
  id: number;
  n: number;
  pixels: Uint8Array;
}

/** Worker → main. */
export type WorkerMessage =
  | { type: 'ready'; engine: EngineName; executor: string; classes: number; startMs: number }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; probabilities: Float32Array }
  | { type: 'error'; id: number; message: string };
