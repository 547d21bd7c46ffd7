import { FunctionError } from '../vendor/core/index.js';

/**
 * A bounded queue of single requests drained into micro-batches, one per free lane (worker).
 *
 * Latency first: a request that finds a lane free is dispatched at once, alone; there is no timer
 * waiting for company. Requests that arrive while every lane is busy wait, and the next lane to come
 * free takes up to `maxBatch` of them together, so batches grow exactly as fast as load does. Beyond
 * `maxQueue` waiting requests the answer is a retryable 503 `overloaded` with Retry-After: Knative
 * retries it (or the activator buffers and another instance takes it) instead of latency piling up here.
 */
export interface BatcherOptions<I, O> {
  maxBatch: number;
  /** Requests that may wait for a lane; 0: only as many as the free lanes take at once. */
  maxQueue: number;
  /** Runs one batch on a free lane; resolves one output per input, in order. A rejection fails that batch's requests only. */
  run(inputs: I[]): Promise<O[]>;
  /** Every batch dispatched, by size (metrics). */
  onBatch?(size: number): void;
  /** Milliseconds, monotonic (tests pass their own). */
  now?(): number;
}

export interface BatcherStats {
  /** Requests waiting for a lane. */
  queued: number;
  /** Requests in batches that are running. */
  inFlight: number;
  /** Lanes that may run a batch now. */
  lanes: number;
  batches: number;
  /** Requests dispatched in all those batches (mean batch size = items / batches). */
  items: number;
}

interface Job<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/** Weight of the newest batch in the running estimate of time per request. */
const EWMA_WEIGHT = 0.2;

export class Batcher<I, O> {
  private readonly queue: Job<I, O>[] = [];
  private running = 0;
  private inFlight = 0;
  private batches = 0;
  private items = 0;
  private msPerItem = 0;
  private closed: Error | undefined;
  private readonly now: () => number;

  constructor(
    private readonly options: BatcherOptions<I, O>,
    private lanes: number,
  ) {
    if (!(options.maxBatch >= 1)) throw new RangeError('maxBatch must be at least 1');
    this.now = options.now ?? (() => performance.now());
  }

  submit(input: I): Promise<O> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.queue.length >= this.options.maxQueue && this.running >= this.lanes) return Promise.reject(this.overloaded());
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  /** Lanes come and go (a crashed worker until its replacement is ready). */
  setLanes(lanes: number): void {
    this.lanes = lanes;
    this.pump();
  }

  /** Fails every waiting request with `error` (their lane will not come) without closing. */
  failQueued(error: unknown): void {
    for (const job of this.queue.splice(0)) job.reject(error);
  }

  /** No more requests: the waiting ones and any later ones fail with `error`; running batches finish. */
  close(error: Error): void {
    this.closed = error;
    this.failQueued(error);
  }

  stats(): BatcherStats {
    return { queued: this.queue.length, inFlight: this.inFlight, lanes: this.lanes, batches: this.batches, items: this.items };
  }

  private pump(): void {
    while (this.running < this.lanes && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      void this.dispatch(batch);
    }
  }

  private async dispatch(batch: Job<I, O>[]): Promise<void> {
    this.running++;
    this.inFlight += batch.length;
    this.batches++;
    this.items += batch.length;
    this.options.onBatch?.(batch.length);
    const started = this.now();
    try {
      const outputs = await this.options.run(batch.map((j) => j.input));
      if (outputs.length !== batch.length) throw new Error(`a batch of ${batch.length} produced ${outputs.length} outputs`);
      this.learn((this.now() - started) / batch.length);
      batch.forEach((job, i) => job.resolve(outputs[i] as O));
    } catch (error) {
      for (const job of batch) job.reject(error);
    } finally {
      this.running--;
      this.inFlight -= batch.length;
      this.pump();
    }
  }

  private learn(ms: number): void {
    this.msPerItem = this.msPerItem === 0 ? ms : this.msPerItem + EWMA_WEIGHT * (ms - this.msPerItem);
  }

  private overloaded(): FunctionError {
    // When the queue should have drained, at the rate batches have been running; whole seconds, at least 1.
    const drainMs = ((this.queue.length + this.inFlight) * this.msPerItem) / Math.max(1, this.lanes);
    const retryAfter = Math.max(1, Math.ceil(drainMs / 1000));
    return new FunctionError(
      503,
      'overloaded',
      `${this.queue.length} images are waiting for inference (MAX_QUEUE=${this.options.maxQueue}); try again in ${retryAfter} s`,
      undefined,
      { headers: { 'retry-after': String(retryAfter) } },
    );
  }
}
