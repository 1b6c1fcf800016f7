/**
 * Genz's variable reordering with the Cholesky factor built alongside
 * (Genz & Bretz 2009, §4.1.3; Botev 2017 §4.2; TruncatedNormal's `cholperm`).
 *
 * At step j the remaining variable with the smallest conditional probability
 * Φ(b̃) − Φ(ã) is moved to position j, where ã, b̃ are its bounds after
 * conditioning the earlier variables on their truncated-normal means and
 * dividing by its conditional standard deviation. Putting the hard constraints
 * first is what makes the separation-of-variables integrand (and Botev's
 * tilted proposal) close to constant.
 */
import { FsbayesError, logDiffNormCdf } from '@fsbayes/core';
import { truncNormMean } from './trandn.js';

export interface Reordered {
  d: number;
  /** Lower Cholesky factor of Σ[perm, perm], d×d row-major. */
  L: Float64Array;
  /** Bounds in the new order. */
  l: Float64Array;
  u: Float64Array;
  /** perm[j] = original index of the j-th variable. */
  perm: Int32Array;
  /** Pivots whose conditional variance had to be clamped up (Σ singular or nearly so). */
  clamped: number;
}

/** Relative floor on a conditional variance (Botev's eps), below which the pivot is clamped. */
const VAR_FLOOR = 1e-12;

/**
 * Permuted Cholesky of Σ (d×d row-major, symmetric positive semidefinite) with
 * bounds [l, u]. Throws if a conditional variance is clearly negative (Σ not PSD);
 * a conditional variance at rounding level is clamped to 1e-12·Σ_jj and counted in
 * `clamped` (the variable is then, to within 1e-6 of its sd, a linear function of the
 * earlier ones and its constraint acts as an indicator on them).
 */
export function reorderCholesky(Sigma: Float64Array, d: number, l: ArrayLike<number>, u: ArrayLike<number>): Reordered {
  const S = Sigma.slice(0, d * d);
  const L = new Float64Array(d * d);
  const lo = Float64Array.from(l);
  const hi = Float64Array.from(u);
  const perm = new Int32Array(d);
  for (let i = 0; i < d; i++) perm[i] = i;
  // res[i] = Σ_ii − Σ_{k<j} L_ik² and c[i] = Σ_{k<j} L_ik z_k for the rows not yet placed.
  const res = new Float64Array(d);
  const c = new Float64Array(d);
  for (let i = 0; i < d; i++) res[i] = S[i * d + i];
  const z = new Float64Array(d);
  let clamped = 0;
  for (let j = 0; j < d; j++) {
    // Pick the remaining variable of least conditional probability.
    let best = j;
    let bestP = Number.POSITIVE_INFINITY;
    for (let i = j; i < d; i++) {
      const s = Math.sqrt(Math.max(res[i], VAR_FLOOR * S[i * d + i]));
      const p = logDiffNormCdf((lo[i] - c[i]) / s, (hi[i] - c[i]) / s);
      if (p < bestP) {
        bestP = p;
        best = i;
      }
    }
    if (best !== j) swap(S, L, lo, hi, perm, res, c, d, j, best);
    const sjj = S[j * d + j];
    let s = res[j];
    if (s < -1e-8 * Math.max(sjj, 1e-300) || !(sjj >= 0))
      throw new FsbayesError(
        `orthant: covariance is not positive semidefinite (conditional variance ${s} at variable ${perm[j]})`,
      );
    if (!(s > VAR_FLOOR * sjj)) {
      s = Math.max(VAR_FLOOR * sjj, 1e-300);
      clamped++;
    }
    const ljj = Math.sqrt(s);
    const rj = j * d;
    L[rj + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = i * d;
      let v = S[ri + j];
      for (let k = 0; k < j; k++) v -= L[ri + k] * L[rj + k];
      v /= ljj;
      L[ri + j] = v;
      res[i] -= v * v;
    }
    // Condition on the truncated-normal mean of variable j.
    const a = (lo[j] - c[j]) / ljj;
    const b = (hi[j] - c[j]) / ljj;
    z[j] = truncNormMean(a, b);
    if (!Number.isFinite(z[j])) z[j] = Number.isFinite(a) ? a : Number.isFinite(b) ? b : 0;
    for (let i = j + 1; i < d; i++) c[i] += L[i * d + j] * z[j];
  }
  return { d, L, l: lo, u: hi, perm, clamped };
}

function swap(
  S: Float64Array,
  L: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  perm: Int32Array,
  res: Float64Array,
  c: Float64Array,
  d: number,
  a: number,
  b: number,
): void {
  // rows of S
  for (let k = 0; k < d; k++) {
    const t = S[a * d + k];
    S[a * d + k] = S[b * d + k];
    S[b * d + k] = t;
  }
  // columns of S
  for (let k = 0; k < d; k++) {
    const t = S[k * d + a];
    S[k * d + a] = S[k * d + b];
    S[k * d + b] = t;
  }
  // the filled part of L's rows (columns < a ≤ b)
  for (let k = 0; k < a; k++) {
    const t = L[a * d + k];
    L[a * d + k] = L[b * d + k];
    L[b * d + k] = t;
  }
  for (const v of [lo, hi, res, c]) {
    const t = v[a];
    v[a] = v[b];
    v[b] = t;
  }
  const t = perm[a];
  perm[a] = perm[b];
  perm[b] = t;
}

/**
 * The scaled form used by Botev and Genz: rows of L divided by the diagonal
 * (so the conditional variances are 1) and bounds likewise. Returns the
 * unit-diagonal factor (diagonal kept, = 1) and the scaled bounds.
 */
export function scaleByDiagonal(r: Reordered): { Lh: Float64Array; lh: Float64Array; uh: Float64Array } {
  const { d, L } = r;
  const Lh = new Float64Array(d * d);
  const lh = new Float64Array(d);
  const uh = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const dii = L[i * d + i];
    for (let k = 0; k < i; k++) Lh[i * d + k] = L[i * d + k] / dii;
    Lh[i * d + i] = 1;
    lh[i] = r.l[i] / dii;
    uh[i] = r.u[i] / dii;
  }
  return { Lh, lh, uh };
}
