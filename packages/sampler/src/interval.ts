/**
 * Confidence intervals for an acceptance rate k/n, the estimate of P(S).
 *
 * Wilson's score interval: it never leaves [0, 1], behaves sensibly at
 * k = 0 and k = n (unlike the Wald interval), and its coverage is close to
 * nominal for the tiny rates (≈ 1e-5) the sampler meets, as long as k is not
 * tiny. For k = 0 the lower end is 0, so log P(S) has lower end −∞.
 */
import { wilsonInterval } from '@fsbayes/core';

export { wilsonInterval };

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

/**
 * log k/n with its interval as text: `x [lo, hi]`; with no acceptance (log and lower end −∞) only
 * the upper end means anything, so `< hi (95% upper bound)`.
 */
export function logRateText(
  k: number,
  log: number,
  logInterval: readonly [number, number],
  digits: number,
  confidence = 0.95,
): string {
  const [lo, hi] = logInterval;
  if (k === 0) return `< ${hi.toFixed(digits)} (${Math.round(100 * confidence)}% upper bound)`;
  return `${log.toFixed(digits)} [${lo.toFixed(digits)}, ${hi.toFixed(digits)}]`;
}
