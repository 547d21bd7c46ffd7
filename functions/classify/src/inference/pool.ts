import { Worker } from 'node:worker_threads';
import { FunctionError, describe, type Logger } from '../vendor/core/index.js';
import { Batcher } from './batcher.js';
import type { RunRequest, WorkerMessage, WorkerSetup } from './protocol.js';
import { concatImages, splitRows } from './scale.js';
import { checkImage, shuttingDown, type BatchingOptions, type InferenceService, type InferenceStats } from './service.js';

/**
 * Inference on worker threads, one engine each, so the event loop only moves bytes: S3, decoding
 * (sharp, on libuv's threads), health checks and batching stay responsive while every worker computes.
 * Requests are micro-batched per free worker (batcher.ts). A worker that dies fails its batch with a
 * retryable 503 and is replaced; requests never wait on a worker that is gone.
 */
export interface PoolOptions extends BatchingOptions {
  setup: WorkerSetup;
  workers: number;
  log?: Logger;
  /** Starts one worker thread (tests wrap it to reach the threads); default: worker.js beside this module. */
  spawn?: (setup: WorkerSetup) => Worker;
}

/** How long close() lets a running batch finish before ending its worker anyway. */
const DRAIN_TIMEOUT_MS = 10_000;
/** Longest wait between attempts to replace a worker that cannot start. */
const MAX_RESPAWN_DELAY_MS = 30_000;

export class WorkerPool implements InferenceService {
  private readonly ready = new Set<PoolWorker>();
  private readonly idle: PoolWorker[] = [];
  private readonly batcher: Batcher<Uint8Array, Float32Array>;
  private readonly imageBytes: number;
  private closing = false;
  private respawnDelayMs = 250;

  private constructor(private readonly options: PoolOptions) {
    this.imageBytes = options.setup.spec.inputSize ** 2 * 3;
    this.batcher = new Batcher({ ...options, run: (images) => this.run(images) }, 0);
  }

  /** Starts every worker and resolves once all are ready (their engines created and warmed up). */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    if (options.workers < 1) throw new RangeError('a pool needs at least one worker');
    const pool = new WorkerPool(options);
    try {
      await Promise.all(Array.from({ length: options.workers }, () => pool.startWorker()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  classify(pixels: Uint8Array): Promise<Float32Array> {
    checkImage(pixels, this.imageBytes);
    return this.batcher.submit(pixels);
  }

  stats(): InferenceStats {
    const s = this.batcher.stats();
    return {
      queued: s.queued,
      inFlight: s.inFlight,
      workers: this.ready.size,
      capacity: this.ready.size * this.options.maxBatch + this.options.maxQueue,
      batches: s.batches,
      batchedImages: s.items,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.batcher.close(shuttingDown());
    const all = [...this.ready];
    this.ready.clear();
    this.idle.length = 0;
    // Batches already computing finish (one batch: milliseconds). ONNX Runtime completes a run on a
    // native thread and then calls into the worker: a worker terminated mid-run aborts the process.
    await Promise.all(all.map((w) => w.drained(DRAIN_TIMEOUT_MS)));
    for (const worker of all) worker.failPending(shuttingDown());
    await Promise.all(all.map((w) => w.thread.terminate()));
  }

  private async run(images: Uint8Array[]): Promise<Float32Array[]> {
    const worker = this.idle.pop();
    // The batcher runs at most as many batches as workers are ready; reaching this is a bug.
    if (!worker) throw new Error('no idle inference worker for a batch');
    try {
      return splitRows(await worker.run(concatImages(images), images.length), images.length);
    } finally {
      if (this.ready.has(worker)) this.idle.push(worker);
    }
  }

  private async startWorker(): Promise<void> {
    const thread = (this.options.spawn ?? spawnWorker)(this.options.setup);
    const worker = new PoolWorker(thread, (code) => this.lost(worker, code));
    const info = await worker.started;
    if (this.closing) {
      await thread.terminate();
      return;
    }
    this.ready.add(worker);
    this.idle.push(worker);
    this.batcher.setLanes(this.ready.size);
    this.respawnDelayMs = 250;
    this.options.log?.debug('inference worker ready', { threadId: thread.threadId, ...info, startMs: Math.round(info.startMs) });
  }

  /** A worker exited unasked (crash, out of memory, killed): take its lane away, then replace it. */
  private lost(worker: PoolWorker, code: number): void {
    if (this.closing || !this.ready.delete(worker)) return;
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    // Lanes first: the batch failing below must not be handed straight back to the dead worker's lane.
    this.batcher.setLanes(this.ready.size);
    worker.failPending(new FunctionError(503, 'inference_interrupted', 'the inference worker stopped while classifying this image; try again'));
    this.options.log?.warn('inference worker exited; replacing it', { threadId: worker.thread.threadId, exitCode: code });
    this.replace();
  }

  private replace(): void {
    this.startWorker().catch((error: unknown) => {
      if (this.closing) return;
      // Waiting requests would wait for a worker that may never come: fail them now (retryable).
      if (this.ready.size === 0) this.batcher.failQueued(new FunctionError(503, 'inference_unavailable', 'no inference worker is running; try again'));
      const delay = this.respawnDelayMs;
      this.respawnDelayMs = Math.min(MAX_RESPAWN_DELAY_MS, delay * 2);
      this.options.log?.error('inference worker cannot start', { error: describe(error), retryInMs: delay });
      setTimeout(() => this.replace(), delay).unref();
    });
  }
}

/** One worker thread and the batch it is running (at most one: the pool hands it one at a time). */
class PoolWorker {
  readonly started: Promise<Extract<WorkerMessage, { type: 'ready' }>>;
  private pending: { id: number; done: Promise<unknown>; resolve(values: Float32Array): void; reject(error: unknown): void } | undefined;
  private nextId = 0;

  constructor(
    readonly thread: Worker,
    onLost: (code: number) => void,
  ) {
    let becameReady = false;
    this.started = new Promise((resolve, reject) => {
      thread.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          becameReady = true;
          resolve(message);
        } else if (message.type === 'failed') reject(new Error(`inference worker: ${message.message}`));
        else this.settle(message);
      });
      // An uncaught error in the worker is followed by its exit; the exit decides.
      thread.on('error', (error) => reject(error));
      thread.on('exit', (code) => {
        reject(new Error(`inference worker exited (code ${code}) before it was ready`));
        if (becameReady) onLost(code);
      });
    });
  }

  run(pixels: Uint8Array, n: number): Promise<Float32Array> {
    const id = ++this.nextId;
    let settle!: Pick<NonNullable<PoolWorker['pending']>, 'resolve' | 'reject'>;
    const done = new Promise<Float32Array>((resolve, reject) => (settle = { resolve, reject }));
    this.pending = { id, done: done.catch(() => undefined), ...settle };
    const request: RunRequest = { type: 'run', id, n, pixels };
    this.thread.postMessage(request, [pixels.buffer as ArrayBuffer]);
    return done;
  }

  /** Resolves when the batch it is running (if any) has settled, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    const done = this.pending?.done;
    if (!done) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  failPending(error: unknown): void {
    this.pending?.reject(error);
    this.pending = undefined;
  }

  private settle(message: Extract<WorkerMessage, { type: 'result' | 'error' }>): void {
    const pending = this.pending;
    if (pending?.id !== message.id) return;
    this.pending = undefined;
    if (message.type === 'result') pending.resolve(message.probabilities);
    else pending.reject(new Error(`inference failed: ${message.message}`));
  }
}

/**
 * The compiled worker beside this module. Run from source (vitest, tsx) this module is a .ts file and
 * so is the worker, which then loads through tsx (a development dependency; never so in production).
 */
export function spawnWorker(setup: WorkerSetup): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData: setup });
  const entry = JSON.stringify(new URL('./worker.ts', self).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => tsx.tsImport(${entry}, ${JSON.stringify(self)}))`, { eval: true, workerData: setup });
}
