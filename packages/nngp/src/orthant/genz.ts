/**
 * Genz's separation of variables with a randomly shifted rank-1 lattice
 * (Genz 1992; Genz & Bretz 2009 ch. 4; scipy's `_qmvnt`).
 *
 * With the reordered factor scaled to unit diagonal (X = L̂ Y, conditional sds 1)
 * and w ∈ [0,1]^{d−1}:
 *   a_k = l_k − Σ_{j<k} L̂_kj y_j,  b_k likewise,  e_k = Φ(b_k) − Φ(a_k),
 *   y_k = Φ⁻¹(Φ(a_k) + w_k e_k),
 * and P = ∫ Π_k e_k dw. The integral is estimated with `shifts` independent
 * random shifts of one N-point lattice (tent-transformed); the shift means are
 * i.i.d. and unbiased, which gives the estimate and its standard error.
 *
 * Each e_k is kept in log space, so nothing underflows, but this is a plain
 * (quasi-)Monte Carlo average of Π e_k with no tilting: when P is small the
 * integrand's relative variation grows roughly like the inverse probability
 * and the relative error blows up (the method is for moderate P, ≳ 1e−5 as
 * measured on NNGP kernels at d = 30–128, and moderate d). Worse, the error
 * estimate then fails too: with 10 shifts it cannot see the rare large integrand
 * values (an NNGP orthant with log P = −118, d = 300, came out −119.6 ± 0.19;
 * one with −93.0, d = 90, −104.8 ± 0.69). Use Botev there.
 */
import { FsbayesError, logDiffNormCdf, logNormCdf, type Rng } from '@fsbayes/core';
import { latticeVector, primeAtMost } from './lattice.js';
import { type Reordered, scaleByDiagonal } from './reorder.js';
import { truncNormQuantile } from './trandn.js';

export interface GenzOptions {
  /** Total integrand evaluations (default 20 000), split over the shifts. */
  samples?: number;
  /** Random shifts (default 10). */
  shifts?: number;
}

export interface GenzResult {
  logP: number;
  /** Standard error of logP (delta method: se of the mean / mean). */
  stderr: number;
  /** Points per shift (prime). */
  points: number;
  shifts: number;
  samples: number;
}

/** Smallest w passed to Φ⁻¹, to keep y finite when a bound is infinite. */
const W_EPS = 2 ** -53;

export function genzRectangle(r: Reordered, rng: Rng, opts: GenzOptions = {}): GenzResult {
  const total = opts.samples ?? 20_000;
  const K = opts.shifts ?? 10;
  if (!Number.isInteger(K) || K < 2) throw new FsbayesError(`genz: shifts must be an integer ≥ 2, got ${K}`);
  if (!Number.isInteger(total) || total < 2 * K) throw new FsbayesError(`genz: samples must be an integer ≥ 2·shifts`);
  const { d } = r;
  const { Lh, lh, uh } = scaleByDiagonal(r);
  const dim = d - 1;
  const N = primeAtMost(Math.max(2, Math.floor(total / K)));
  const z = latticeVector(N, Math.max(dim, 1));
  const logQ = new Float64Array(K);
  const y = new Float64Array(d);
  const shift = new Float64Array(Math.max(dim, 1));
  const logf = new Float64Array(N);
  const first = logDiffNormCdf(lh[0], uh[0]);
  for (let rep = 0; rep < K; rep++) {
    for (let j = 0; j < dim; j++) shift[j] = rng.uniform();
    let maxLf = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < N; k++) {
      let lf = first;
      let a = lh[0];
      let b = uh[0];
      for (let i = 1; i <= dim; i++) {
        // w_{i−1}: lattice coordinate, shifted, tent-transformed
        let w = ((k * z[i - 1]) % N) / N + shift[i - 1];
        if (w >= 1) w -= 1;
        w = 1 - Math.abs(2 * w - 1);
        if (w < W_EPS) w = W_EPS;
        else if (w > 1 - W_EPS) w = 1 - W_EPS;
        y[i - 1] = truncNormQuantile(a, b, w);
        const ri = i * d;
        let s = 0;
        for (let j = 0; j < i; j++) s += Lh[ri + j] * y[j];
        a = lh[i] - s;
        b = uh[i] - s;
        lf += b === Number.POSITIVE_INFINITY ? logNormCdf(-a) : logDiffNormCdf(a, b);
      }
      logf[k] = lf;
      if (lf > maxLf) maxLf = lf;
    }
    let sum = 0;
    if (maxLf > Number.NEGATIVE_INFINITY) for (let k = 0; k < N; k++) sum += Math.exp(logf[k] - maxLf);
    logQ[rep] = maxLf + Math.log(sum / N);
  }
  // Mean and standard error over the shifts, in log space.
  let M = Number.NEGATIVE_INFINITY;
  for (const q of logQ) if (q > M) M = q;
  if (M === Number.NEGATIVE_INFINITY) return { logP: M, stderr: Number.NaN, points: N, shifts: K, samples: N * K };
  let mean = 0;
  for (const q of logQ) mean += Math.exp(q - M);
  mean /= K;
  let v = 0;
  for (const q of logQ) {
    const e = Math.exp(q - M) - mean;
    v += e * e;
  }
  const se = Math.sqrt(v / (K - 1) / K);
  return { logP: M + Math.log(mean), stderr: se / mean, points: N, shifts: K, samples: N * K };
}
