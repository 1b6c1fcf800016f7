/**
 * Confidence intervals for an acceptance rate k/n, the estimate of P(S).
 *
 * Wilson's score interval: it never leaves [0, 1], behaves sensibly at
 * k = 0 and k = n (unlike the Wald interval), and its coverage is close to
 * nominal for the tiny rates (≈ 1e-5) the sampler meets, as long as k is not
 * tiny. For k = 0 the lower end is 0, so log P(S) has lower end −∞.
 */
import { FsbayesError, invNormCdf } from '@fsbayes/core';

/** An acceptance rate k/n with its Wilson interval, on the probability and the log scale. */
export interface RateEstimate {
  /** Accepted draws. */
  k: number;
  /** Draws. */
  n: number;
  /** k/n (NaN when n = 0). */
  rate: number;
  /** Wilson interval of the rate at the given confidence. */
  interval: [number, number];
  /** log(k/n) and the log of the interval (−∞ where the rate is 0). */
  log: number;
  logInterval: [number, number];
  confidence: number;
}

/** Wilson score interval of a binomial proportion (default 95%). */
export function wilsonInterval(k: number, n: number, confidence = 0.95): [number, number] {
  if (!Number.isSafeInteger(k) || !Number.isSafeInteger(n) || k < 0 || n < 0 || k > n)
    throw new FsbayesError(`wilsonInterval: need integers 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  if (!(confidence > 0 && confidence < 1)) throw new FsbayesError(`confidence must be in (0, 1), got ${confidence}`);
  if (n === 0) return [0, 1];
  const z = invNormCdf(1 - (1 - confidence) / 2);
  const p = k / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  // At k = 0 (k = n) the exact end is 0 (1); the formula gives it up to rounding.
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

/** The acceptance rate k/n with its Wilson interval, also on the log scale. */
export function rateEstimate(k: number, n: number, confidence = 0.95): RateEstimate {
  const interval = wilsonInterval(k, n, confidence);
  const rate = n > 0 ? k / n : Number.NaN;
  return {
    k,
    n,
    rate,
    interval,
    log: Math.log(rate),
    logInterval: [Math.log(interval[0]), Math.log(interval[1])],
    confidence,
  };
}
