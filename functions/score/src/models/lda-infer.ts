import { gemmNT, softmaxRows } from './linalg.js';

/** Linear discriminant scores x·coefᵀ + intercept (rows × classes) of preprocessed rows. */
export interface LdaWeights {
  features: number;
  classes: number;
  /** classes × features, row-major (scikit-learn's coef_) */
  coef: Float64Array;
  intercept: Float64Array;
}

export function ldaScores(w: LdaWeights, x: Float64Array, rows: number): Float64Array {
  const out = new Float64Array(rows * w.classes);
  gemmNT(x, rows, w.coef, w.classes, w.features, out);
  for (let r = 0; r < rows; r++) for (let c = 0; c < w.classes; c++) out[r * w.classes + c] = out[r * w.classes + c]! + w.intercept[c]!;
  return out;
}

/** scikit-learn's predict_proba for more than two classes: softmax of the decision function. */
export function ldaProba(w: LdaWeights, x: Float64Array, rows: number): Float64Array {
  const scores = ldaScores(w, x, rows);
  softmaxRows(scores, rows, w.classes);
  return scores;
}
