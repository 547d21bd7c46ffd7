import type { LoadedModel } from '../artifact/load.js';
import type { Prediction } from '../models/model.js';

/** One model's answer for one row, as the feature-rows and classic operations report it. */
export interface ModelAnswer {
  class: number;
  className: string;
  probability: number;
}

export const answer = (p: Prediction): ModelAnswer => ({ class: p.class, className: p.className, probability: p.probability });

/** Each model's predictions for the same rows, given each model's input matrix. */
export function predictAll(models: readonly LoadedModel[], inputs: (m: LoadedModel) => Float64Array, rows: number): Map<string, Prediction[]> {
  // Models with the same features (in the same order) share one input matrix: models never modify it.
  const matrices = new Map<string, Float64Array>();
  return new Map(
    models.map((m) => {
      const key = m.model.featureNames.join('\u0000');
      let x = matrices.get(key);
      if (!x) matrices.set(key, (x = inputs(m)));
      return [m.model.name, m.model.predict(x, rows)];
    }),
  );
}

/** Fraction of rows whose predicted class equals the label (rows without a label are skipped). */
export function accuracy(predictions: readonly Prediction[], labels: readonly (number | undefined)[]): number | null {
  let seen = 0;
  let right = 0;
  predictions.forEach((p, i) => {
    const label = labels[i];
    if (label === undefined) return;
    seen++;
    if (p.class === label) right++;
  });
  return seen === 0 ? null : right / seen;
}
