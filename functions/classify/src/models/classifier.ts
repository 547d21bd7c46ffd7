import type { LocationDeps, Logger } from '../vendor/core/index.js';
import type { EngineName, InferenceEngine, PreparedModel } from './engines/engine.js';
import { selectEngine, type BackendChoice, type EngineSelection } from './engines/select.js';
import { readModelSource, type ModelSource } from './source.js';
import { scalePixels, type ModelSpec } from './spec.js';
import { StartupClock, type StartupTimings } from './startup.js';

export type { ModelSource } from './source.js';

export interface Prediction {
  label: string;
  index: number;
  score: number;
}

export interface LoadOptions {
  /** TF_BACKEND; default auto. */
  backend?: BackendChoice;
  /** Intra-op threads of the engine (default 1: more cores come from more engines). */
  threads?: number;
  /** false keeps tfjs-layers' own execution instead of the fused plan (for comparison). */
  fuse?: boolean;
  /** Keep the prepared model (ONNX bytes or TF.js artifacts) to create engines in worker threads; default: released. */
  keepModel?: boolean;
  log?: Logger;
  /** Startup timings accumulate here (init passes one started at process start). */
  clock?: StartupClock;
}

/** An image classifier loaded once per instance: spec, labels and one inference engine, warmed up. */
export class ImageClassifier {
  private constructor(
    readonly spec: ModelSpec,
    readonly engine: InferenceEngine,
    /** What the engine runs, when load() was asked to keep it. */
    readonly model: PreparedModel | undefined,
    readonly selection: Omit<EngineSelection, 'engine' | 'model'>,
    readonly startup: StartupTimings,
  ) {}

  get engineName(): EngineName {
    return this.engine.name;
  }

  get executor(): string {
    return this.engine.executor;
  }

  static async load(source: ModelSource, deps: LocationDeps, options: LoadOptions = {}): Promise<ImageClassifier> {
    const clock = options.clock ?? new StartupClock();
    const loaded = await clock.time('fetchMs', () => readModelSource(source, deps));
    const { engine, model, ...selection } = await selectEngine(options.backend ?? 'auto', loaded, {
      threads: options.threads ?? 1,
      ...(options.fuse === undefined ? {} : { fuse: options.fuse }),
      ...(options.log ? { log: options.log } : {}),
      clock,
    });
    const { spec } = loaded;
    if (engine.classes !== spec.labels.length) {
      await engine.dispose();
      throw new Error(`the model has ${engine.classes} outputs but its labels name ${spec.labels.length} classes`);
    }
    // The first inference compiles kernels and allocates; pay for it before taking traffic.
    await clock.time('warmupMs', () => engine.run(new Float32Array(spec.inputSize ** 2 * 3), 1));
    return new ImageClassifier(spec, engine, options.keepModel ? model : undefined, selection, clock.report());
  }

  /** RGB bytes (inputSize×inputSize×3) → the model's input, scaled as the spec says. */
  scale(pixels: Uint8Array, into = new Float32Array(pixels.length)): Float32Array {
    const expected = this.spec.inputSize ** 2 * 3;
    if (pixels.length !== expected) throw new Error(`expected ${expected} input values, got ${pixels.length}`);
    return scalePixels(pixels, this.spec.scaling, into);
  }

  /** Probabilities per class for one image of RGB bytes. */
  async probabilities(pixels: Uint8Array): Promise<Float32Array> {
    return this.engine.run(this.scale(pixels), 1);
  }

  /** `pixels`: RGB bytes, inputSize×inputSize×3. Returns the top-k classes, best first. */
  async classify(pixels: Uint8Array, topK: number): Promise<Prediction[]> {
    return topClasses(await this.probabilities(pixels), topK, this.spec.labels);
  }

  async dispose(): Promise<void> {
    await this.engine.dispose();
  }
}

export function topClasses(scores: ArrayLike<number>, k: number, labels: readonly string[]): Prediction[] {
  // One pass keeping the k best (k is small, classes are many): the order a stable sort by descending
  // score gives, ties in class order, without sorting every class for each image.
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (best.length === k && !(score > (scores[best[k - 1] as number] as number))) continue;
    let at = best.length;
    while (at > 0 && score > (scores[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best.map((index) => ({ label: labels[index] ?? `class ${index}`, index, score: scores[index] as number }));
}
