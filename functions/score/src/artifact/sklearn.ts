import { z } from 'zod';
import { toOutMajor } from '../models/mlp.js';
import type { ModelWeights } from '../models/model.js';
import type { PreprocessStep } from '../models/preprocess.js';
import type { ArtifactInput } from './build.js';

/**
 * The `sklearn-export/v1` files in shared/reference/eeg-letters (scikit-learn's fitted attributes dumped
 * to JSON), validated and mapped onto an artifact so scikit-learn's weights are served exactly like
 * weights trained here.
 */
const matrix = z.array(z.array(z.number()).min(1)).min(1);
const common = {
  format: z.literal('sklearn-export/v1'),
  created_with: z.object({ sklearn: z.string() }).loose(),
  training_data: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), rows: z.int().positive(), label_column: z.string() }),
  input: z.object({
    feature_names: z.array(z.string().min(1)).min(1),
    preprocessing: z.array(z.object({ op: z.literal('l2_normalize_rows') }).loose()),
  }),
  output: z.object({ classes: z.array(z.int()).min(3), class_names: z.array(z.string().min(1)) }),
  params: z.record(z.string(), z.json()),
};
export const sklearnExportSchema = z.discriminatedUnion('model_type', [
  z.object({ ...common, model_type: z.literal('LinearDiscriminantAnalysis'), coef: matrix, intercept: z.array(z.number()) }),
  z.object({
    ...common,
    model_type: z.literal('MLPClassifier'),
    activation: z.literal('relu'),
    out_activation: z.literal('softmax'),
    layers: z.array(z.object({ W: matrix, b: z.array(z.number()) })).min(2),
    fit: z.object({ n_iter_: z.int(), loss_: z.number() }),
  }),
]);
export type SklearnExport = z.infer<typeof sklearnExportSchema>;

/** The predictions file beside the exports: per test row, each model's labels and probabilities. */
export const sklearnPredictionsSchema = z.object({
  keys: z.array(z.string()),
  y_true: z.array(z.int()),
  lda: z.object({ pred_norm: z.array(z.int()), pred_raw: z.array(z.int()), proba_norm: z.array(z.array(z.number())) }).loose(),
  mlp: z.object({ pred_norm: z.array(z.int()), pred_raw: z.array(z.int()), proba_norm: z.array(z.array(z.number())) }).loose(),
});
export type SklearnPredictions = z.infer<typeof sklearnPredictionsSchema>;

/** 'lda' or 'mlp': the key of this model in sklearn-predictions.json, and its default served name. */
export function sklearnKind(e: SklearnExport): 'lda' | 'mlp' {
  return e.model_type === 'LinearDiscriminantAnalysis' ? 'lda' : 'mlp';
}

function rectangular(m: number[][], rows: number, cols: number, what: string): number[] {
  if (m.length !== rows || m.some((r) => r.length !== cols)) throw new RangeError(`${what} is not ${rows}×${cols}`);
  return m.flat();
}

export function sklearnWeights(e: SklearnExport): ModelWeights {
  const features = e.input.feature_names.length;
  const classes = e.output.classes.length;
  if (e.model_type === 'LinearDiscriminantAnalysis') {
    if (e.intercept.length !== classes) throw new RangeError(`intercept has ${e.intercept.length} values, expected ${classes}`);
    return {
      type: 'lda',
      features,
      classes,
      coef: Float64Array.from(rectangular(e.coef, classes, features, 'coef')),
      intercept: Float64Array.from(e.intercept),
    };
  }
  let inputs = features;
  return {
    type: 'mlp',
    layers: e.layers.map((layer, i) => {
      const outputs = i === e.layers.length - 1 ? classes : (layer.W[0]?.length ?? 0);
      if (layer.b.length !== outputs) throw new RangeError(`layers[${i}].b has ${layer.b.length} values, expected ${outputs}`);
      const w = rectangular(layer.W, inputs, outputs, `layers[${i}].W`);
      const dense = { inputs, outputs, wt: toOutMajor(w, inputs, outputs), bias: Float64Array.from(layer.b) };
      inputs = outputs;
      return dense;
    }),
  };
}

/** Everything of the artifact but its name and reference rows. */
export function sklearnArtifactInput(e: SklearnExport): Omit<ArtifactInput, 'name' | 'reference'> {
  const preprocessing: PreprocessStep[] = e.input.preprocessing.map(() => ({ op: 'l2-normalize' }));
  const algorithm =
    e.model_type === 'LinearDiscriminantAnalysis'
      ? `LinearDiscriminantAnalysis(solver='${String(e.params['solver'])}')`
      : `MLPClassifier(hidden_layer_sizes=${JSON.stringify(e.params['hidden_layer_sizes'])}, solver='${String(e.params['solver'])}')`;
  return {
    description: `scikit-learn ${e.model_type} imported from ${e.format}`,
    featureNames: e.input.feature_names.map((f) => f.trim()),
    classes: e.output.classes,
    classNames: e.output.class_names,
    preprocessing,
    weights: sklearnWeights(e),
    training: {
      origin: 'sklearn',
      algorithm,
      tool: `scikit-learn ${e.created_with.sklearn}`,
      data: { file: e.training_data.file, sha256: e.training_data.sha256, rows: e.training_data.rows, labelColumn: e.training_data.label_column },
      parameters: e.params,
      ...(e.model_type === 'MLPClassifier' ? { epochs: e.fit.n_iter_, loss: e.fit.loss_ } : {}),
    },
  };
}
