import { FunctionError } from '../vendor/core/index.js';

/**
 * What the pipeline depends on for inference: one image's bytes in, its class probabilities out.
 * Where the engine runs (worker threads or the request's own thread), scaling and batching are inside.
 */
export interface InferenceService {
  /** One RGB image, size×size×3 bytes → probabilities per class. */
  classify(pixels: Uint8Array): Promise<Float32Array>;
  stats(): InferenceStats;
  close(): Promise<void>;
}

export interface InferenceStats {
  /** Images waiting for an engine. */
  queued: number;
  /** Images in batches being computed. */
  inFlight: number;
  /** Worker threads ready (0 when the engine runs in the request's own thread). */
  workers: number;
  /** Images accepted at once (computing + waiting) before new ones are answered 503 `overloaded`. */
  capacity: number;
  /** Batches run so far, and the images in them (mean batch size = batchedImages / batches). */
  batches: number;
  batchedImages: number;
}

export interface BatchingOptions {
  /** Images per engine run at most (MAX_BATCH). */
  maxBatch: number;
  /** Images that may wait for an engine (MAX_QUEUE). */
  maxQueue: number;
  /** Every batch as it starts, by size (metrics). */
  onBatch?(size: number): void;
}

/** A wrong-sized image is a bug upstream (decode makes size×size×3), never a user error. */
export function checkImage(pixels: Uint8Array, bytes: number): void {
  if (pixels.length !== bytes) throw new Error(`expected an image of ${bytes} bytes (size×size×3), got ${pixels.length}`);
}

/** What requests still waiting get when the instance stops (retryable: another instance takes them). */
export function shuttingDown(): FunctionError {
  return new FunctionError(503, 'shutting_down', 'the instance is shutting down; try again');
}
