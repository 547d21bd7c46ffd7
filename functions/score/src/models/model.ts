import { ldaScores, type LdaWeights } from './lda-infer.js';
import { argmaxRows, softmaxRows } from './linalg.js';
import { mlpProba, type MlpWeights } from './mlp.js';
import { applyPreprocessing, type PreprocessStep } from './preprocess.js';

/**
 * The serving contract every model honours (Seldon's and MLServer's `predict(X, feature_names)`):
 * raw rows in the model's feature order go in, the model applies its own recorded preprocessing, and
 * class probabilities come out. Callers never preprocess, so they cannot skew.
 */
export type ModelWeights = ({ type: 'lda' } & LdaWeights) | ({ type: 'mlp' } & MlpWeights);

export interface ModelSpec {
  name: string;
  featureNames: readonly string[];
  classes: readonly number[];
  classNames: readonly string[];
  preprocessing: readonly PreprocessStep[];
  weights: ModelWeights;
}

export interface Prediction {
  /** Index into classes / classNames. */
  index: number;
  class: number;
  className: string;
  probability: number;
}

export class TabularModel {
  readonly name: string;
  readonly featureNames: readonly string[];
  readonly classes: readonly number[];
  readonly classNames: readonly string[];
  readonly preprocessing: readonly PreprocessStep[];
  readonly weights: ModelWeights;

  constructor(spec: ModelSpec) {
    this.name = spec.name;
    this.featureNames = spec.featureNames;
    this.classes = spec.classes;
    this.classNames = spec.classNames;
    this.preprocessing = spec.preprocessing;
    this.weights = spec.weights;
  }

  get type(): ModelWeights['type'] {
    return this.weights.type;
  }

  /**
   * Probabilities (rows × classes) and predicted class index of raw rows (rows × features, in
   * featureNames order; not modified). The label follows scikit-learn: LDA takes the argmax of the
   * decision function (not of its softmax, which can saturate to ties), the MLP the argmax of proba.
   */
  run(raw: Float64Array, rows: number): { proba: Float64Array; index: Int32Array } {
    const features = this.featureNames.length;
    const k = this.classes.length;
    if (raw.length !== rows * features) throw new RangeError(`expected ${rows}×${features} values, got ${raw.length}`);
    const x = Float64Array.from(raw);
    applyPreprocessing(this.preprocessing, x, rows, features);
    if (this.weights.type === 'lda') {
      const proba = ldaScores(this.weights, x, rows);
      const index = argmaxRows(proba, rows, k);
      softmaxRows(proba, rows, k);
      return { proba, index };
    }
    const proba = mlpProba(this.weights, x, rows);
    return { proba, index: argmaxRows(proba, rows, k) };
  }

  predict(raw: Float64Array, rows: number): Prediction[] {
    const { proba, index } = this.run(raw, rows);
    const k = this.classes.length;
    return Array.from(index, (i, r) => ({
      index: i,
      class: this.classes[i]!,
      className: this.classNames[i]!,
      probability: proba[r * k + i]!,
    }));
  }
}
