import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import {
  formatLocation,
  parseJsonAt,
  parseLocation,
  readJsonLocation,
  readOptionalLocation,
  siblingLocation,
  type LocationDeps,
} from '../vendor/core/index.js';
import { FusedPlan } from './fused-plan.js';
import { inputSizeFromTopology, readModelArtifacts } from './io.js';
import {
  labelsSchema,
  nameFromUrl,
  parseModelConfigFile,
  scalingCoefficients,
  versionFromBytes,
  type ModelConfigFile,
  type ModelSpec,
} from './spec.js';

export interface Prediction {
  label: string;
  index: number;
  score: number;
}

export interface ModelSource {
  modelUrl: string;
  configUrl?: string | undefined;
  labelsUrl?: string | undefined;
  /** MODEL_* variables; they win over model.config.json. */
  overrides: ModelConfigFile;
  /** false keeps tfjs-layers' own execution (for comparison); default: fuse when possible. */
  fuse?: boolean;
}

const CONFIG_FILE = 'model.config.json';
const DEFAULT_LABELS = 'labels.json';

/** An image classifier loaded once per instance: weights in memory, spec resolved, ready to predict. */
/** How predictions are computed: tfjs-layers / tfjs-converter as loaded, or the fused plan. */
export type Executor = 'fused' | 'layers' | 'graph';

/** Largest difference in output probability the fused plan may show against tfjs-layers (float32 reordering). */
const FUSED_TOLERANCE = 1e-3;

export class ImageClassifier {
  private plan: FusedPlan | undefined;

  private constructor(
    readonly spec: ModelSpec,
    private readonly model: LayersModel | GraphModel,
    private readonly kind: 'layers' | 'graph',
  ) {}

  get executor(): Executor {
    return this.plan ? 'fused' : this.kind;
  }

  static async load(source: ModelSource, deps: LocationDeps): Promise<ImageClassifier> {
    const modelLoc = parseLocation(source.modelUrl);
    const configLoc = source.configUrl ? parseLocation(source.configUrl) : siblingLocation(modelLoc, CONFIG_FILE);
    const [loaded, configBytes] = await Promise.all([
      readModelArtifacts(modelLoc, deps),
      // A named config file must exist; the default one beside the model is optional.
      source.configUrl ? readJsonLocation(configLoc, deps) : readOptionalLocation(configLoc, deps),
    ]);
    const fileConfig =
      configBytes === undefined
        ? {}
        : parseModelConfigFile(configBytes instanceof Uint8Array ? parseJsonAt(configBytes, configLoc) : configBytes, formatLocation(configLoc));
    const config: ModelConfigFile = { ...fileConfig, ...stripUndefined(source.overrides) };

    const labelsRef = source.labelsUrl ?? config.labels ?? DEFAULT_LABELS;
    const labelsLoc = /^[a-z][a-z0-9+.-]*:\/\//i.test(labelsRef) || labelsRef.startsWith('/') ? parseLocation(labelsRef) : siblingLocation(modelLoc, labelsRef);
    const labels = labelsSchema.safeParse(await readJsonLocation(labelsLoc, deps));
    if (!labels.success) throw new Error(`${formatLocation(labelsLoc)} is not a label list (a JSON array of names)`);

    const model =
      loaded.kind === 'graph'
        ? // Imported only for graph models: it is a tenth of the cold start otherwise spent on imports.
          await (await import('@tensorflow/tfjs-converter')).loadGraphModel(tf.io.fromMemory(loaded.artifacts))
        : await loadLayersModel(tf.io.fromMemory(loaded.artifacts));

    const inputSize = config.inputSize ?? inputSizeFromTopology(loaded.artifacts.modelTopology) ?? 224;
    const spec: ModelSpec = {
      name: config.name ?? nameFromUrl(source.modelUrl),
      version: config.version ?? versionFromBytes(loaded.modelJsonBytes),
      inputSize,
      scaling: config.scaling ?? '-1..1',
      output: config.output ?? 'softmax',
      resize: config.resize ?? 'center-crop',
      cropFraction: config.cropFraction ?? 0.875,
      labels: labels.data,
    };
    const classifier = new ImageClassifier(spec, model, loaded.kind);
    const classes = classifier.outputSize();
    if (classes !== spec.labels.length) {
      model.dispose();
      throw new Error(`the model has ${classes} outputs but ${formatLocation(labelsLoc)} names ${spec.labels.length} classes`);
    }
    if (loaded.kind === 'layers' && source.fuse !== false) classifier.adoptFusedPlan(model as LayersModel);
    return classifier;
  }

  /** Uses the fused plan only if it reproduces tfjs-layers' output on a probe input. */
  private adoptFusedPlan(model: LayersModel): void {
    const plan = FusedPlan.build(model);
    if (!plan) return;
    const size = this.spec.inputSize;
    const difference = tf.tidy(() => {
      const probe = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
      const expected = this.probabilities(model.predict(probe) as tf.Tensor);
      const actual = this.probabilities(plan.predict(probe));
      return tf.max(tf.abs(tf.sub(expected, actual))).dataSync()[0] ?? Infinity;
    });
    if (difference <= FUSED_TOLERANCE) this.plan = plan;
    else plan.dispose();
  }

  private probabilities(y: tf.Tensor): tf.Tensor {
    return this.spec.output === 'logits' ? tf.softmax(y) : y;
  }

  /** Classes the model outputs: from its declared output shape, else (graph models may not say) by a probe. */
  private outputSize(): number {
    const declared = this.model.outputs[0]?.shape?.at(-1);
    if (typeof declared === 'number' && declared > 0) return declared;
    return tf.tidy(() => {
      const out = this.model.predict(tf.zeros([1, this.spec.inputSize, this.spec.inputSize, 3])) as tf.Tensor;
      return out.shape.at(-1) ?? 0;
    });
  }

  /** `pixels`: RGB bytes, inputSize×inputSize×3. Returns the top-k classes, best first. */
  classify(pixels: Uint8Array, topK: number): Prediction[] {
    const { inputSize, scaling, labels } = this.spec;
    const expected = inputSize * inputSize * 3;
    if (pixels.length !== expected) throw new Error(`expected ${expected} input values, got ${pixels.length}`);
    const { scale, offset } = scalingCoefficients(scaling);
    const input = new Float32Array(expected);
    for (let i = 0; i < expected; i++) input[i] = (pixels[i] as number) * scale + offset;
    const scores = tf.tidy(() => {
      const x = tf.tensor4d(input, [1, inputSize, inputSize, 3]);
      const y = this.plan ? this.plan.predict(x) : (this.model.predict(x) as tf.Tensor);
      return this.probabilities(y).dataSync() as Float32Array;
    });
    return topClasses(scores, topK, labels);
  }

  dispose(): void {
    this.plan?.dispose();
    this.model.dispose();
  }
}

export function topClasses(scores: ArrayLike<number>, k: number, labels: readonly string[]): Prediction[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number));
  return order.slice(0, k).map((index) => ({ label: labels[index] ?? `class ${index}`, index, score: scores[index] as number }));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
