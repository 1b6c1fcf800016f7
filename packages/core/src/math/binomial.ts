/**
 * Confidence intervals of a binomial proportion k/n (Monte Carlo hit rates,
 * rejection sampling's acceptance rate).
 *
 * Wilson's score interval: it never leaves [0, 1], behaves sensibly at
 * k = 0 and k = n (unlike the Wald interval), and its coverage is close to
 * nominal for tiny rates, as long as k is not tiny.
 */
import { FsbayesError } from '../errors/index.js';
import { invNormCdf } from './normal.js';

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
