/**
 * Dual activations: for (u, v) ~ N(0, [[q1, c], [c, q2]]) the Gaussian
 * expectations E[φ(u)φ(v)] (the NNGP map) and E[φ'(u)φ'(v)] (the NTK's
 * derivative factor), in closed form for the activations that have one.
 *
 * Numerics follow neural-tangents: no arccos, the angle is
 * θ = atan2(√max(q1·q2 − c², 0), c), so rounding can never push a cosine
 * outside [−1, 1] and give NaN; the diagonal (q1 = q2 = c) has its own exact
 * update without trigonometry ({@link dualDiag}), and the general map returns
 * the very same bits there (tested), so a repeated input gives a repeated row.
 */
import type { Activation } from '@fsbayes/core';
import { FsbayesError } from '@fsbayes/core';

/** Activations with a closed-form kernel. */
export type ClosedFormActivation = 'relu' | 'step' | 'erf';

const INV_2PI = 1 / (2 * Math.PI);
const TWO_OVER_PI = 2 / Math.PI;
const FOUR_OVER_PI = 4 / Math.PI;

/** Result of one dual-activation evaluation (reused, to allocate nothing per pair). */
export interface DualOut {
  /** E[φ(u)φ(v)]. */
  e: number;
  /** E[φ'(u)φ'(v)] (0 for step: its derivative is 0 almost everywhere, as in neural-tangents' Sign). */
  dot: number;
}

/** The clear error for an activation without a closed-form kernel. */
export function noClosedForm(a: Activation): Error {
  return new FsbayesError(
    `no closed-form NNGP/NTK for activation "${a}" (closed forms exist for relu, step and erf); ` +
      `estimate its kernel with the Monte-Carlo kernel instead: ` +
      `monteCarloKernel(spec, X1, n1, X2, n2, { draws, seed, width, estimator: 'features' })`,
  );
}

/** Narrow an activation to one with a closed form, or throw {@link noClosedForm}. */
export function closedForm(a: Activation): ClosedFormActivation {
  if (a === 'relu' || a === 'step' || a === 'erf') return a;
  throw noClosedForm(a);
}

/**
 * The dual activation at a pair: (u, v) with variances q1, q2 and covariance c.
 *
 * - relu (arc-cosine, degree 1; Cho & Saul): E = (s + (π − θ)c)/(2π), Ė = (π − θ)/(2π);
 * - step 1(x > 0) (degree 0): E = (π − θ)/(2π), Ė = 0 (a.e.);
 * - erf (Williams 1997): E = (2/π)·asin(2c/√((1+2q1)(1+2q2))) = (2/π)·atan2(2c, √D),
 *   Ė = (4/π)/√D with D = (1+2q1)(1+2q2) − 4c² = 1 + 2(q1+q2) + 4(q1q2 − c²),
 *   written in the last form so that it has no cancellation.
 *
 * with s = √max(q1q2 − c², 0), θ = atan2(s, c). A unit with zero variance is
 * the constant 0 (relu(0) = step(0) = erf(0) = 0), so relu and step give 0 there.
 */
export function dual(act: ClosedFormActivation, q1: number, q2: number, c: number, out: DualOut): void {
  const det = q1 * q2 - c * c;
  if (act === 'erf') {
    const r = Math.sqrt(1 + 2 * (q1 + q2) + 4 * Math.max(det, 0));
    out.e = TWO_OVER_PI * Math.atan2(2 * c, r);
    out.dot = FOUR_OVER_PI / r;
    return;
  }
  if (!(q1 > 0 && q2 > 0)) {
    out.e = 0;
    out.dot = 0;
    return;
  }
  const s = Math.sqrt(Math.max(det, 0));
  // (π − θ)/(2π), written so that θ = 0 (equal points) gives exactly 1/2.
  const j0 = 0.5 - Math.atan2(s, c) * INV_2PI;
  if (act === 'relu') {
    out.e = c * j0 + s * INV_2PI;
    out.dot = j0;
  } else {
    out.e = j0;
    out.dot = 0;
  }
}

/**
 * The exact diagonal update (q1 = q2 = c = q), no trigonometry for relu/step:
 * relu E = q/2, Ė = 1/2; step E = 1/2, Ė = 0; erf E = (2/π)·atan2(2q, √(1 + 4q)),
 * Ė = (4/π)/√(1 + 4q). Bit-identical to `dual(act, q, q, q)`.
 */
export function dualDiag(act: ClosedFormActivation, q: number, out: DualOut): void {
  if (act === 'erf') {
    const r = Math.sqrt(1 + 2 * (q + q) + 0);
    out.e = TWO_OVER_PI * Math.atan2(2 * q, r);
    out.dot = FOUR_OVER_PI / r;
    return;
  }
  if (!(q > 0)) {
    out.e = 0;
    out.dot = 0;
    return;
  }
  if (act === 'relu') {
    out.e = q * 0.5;
    out.dot = 0.5;
  } else {
    out.e = 0.5;
    out.dot = 0;
  }
}
