import { svdTall } from './linalg.js';

/**
 * Linear Discriminant Analysis fitted exactly as scikit-learn's `LinearDiscriminantAnalysis()` does with
 * its defaults (solver='svd', priors from class frequencies, tol=1e-4): the same within-class scaling,
 * the same two SVDs with the same rank cut-offs, the same coef_/intercept_ formulas. Inference is then
 * `scores = x·coefᵀ + intercept` and, for more than two classes, softmax(scores) as predict_proba.
 */
export interface LdaFit {
  /** classes × features, row-major. */
  coef: Float64Array;
  intercept: Float64Array;
  priors: Float64Array;
  /** Rank kept by the within-class SVD (features when the scatter is full rank). */
  withinRank: number;
  /** Discriminant directions kept (at most classes - 1). */
  components: number;
}

/**
 * @param x rows × features, row-major
 * @param y class index (0..classes-1) of each row; every class must occur
 */
export function fitLda(x: Float64Array, y: Int32Array, classes: number, tol = 1e-4): LdaFit {
  const n = y.length;
  const d = x.length / n;
  if (!Number.isInteger(d) || d < 1) throw new RangeError('x must hold rows × features values');
  if (n <= classes) throw new RangeError(`LDA needs more rows (${n}) than classes (${classes})`);

  const counts = new Float64Array(classes);
  const means = new Float64Array(classes * d);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    if (c < 0 || c >= classes) throw new RangeError(`class index ${c} out of range`);
    counts[c] = counts[c]! + 1;
    for (let f = 0; f < d; f++) means[c * d + f] = means[c * d + f]! + x[i * d + f]!;
  }
  for (let c = 0; c < classes; c++) {
    if (counts[c] === 0) throw new RangeError(`class ${c} has no rows`);
    for (let f = 0; f < d; f++) means[c * d + f] = means[c * d + f]! / counts[c]!;
  }
  const priors = counts.map((c) => c / n);
  const xbar = new Float64Array(d);
  for (let c = 0; c < classes; c++) for (let f = 0; f < d; f++) xbar[f] = xbar[f]! + priors[c]! * means[c * d + f]!;

  // Rows centred on their class mean, column-major for the QR; np.std(Xc, axis=0) is the population std.
  const xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    for (let f = 0; f < d; f++) xc[f * n + i] = x[i * d + f]! - means[c * d + f]!;
  }
  const std = new Float64Array(d);
  for (let f = 0; f < d; f++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += xc[f * n + i]!;
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (xc[f * n + i]! - mean) ** 2;
    const s = Math.sqrt(ss / n);
    std[f] = s === 0 ? 1 : s;
  }
  const within = Math.sqrt(1 / (n - classes));
  for (let f = 0; f < d; f++) {
    const k = within / std[f]!;
    for (let i = 0; i < n; i++) xc[f * n + i] = xc[f * n + i]! * k;
  }
  const svd1 = svdTall(xc, n, d);
  let rank = 0;
  while (rank < d && svd1.s[rank]! > tol) rank++;
  if (rank === 0) throw new RangeError('within-class scatter is zero: the features do not vary');
  // scalings = (Vt[:rank] / std).T / S[:rank]  →  d × rank
  const scalings = new Float64Array(d * rank);
  for (let f = 0; f < d; f++) for (let r = 0; r < rank; r++) scalings[f * rank + r] = svd1.v[f * d + r]! / std[f]! / svd1.s[r]!;

  // Between-class step: weighted centred means projected on the scalings, classes × rank.
  const between = classes === 1 ? 1 : 1 / (classes - 1);
  const centred = new Float64Array(classes * d);
  for (let c = 0; c < classes; c++) for (let f = 0; f < d; f++) centred[c * d + f] = means[c * d + f]! - xbar[f]!;
  const x2 = new Float64Array(classes * rank);
  for (let c = 0; c < classes; c++) {
    const w = Math.sqrt(n * priors[c]! * between);
    for (let r = 0; r < rank; r++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += centred[c * d + f]! * scalings[f * rank + r]!;
      x2[c * rank + r] = w * s;
    }
  }
  const { values: s2, right: v2 } = rightSingular(x2, classes, rank);
  let components = 0;
  while (components < s2.length && s2[components]! > tol * s2[0]!) components++;

  // scalings_ = scalings · V2[:, :components]  →  d × components
  const scal = new Float64Array(d * components);
  for (let f = 0; f < d; f++)
    for (let k = 0; k < components; k++) {
      let s = 0;
      for (let r = 0; r < rank; r++) s += scalings[f * rank + r]! * v2[r * rank + k]!;
      scal[f * components + k] = s;
    }
  // coef = (means - xbar)·scalings_; intercept = -½‖coef‖² + log(priors); coef_ = coef·scalings_ᵀ.
  const coef = new Float64Array(classes * d);
  const intercept = new Float64Array(classes);
  const reduced = new Float64Array(components);
  for (let c = 0; c < classes; c++) {
    let sq = 0;
    for (let k = 0; k < components; k++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += centred[c * d + f]! * scal[f * components + k]!;
      reduced[k] = s;
      sq += s * s;
    }
    for (let f = 0; f < d; f++) {
      let s = 0;
      for (let k = 0; k < components; k++) s += reduced[k]! * scal[f * components + k]!;
      coef[c * d + f] = s;
    }
    let shift = 0;
    for (let f = 0; f < d; f++) shift += xbar[f]! * coef[c * d + f]!;
    intercept[c] = -0.5 * sq + Math.log(priors[c]!) - shift;
  }
  return { coef, intercept, priors, withinRank: rank, components };
}

/**
 * Singular values (descending) and right singular vectors (columns of a cols×cols row-major matrix,
 * only the first min(rows, cols) meaningful) of a row-major rows×cols matrix.
 */
function rightSingular(m: Float64Array, rows: number, cols: number): { values: Float64Array; right: Float64Array } {
  if (rows >= cols) {
    const colMajor = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) colMajor[c * rows + r] = m[r * cols + c]!;
    const { s, v } = svdTall(colMajor, rows, cols);
    return { values: s, right: v };
  }
  // Wide: decompose mᵀ (cols×rows, tall). Its right vectors u are m's left vectors; m's right vectors
  // are mᵀu/σ, defined for the non-zero σ (the rest are cut by the caller's rank test anyway).
  const { s, v: u } = svdTall(Float64Array.from(m), cols, rows); // row-major m is column-major mᵀ
  const right = new Float64Array(cols * cols);
  for (let k = 0; k < rows; k++) {
    const sigma = s[k]!;
    if (sigma === 0) continue;
    for (let c = 0; c < cols; c++) {
      let acc = 0;
      for (let r = 0; r < rows; r++) acc += m[r * cols + c]! * u[r * rows + k]!;
      right[c * cols + k] = acc / sigma;
    }
  }
  return { values: s, right };
}
