/** Where the time of one object went, in ms (stored in results and failures; metrics observe them). */
export interface StageTimings {
  fetchMs: number;
  decodeMs: number;
  inferenceMs: number;
  totalMs: number;
}
export type Stage = 'fetch' | 'decode' | 'inference' | 'store';
/** A classified image's stages, the result's write included (what metrics observe). */
export interface StoredTimings extends StageTimings {
  storeMs: number;
}
/** How far an attempt got before it failed: the stages it finished, and the time spent in all. */
export type TimingsSoFar = Partial<Record<`${Stage}Ms`, number>> & { totalMs: number };

/** Times consecutive stages of one attempt. */
export class Stopwatch {
  private readonly started = performance.now();
  private last = this.started;
  private readonly stages: Partial<Record<`${Stage}Ms`, number>> = {};

  /** Ends `stage` now (it began when the previous one ended). */
  lap(stage: Stage): void {
    const now = performance.now();
    this.stages[`${stage}Ms`] = ms(now - this.last);
    this.last = now;
  }

  soFar(): TimingsSoFar {
    return { ...this.stages, totalMs: ms(performance.now() - this.started) };
  }

  /** `timings` (up to inference) with the store stage, and the total up to now. */
  withStore(timings: StageTimings): StoredTimings {
    const { storeMs, totalMs } = this.soFar();
    if (storeMs === undefined) throw new Error('the store stage was not timed');
    return { ...timings, storeMs, totalMs };
  }

  /** The three stages before the result is stored, once inference finished. */
  complete(): StageTimings {
    const { fetchMs, decodeMs, inferenceMs, totalMs } = this.soFar();
    if (fetchMs === undefined || decodeMs === undefined || inferenceMs === undefined) throw new Error('a stage was not timed');
    return { fetchMs, decodeMs, inferenceMs, totalMs };
  }
}

const ms = (v: number): number => Math.round(v * 10) / 10;
