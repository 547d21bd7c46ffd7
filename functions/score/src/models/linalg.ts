import { gemmNTWasm } from './gemm-wasm.js';

/**
 * The dense linear algebra the models need, on row-major Float64Arrays. Every product is written as
 * C = A · Bᵀ (both operands walked along contiguous rows): the layout in which both the WebAssembly SIMD
 * kernel and the JavaScript fallback run on contiguous loads, several times faster than the textbook
 * i-k-j loop.
 */

/** C[a·nb + b] = Σ_k A[a·K + k] · B[b·K + k]; A is na×K, B is nb×K, C is na×nb (all row-major). */
export function gemmNT(A: Float64Array, na: number, B: Float64Array, nb: number, K: number, C: Float64Array): void {
  const done = na * nb * K >= WASM_MIN_WORK ? gemmNTWasm(A, na, B, nb, K, C) : undefined;
  if (done) {
    // The wasm kernel did the block-aligned part; finish the last columns and rows here.
    if (done.cols < nb) gemmNTJs(A, 0, done.rows, B, done.cols, nb, K, C, nb);
    if (done.rows < na) gemmNTJs(A, done.rows, na, B, 0, nb, K, C, nb);
    return;
  }
  gemmNTJs(A, 0, na, B, 0, nb, K, C, nb);
}

// Below this many multiply-adds, copying operands into wasm memory costs more than it saves.
const WASM_MIN_WORK = 4096;

/** The plain kernel on rows [a0, a1) of A and [b0, b1) of B, writing C with row stride ldc. */
function gemmNTJs(A: Float64Array, a0: number, a1: number, B: Float64Array, b0: number, b1: number, K: number, C: Float64Array, ldc: number): void {
  // 2×2 register blocking: four accumulators share each pair of loads.
  const na = a1;
  const nb = b1;
  let a = a0;
  for (; a + 1 < na; a += 2) {
    const pa0 = a * K;
    const pa1 = pa0 + K;
    const c0 = a * ldc;
    const c1 = c0 + ldc;
    let b = b0;
    for (; b + 1 < nb; b += 2) {
      const pb0 = b * K;
      const pb1 = pb0 + K;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[pa0 + k]!;
        const x1 = A[pa1 + k]!;
        const y0 = B[pb0 + k]!;
        const y1 = B[pb1 + k]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      C[c0 + b] = s00;
      C[c0 + b + 1] = s01;
      C[c1 + b] = s10;
      C[c1 + b + 1] = s11;
    }
    for (; b < nb; b++) {
      const pb = b * K;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < K; k++) {
        const y = B[pb + k]!;
        s0 += A[pa0 + k]! * y;
        s1 += A[pa1 + k]! * y;
      }
      C[c0 + b] = s0;
      C[c1 + b] = s1;
    }
  }
  for (; a < na; a++) {
    const pa = a * K;
    for (let b = b0; b < nb; b++) {
      const pb = b * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[pa + k]! * B[pb + k]!;
      C[a * ldc + b] = s;
    }
  }
}

/** Bᵀ into `out` (cols×rows) for a rows×cols row-major A. */
export function transpose(A: Float64Array, rows: number, cols: number, out: Float64Array = new Float64Array(rows * cols)): Float64Array {
  for (let r = 0; r < rows; r++) {
    const p = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = A[p + c]!;
  }
  return out;
}

/** Softmax of each row in place, shifted by the row maximum as scikit-learn does (no overflow). */
export function softmaxRows(Z: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const p = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (Z[p + c]! > max) max = Z[p + c]!;
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(Z[p + c]! - max);
      Z[p + c] = e;
      sum += e;
    }
    for (let c = 0; c < cols; c++) Z[p + c] = Z[p + c]! / sum;
  }
}

/** Index of the largest value of each row; ties go to the first, like numpy's argmax. */
export function argmaxRows(Z: Float64Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const p = r * cols;
    let best = 0;
    for (let c = 1; c < cols; c++) if (Z[p + c]! > Z[p + best]!) best = c;
    out[r] = best;
  }
  return out;
}

export interface ThinSvd {
  /** Singular values, descending. */
  s: Float64Array;
  /** Right singular vectors as the columns of an n×n row-major matrix, in the order of `s`. */
  v: Float64Array;
}

/**
 * Singular values and right singular vectors of a tall m×n matrix (m ≥ n), given column-major
 * (column j at a[j·m .. j·m+m)); `a` is overwritten. Householder QR first shrinks the problem to the
 * n×n factor R (same singular values and right vectors), then one-sided Jacobi rotations orthogonalise
 * R's columns: slower than LAPACK's divide and conquer but accurate to a few ulps of the largest
 * singular value, which is what matching scikit-learn's rank decisions and coefficients needs.
 */
export function svdTall(a: Float64Array, m: number, n: number): ThinSvd {
  if (m < n) throw new RangeError(`svdTall needs m >= n (got ${m}x${n})`);
  const r = householderR(a, m, n);
  return jacobiSvd(r, n);
}

/** The n×n upper-triangular R of A = QR, column-major; Q is not kept. */
function householderR(a: Float64Array, m: number, n: number): Float64Array {
  const v = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[ck + i]! * a[ck + i]!;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[ck + k]! > 0 ? -norm : norm;
    // v = x - alpha e1, normalised so H = I - 2 v vᵀ / (vᵀ v).
    for (let i = k; i < m; i++) v[i] = a[ck + i]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! * v[i]!;
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * a[cj + i]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < m; i++) a[cj + i] = a[cj + i]! - f * v[i]!;
    }
  }
  const r = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) r[j * n + i] = a[j * m + i]!;
  return r;
}

/** One-sided (Hestenes) Jacobi SVD of a square n×n column-major matrix g (overwritten). */
function jacobiSvd(g: Float64Array, n: number): ThinSvd {
  const vc = new Float64Array(n * n); // column-major accumulated rotations
  for (let i = 0; i < n; i++) vc[i * n + i] = 1;
  const eps = 1e-15;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      const cp = p * n;
      for (let q = p + 1; q < n; q++) {
        const cq = q * n;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < n; i++) {
          const gp = g[cp + i]!;
          const gq = g[cq + i]!;
          alpha += gp * gp;
          beta += gq * gq;
          gamma += gp * gq;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < n; i++) {
          const gp = g[cp + i]!;
          const gq = g[cq + i]!;
          g[cp + i] = c * gp - s * gq;
          g[cq + i] = s * gp + c * gq;
          const vp = vc[cp + i]!;
          const vq = vc[cq + i]!;
          vc[cp + i] = c * vp - s * vq;
          vc[cq + i] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += g[j * n + i]! * g[j * n + i]!;
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => norms[y]! - norms[x]!);
  const s = new Float64Array(n);
  const v = new Float64Array(n * n);
  order.forEach((src, dst) => {
    s[dst] = norms[src]!;
    for (let i = 0; i < n; i++) v[i * n + dst] = vc[src * n + i]!;
  });
  return { s, v };
}
