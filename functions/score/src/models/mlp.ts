import { gemmNT, softmaxRows } from './linalg.js';

/**
 * A multi-layer perceptron as scikit-learn's MLPClassifier computes it for several classes: ReLU hidden
 * layers, h = relu(x·W + b), then scores = h·W_last + b_last and proba = softmax(scores). Weights are
 * kept transposed (out×in) so every product runs through the A·Bᵀ kernel.
 */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** outputs × inputs, row-major */
  wt: Float64Array;
  bias: Float64Array;
}

export interface MlpWeights {
  layers: DenseLayer[];
}

/** Transposes a row-major in×out matrix (scikit-learn's coefs_ layout) into out×in. */
export function toOutMajor(w: Float64Array | readonly number[], inputs: number, outputs: number): Float64Array {
  const t = new Float64Array(inputs * outputs);
  for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) t[o * inputs + i] = w[i * outputs + o]!;
  return t;
}

/** out×in back to scikit-learn's in×out layout (for artifacts). */
export function toInMajor(wt: Float64Array, inputs: number, outputs: number): Float64Array {
  return toOutMajor(wt, outputs, inputs);
}

// Rows per pass: bounds the hidden activations' memory whatever the request size.
const CHUNK = 256;

/** Pre-softmax scores (rows × outputs) of already-preprocessed rows (rows × inputs). */
export function mlpScores(w: MlpWeights, x: Float64Array, rows: number): Float64Array {
  const first = w.layers[0]!;
  const last = w.layers[w.layers.length - 1]!;
  const out = new Float64Array(rows * last.outputs);
  for (let start = 0; start < rows; start += CHUNK) {
    const n = Math.min(CHUNK, rows - start);
    let act = x.subarray(start * first.inputs, (start + n) * first.inputs);
    w.layers.forEach((layer, i) => {
      const z = i === w.layers.length - 1 ? out.subarray(start * last.outputs, (start + n) * last.outputs) : new Float64Array(n * layer.outputs);
      gemmNT(act, n, layer.wt, layer.outputs, layer.inputs, z);
      const hidden = i < w.layers.length - 1;
      for (let r = 0; r < n; r++) {
        const p = r * layer.outputs;
        for (let j = 0; j < layer.outputs; j++) {
          const v = z[p + j]! + layer.bias[j]!;
          z[p + j] = hidden && v < 0 ? 0 : v;
        }
      }
      act = z;
    });
  }
  return out;
}

export function mlpProba(w: MlpWeights, x: Float64Array, rows: number): Float64Array {
  const scores = mlpScores(w, x, rows);
  softmaxRows(scores, rows, w.layers[w.layers.length - 1]!.outputs);
  return scores;
}
