import { buildArtifact } from '../artifact/build.js';
import type { Artifact } from '../artifact/schema.js';
import { fitLda } from '../models/lda.js';
import { trainMlp, type MlpTrainParams } from '../models/mlp-train.js';
import { applyPreprocessing, type PreprocessStep } from '../models/preprocess.js';
import { spreadRows, type LabelledData } from './labelled-data.js';

export type ModelKind = 'lda' | 'mlp';

export interface TrainOptions {
  kinds: readonly ModelKind[];
  classNames: string[];
  data: { file: string; sha256: string; labelColumn: string };
  mlp: MlpTrainParams;
  tool: string;
  onEpoch?: (epoch: number, loss: number) => void;
}

/** The article's recipe: rows L2-normalised, then LDA() and MLPClassifier(500, adam, random_state=0). */
export const PREPROCESSING: PreprocessStep[] = [{ op: 'l2-normalize' }];

const REFERENCE_ROWS = 5;

export interface Trained {
  kind: ModelKind;
  artifact: Artifact;
  durationMs: number;
}

export function trainModels(data: LabelledData, options: TrainOptions): Trained[] {
  const features = data.featureNames.length;
  const x = Float64Array.from(data.x);
  applyPreprocessing(PREPROCESSING, x, data.rows, features);
  const reference = {
    source: 'self' as const,
    rows: spreadRows(data.rows, REFERENCE_ROWS).map((r) => ({
      id: data.ids[r]!,
      features: Array.from(data.x.subarray(r * features, r * features + features)),
    })),
  };
  const common = {
    featureNames: data.featureNames,
    classes: data.classes,
    classNames: options.classNames,
    preprocessing: PREPROCESSING,
    reference,
  };
  const dataInfo = { file: options.data.file, sha256: options.data.sha256, rows: data.rows, labelColumn: options.data.labelColumn };
  const out: Trained[] = [];
  for (const kind of options.kinds) {
    const started = performance.now();
    if (kind === 'lda') {
      const fit = fitLda(x, data.y, data.classes.length);
      const durationMs = performance.now() - started;
      out.push({
        kind,
        durationMs,
        artifact: buildArtifact({
          ...common,
          name: 'lda',
          description: 'Linear Discriminant Analysis (scikit-learn default SVD solver) trained in TypeScript',
          weights: { type: 'lda', features, classes: data.classes.length, coef: fit.coef, intercept: fit.intercept },
          training: {
            origin: 'typescript',
            algorithm: "LinearDiscriminantAnalysis(solver='svd')",
            tool: options.tool,
            data: dataInfo,
            parameters: { solver: 'svd', priors: 'class frequencies', tol: 1e-4, withinRank: fit.withinRank, components: fit.components },
            durationMs: Math.round(durationMs),
          },
        }),
      });
    } else {
      const p = options.mlp;
      const result = trainMlp(x, data.y, data.classes.length, p, options.onEpoch);
      const durationMs = performance.now() - started;
      out.push({
        kind,
        durationMs,
        artifact: buildArtifact({
          ...common,
          name: 'mlp',
          description: `MLPClassifier(${p.hidden} ReLU, softmax) trained in TypeScript with scikit-learn's Adam recipe`,
          weights: { type: 'mlp', ...result.weights },
          training: {
            origin: 'typescript',
            algorithm: `MLPClassifier(hidden_layer_sizes=[${p.hidden}], solver='adam')`,
            tool: options.tool,
            data: dataInfo,
            parameters: {
              hidden_layer_sizes: [p.hidden],
              activation: 'relu',
              solver: 'adam',
              alpha: p.alpha,
              batch_size: p.batchSize ?? 'auto',
              learning_rate_init: p.learningRate,
              beta_1: p.beta1,
              beta_2: p.beta2,
              epsilon: p.epsilon,
              max_iter: p.maxIter,
              tol: p.tol,
              n_iter_no_change: p.nIterNoChange,
              shuffle: p.shuffle,
              random_state: p.seed,
              early_stopping: false,
              converged: result.converged,
            },
            epochs: result.epochs,
            loss: result.loss,
            durationMs: Math.round(durationMs),
          },
        }),
      });
    }
  }
  return out;
}

