import { gemmNT, softmaxRows, transpose } from './linalg.js';
import type { MlpWeights } from './mlp.js';
import { NumpyRandomState } from './random.js';

/**
 * scikit-learn's MLPClassifier(solver='adam', activation='relu', hidden_layer_sizes=(h,)) training loop,
 * step for step: Glorot-uniform init drawn from RandomState(seed) in scikit-learn's order, a fresh
 * permutation of the rows every epoch, minibatches of min(200, n), log-loss plus alpha/2·‖W‖²/batch,
 * Adam with bias correction, and the default stopping rule (no validation split): stop once the epoch
 * loss has failed to improve on the best loss by `tol` more than `nIterNoChange` epochs in a row.
 */
export interface MlpTrainParams {
  hidden: number;
  alpha: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 'auto' in scikit-learn: min(200, rows). */
  batchSize?: number;
  maxIter: number;
  tol: number;
  nIterNoChange: number;
  seed: number;
  shuffle: boolean;
}

export const SKLEARN_MLP_DEFAULTS: MlpTrainParams = {
  hidden: 500,
  alpha: 1e-4,
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  maxIter: 1000,
  tol: 1e-4,
  nIterNoChange: 10,
  seed: 0,
  shuffle: true,
};

export interface MlpTrainResult {
  weights: MlpWeights;
  epochs: number;
  loss: number;
  lossCurve: number[];
  converged: boolean;
}

// float64 machine epsilon: scikit-learn clips probabilities to [eps, 1-eps] before the log.
const EPS = 2.220446049250313e-16;

/**
 * @param x rows × inputs, already preprocessed, row-major
 * @param y class index of each row (0..outputs-1)
 */
export function trainMlp(
  x: Float64Array,
  y: Int32Array,
  outputs: number,
  params: MlpTrainParams,
  onEpoch?: (epoch: number, loss: number) => void,
): MlpTrainResult {
  const n = y.length;
  const inputs = x.length / n;
  const hidden = params.hidden;
  if (!Number.isInteger(inputs) || inputs < 1) throw new RangeError('x must hold rows × inputs values');
  if (outputs < 3) throw new RangeError('softmax training needs at least 3 classes (scikit-learn uses a logistic output for 2)');
  const batch = Math.min(params.batchSize ?? 200, n);

  // Initialisation, in scikit-learn's draw order: coefs_[0] (in×out, C order), intercepts_[0], coefs_[1], intercepts_[1].
  const rng = new NumpyRandomState(params.seed);
  const bound0 = Math.sqrt(6 / (inputs + hidden));
  const w0 = rng.uniform(-bound0, bound0, inputs * hidden);
  const b0 = rng.uniform(-bound0, bound0, hidden);
  const bound1 = Math.sqrt(6 / (hidden + outputs));
  const w1 = rng.uniform(-bound1, bound1, hidden * outputs); // hidden × outputs, refreshed after each step for backprop
  const b1 = rng.uniform(-bound1, bound1, outputs);
  const w0t = transpose(w0, inputs, hidden); // hidden × inputs
  const w1t = transpose(w1, hidden, outputs); // outputs × hidden

  const params4 = [w0t, b0, w1t, b1];
  const grads = params4.map((p) => new Float64Array(p.length));
  const ms = params4.map((p) => new Float64Array(p.length));
  const vs = params4.map((p) => new Float64Array(p.length));
  const [gw0t, gb0, gw1t, gb1] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];

  const xb = new Float64Array(batch * inputs);
  const xbt = new Float64Array(inputs * batch);
  const h = new Float64Array(batch * hidden);
  const ht = new Float64Array(hidden * batch);
  const z = new Float64Array(batch * outputs);
  const d2t = new Float64Array(outputs * batch);
  const d1t = new Float64Array(hidden * batch);
  const live = new Uint8Array(hidden);

  const order = Int32Array.from({ length: n }, (_, i) => i);
  const perm = new Int32Array(n);
  const prev = new Int32Array(n);
  const packed = new Float64Array(hidden * batch);
  const packedOut = new Float64Array(hidden * inputs);
  const { alpha, learningRate, beta1, beta2, epsilon } = params;
  // ‖W0‖² + ‖W1‖² of the current weights, kept up to date by the update pass.
  let sq = 0;
  for (const w of [w0t, w1t]) for (let i = 0; i < w.length; i++) sq += w[i]! * w[i]!;
  let t = 0;
  let bestLoss = Infinity;
  let noImprovement = 0;
  const lossCurve: number[] = [];
  let converged = false;

  for (let epoch = 0; epoch < params.maxIter; epoch++) {
    if (params.shuffle) {
      // sklearn.utils.shuffle(sample_idx): permutes arange(n) and indexes the current order with it.
      for (let i = 0; i < n; i++) perm[i] = i;
      rng.shuffle(perm);
      prev.set(order);
      for (let i = 0; i < n; i++) order[i] = prev[perm[i]!]!;
    }
    let accumulated = 0;
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      for (let r = 0; r < m; r++) {
        const src = order[start + r]! * inputs;
        for (let f = 0; f < inputs; f++) {
          const v = x[src + f]!;
          xb[r * inputs + f] = v;
          xbt[f * m + r] = v;
        }
      }
      // Forward.
      gemmNT(xb, m, w0t, hidden, inputs, h);
      for (let r = 0; r < m; r++) {
        const p = r * hidden;
        for (let j = 0; j < hidden; j++) {
          const v = h[p + j]! + b0[j]!;
          h[p + j] = v > 0 ? v : 0;
        }
      }
      transpose(h, m, hidden, ht);
      gemmNT(h, m, w1t, outputs, hidden, z);
      for (let r = 0; r < m; r++) for (let o = 0; o < outputs; o++) z[r * outputs + o] = z[r * outputs + o]! + b1[o]!;
      softmaxRows(z, m, outputs);

      // Loss (before the update, as scikit-learn reports it).
      let logLoss = 0;
      for (let r = 0; r < m; r++) {
        const p = z[r * outputs + y[order[start + r]!]!]!;
        logLoss -= Math.log(p < EPS ? EPS : p > 1 - EPS ? 1 - EPS : p);
      }
      accumulated += (logLoss / m + (0.5 * alpha * sq) / m) * m;

      // Backward: output delta = P - Y (softmax + cross-entropy), in place over P, then also outputs × m.
      for (let r = 0; r < m; r++) {
        const at = r * outputs + y[order[start + r]!]!;
        z[at] = z[at]! - 1;
      }
      transpose(z, m, outputs, d2t);
      gemmNT(d2t, outputs, ht, hidden, m, gw1t);
      for (let o = 0; o < outputs; o++) {
        let s = 0;
        for (let r = 0; r < m; r++) s += d2t[o * m + r]!;
        gb1[o] = s / m;
      }
      // Hidden delta = (D2·W1ᵀ) masked by relu'(h), hidden × m.
      gemmNT(w1, hidden, z, m, outputs, d1t);
      for (let j = 0; j < hidden; j++) {
        const p = j * m;
        let any = 0;
        let s = 0;
        for (let r = 0; r < m; r++) {
          if (ht[p + r] === 0) d1t[p + r] = 0;
          else {
            any = 1;
            s += d1t[p + r]!;
          }
        }
        live[j] = any;
        gb0[j] = s / m;
      }
      // Units inactive on the whole batch (dead ReLUs are common) have a zero data gradient: skip their rows.
      gemmNTRows(d1t, hidden, xbt, inputs, m, gw0t, live, packed, packedOut);

      // Adam, fused with the rest of the weight gradient (L2 term, mean over the batch) and with the
      // squared norm of the updated weights that the next batch's loss needs: one pass over the parameters.
      t++;
      const lr = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      sq = 0;
      for (let k = 0; k < 4; k++) {
        const p = params4[k]!;
        const g = grads[k]!;
        const mk = ms[k]!;
        const vk = vs[k]!;
        // Even slots are weight matrices (decayed, in the L2 norm), odd ones biases (already means).
        const weights = k % 2 === 0;
        const decay = weights ? alpha : 0;
        const scale = weights ? 1 / m : 1;
        let norm = 0;
        for (let i = 0; i < p.length; i++) {
          const w = p[i]!;
          const gi = weights ? (g[i]! + decay * w) / m : g[i]! * scale;
          const mi = beta1 * mk[i]! + (1 - beta1) * gi;
          const vi = beta2 * vk[i]! + (1 - beta2) * gi * gi;
          mk[i] = mi;
          vk[i] = vi;
          const next = w - (lr * mi) / (Math.sqrt(vi) + epsilon);
          p[i] = next;
          norm += next * next;
        }
        if (weights) sq += norm;
      }
      transpose(w1t, outputs, hidden, w1);
    }
    const loss = accumulated / n;
    lossCurve.push(loss);
    onEpoch?.(epoch + 1, loss);
    if (loss > bestLoss - params.tol) noImprovement++;
    else noImprovement = 0;
    if (loss < bestLoss) bestLoss = loss;
    if (noImprovement > params.nIterNoChange) {
      converged = true;
      break;
    }
  }
  return {
    weights: {
      layers: [
        { inputs, outputs: hidden, wt: w0t, bias: b0 },
        { inputs: hidden, outputs, wt: w1t, bias: b1 },
      ],
    },
    epochs: lossCurve.length,
    loss: lossCurve[lossCurve.length - 1] ?? NaN,
    lossCurve,
    converged,
  };
}

/** gemmNT restricted to the rows of A flagged in `rows`; the other rows of C are zeroed. */
function gemmNTRows(
  A: Float64Array, na: number, B: Float64Array, nb: number, K: number, C: Float64Array, rows: Uint8Array,
  packed: Float64Array, out: Float64Array,
): void {
  // Gather the live rows contiguously so the blocked kernel still runs on them.
  let live = 0;
  for (let a = 0; a < na; a++) if (rows[a]) live++;
  if (live === na) {
    gemmNT(A, na, B, nb, K, C);
    return;
  }
  const index = new Int32Array(live);
  let p = 0;
  for (let a = 0; a < na; a++) {
    if (!rows[a]) continue;
    packed.set(A.subarray(a * K, a * K + K), p * K);
    index[p++] = a;
  }
  gemmNT(packed, live, B, nb, K, out);
  C.fill(0);
  for (let i = 0; i < live; i++) C.set(out.subarray(i * nb, i * nb + nb), index[i]! * nb);
}
