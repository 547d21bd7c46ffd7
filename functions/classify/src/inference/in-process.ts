import type { InferenceEngine } from '../models/engines/engine.js';
import type { ModelSpec } from '../models/spec.js';
import { Batcher } from './batcher.js';
import { scalePixels } from '../models/spec.js';
import { concatImages, splitRows } from './scale.js';
import { checkImage, shuttingDown, type BatchingOptions, type InferenceService, type InferenceStats } from './service.js';

/**
 * The engine on the request's own thread (INFERENCE_WORKERS=0): the design before the pool, kept for
 * the benchmark's side-by-side and for single-core instances. Inference holds the event loop while it
 * runs; the same bounded queue and batching apply, with one lane.
 */
export class InProcessInference implements InferenceService {
  private readonly batcher: Batcher<Uint8Array, Float32Array>;
  private readonly imageBytes: number;

  constructor(
    private readonly engine: InferenceEngine,
    private readonly spec: ModelSpec,
    private readonly options: BatchingOptions,
  ) {
    this.imageBytes = spec.inputSize ** 2 * 3;
    this.batcher = new Batcher({ ...options, run: (images) => this.run(images) }, 1);
  }

  classify(pixels: Uint8Array): Promise<Float32Array> {
    checkImage(pixels, this.imageBytes);
    return this.batcher.submit(pixels);
  }

  stats(): InferenceStats {
    const s = this.batcher.stats();
    return { queued: s.queued, inFlight: s.inFlight, workers: 0, capacity: this.options.maxBatch + this.options.maxQueue, batches: s.batches, batchedImages: s.items };
  }

  async close(): Promise<void> {
    this.batcher.close(shuttingDown());
    await this.engine.dispose();
  }

  private async run(images: Uint8Array[]): Promise<Float32Array[]> {
    const n = images.length;
    const input = scalePixels(n === 1 ? (images[0] as Uint8Array) : concatImages(images), this.spec.scaling);
    return splitRows(await this.engine.run(input, n), n);
  }
}
