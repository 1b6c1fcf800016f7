/**
 * Plain Monte Carlo: draw X = L Z ~ N(0, Σ) (Z i.i.d. N(0,1), L the reordered
 * Cholesky factor) and count l ≤ X ≤ u. Drawing the components in Genz's order
 * (least likely constraint first) lets a draw stop at its first violated
 * constraint; every draw is still an exact draw from N(0, Σ), so the count is
 * the plain binomial estimate.
 *
 * Error: p̂ = h/N with se(log p̂) ≈ √((1 − p̂)/(N p̂)) (delta method). With h = 0
 * the estimate is log 0 = −∞ and no standard error exists; the result then
 * carries the exact one-sided 95% Clopper–Pearson upper limit 1 − 0.05^{1/N}
 * (≈ 3/N, the "rule of three") as `logUpper95`. Useless once P ≪ 1/N.
 * Every result carries its 95% interval of log P, `logInterval95`: Wilson's
 * score interval of h/N (with no hits, [−∞, logUpper95]).
 */
import type { Rng } from '@fsbayes/core';
import { FsbayesError, wilsonInterval } from '@fsbayes/core';
import type { Reordered } from './reorder.js';

export interface McOptions {
  /** Draws (default 100 000). */
  samples?: number;
}

export interface McResult {
  logP: number;
  /** null when there were no hits. */
  stderr: number | null;
  hits: number;
  samples: number;
  /** With no hits only: log of the one-sided 95% upper confidence limit on P (Clopper–Pearson, 1 − 0.05^{1/N}). */
  logUpper95?: number;
  /** 95% interval of log P: Wilson's score interval of hits/samples; with no hits [−∞, logUpper95]. */
  logInterval95: [number, number];
}

export function mcRectangle(r: Reordered, rng: Rng, opts: McOptions = {}): McResult {
  const N = opts.samples ?? 100_000;
  if (!Number.isInteger(N) || N < 1) throw new FsbayesError(`mc: samples must be a positive integer, got ${N}`);
  const { d, L, l, u } = r;
  const z = new Float64Array(d);
  let hits = 0;
  for (let s = 0; s < N; s++) {
    let ok = true;
    for (let k = 0; k < d; k++) {
      z[k] = rng.normal();
      const rk = k * d;
      let x = 0;
      for (let j = 0; j <= k; j++) x += L[rk + j] * z[j];
      if (x < l[k] || x > u[k]) {
        ok = false;
        break;
      }
    }
    if (ok) hits++;
  }
  if (hits === 0) {
    // Clopper–Pearson with h = 0: (1 − p)^N = 0.05.
    const logUpper95 = Math.log(-Math.expm1(Math.log(0.05) / N));
    return {
      logP: Number.NEGATIVE_INFINITY,
      stderr: null,
      hits,
      samples: N,
      logUpper95,
      logInterval95: [Number.NEGATIVE_INFINITY, logUpper95],
    };
  }
  const p = hits / N;
  const [lo, hi] = wilsonInterval(hits, N);
  return {
    logP: Math.log(p),
    stderr: Math.sqrt((1 - p) / (N * p)),
    hits,
    samples: N,
    logInterval95: [Math.log(lo), Math.log(hi)],
  };
}
