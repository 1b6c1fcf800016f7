/**
 * Distances between two distributions p, q given on the same support as
 * aligned arrays (each summing to 1). All logs are natural (nats).
 *
 * A function in the support that one side gives probability 0 (unseen by it)
 * is handled exactly: JS, TV and Hellinger are finite for any p and q;
 * KL(p‖q) is +Infinity when q(f) = 0 < p(f) (callers choose a smoothing
 * first, see `UnseenPolicy` in pair.ts).
 */
import { FsbayesError } from '@fsbayes/core';

/** KL(p‖q) = Σ p log(p/q), with 0·log(0/q) = 0 and p·log(p/0) = +Infinity. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSame(p, q, 'klDivergence');
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i];
    if (a <= 0) continue;
    const b = q[i];
    if (b <= 0) return Number.POSITIVE_INFINITY;
    s += a * Math.log(a / b);
  }
  // Round-off can make a tiny true 0 come out at −1e-17.
  return Math.max(0, s);
}

/**
 * KL(p‖q) from natural-log probabilities (−Infinity for 0), for
 * distributions whose small values would underflow as plain numbers.
 */
export function klDivergenceLog(logP: ArrayLike<number>, logQ: ArrayLike<number>): number {
  checkSame(logP, logQ, 'klDivergenceLog');
  let s = 0;
  for (let i = 0; i < logP.length; i++) {
    const a = logP[i];
    if (a === Number.NEGATIVE_INFINITY) continue;
    const b = logQ[i];
    if (b === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY;
    s += Math.exp(a) * (a - b);
  }
  return Math.max(0, s);
}

/**
 * Jensen–Shannon divergence ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2, in nats:
 * symmetric, finite, 0 ≤ JS ≤ ln 2 (= ln 2 exactly for disjoint supports).
 */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSame(p, q, 'jsDivergence');
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i];
    const b = q[i];
    const m = (a + b) / 2;
    if (a > 0) s += a * Math.log(a / m);
    if (b > 0) s += b * Math.log(b / m);
  }
  return Math.min(Math.LN2, Math.max(0, s / 2));
}

/** Total variation ½ Σ |p − q|, in [0, 1]. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSame(p, q, 'totalVariation');
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return Math.min(1, s / 2);
}

/**
 * Hellinger distance H = √(1 − Σ √(p q)) = ‖√p − √q‖₂ / √2, in [0, 1]
 * (1 for disjoint supports).
 */
export function hellingerDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSame(p, q, 'hellingerDistance');
  let bc = 0;
  for (let i = 0; i < p.length; i++) bc += Math.sqrt(p[i] * q[i]);
  return Math.sqrt(Math.max(0, 1 - bc));
}

function checkSame(p: ArrayLike<number>, q: ArrayLike<number>, where: string): void {
  if (p.length !== q.length) throw new FsbayesError(`${where}: arrays differ in length (${p.length} vs ${q.length})`);
}
