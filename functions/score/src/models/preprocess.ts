/**
 * Preprocessing steps an artifact can record. The models are trained on L2-normalised rows
 * (scikit-learn's `normalize(X, norm='l2')`); serving raw rows to them is the train/serve skew that made
 * the article's API report low accuracy, so the server applies the recorded steps itself.
 */
export type PreprocessStep = { op: 'l2-normalize' };

/** Divides each row by its Euclidean norm in place; an all-zero row is left as is (as scikit-learn does). */
export function l2NormalizeRows(x: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const p = r * cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += x[p + c]! * x[p + c]!;
    if (ss === 0) continue;
    const norm = Math.sqrt(ss);
    for (let c = 0; c < cols; c++) x[p + c] = x[p + c]! / norm;
  }
}

export function applyPreprocessing(steps: readonly PreprocessStep[], x: Float64Array, rows: number, cols: number): void {
  for (const step of steps) {
    switch (step.op) {
      case 'l2-normalize':
        l2NormalizeRows(x, rows, cols);
        break;
    }
  }
}
