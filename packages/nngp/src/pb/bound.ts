/**
 * The PAC-Bayes bound of Valle-Pérez, Camargo & Louis (ICLR 2019) as coded in
 * their `compute_prob_and_bound.py`: with probability ≥ 1 − δ over the
 * training set, the expected test error ε of the Bayesian (0-1 likelihood)
 * posterior satisfies
 *   ε ≤ 1 − exp(−B),  B = [ln(1/P(S)) + 2 ln m + 1 + ln(1/δ)] / m,
 * where P(S) is the marginal likelihood of the m training labels.
 * Example: m = 10⁴, −ln P(S) = 1000, δ = 2⁻¹⁰ ⇒ B = 0.102635…, ε ≤ 0.09754.
 */
import { FsbayesError } from '@fsbayes/core';

/** The PAC-Bayes bound ε on the expected test error and its exponent B. */
export interface PacBayesBound {
  /** The bound on the expected test error, 1 − e^{−B} ∈ [0, 1]. */
  epsilon: number;
  /** The exponent B. */
  B: number;
}

/** δ default: 2⁻¹⁰. */
export const PAC_BAYES_DELTA = 2 ** -10;

/** The marginal-likelihood PAC-Bayes bound (module doc) from log P(S), the number m of training points and δ. */
export function pacBayesBound(logPS: number, m: number, delta: number = PAC_BAYES_DELTA): PacBayesBound {
  if (!(logPS <= 0)) throw new FsbayesError(`pacBayesBound: log P(S) must be ≤ 0, got ${logPS}`);
  if (!Number.isInteger(m) || m < 1) throw new FsbayesError(`pacBayesBound: m must be a positive integer, got ${m}`);
  if (!(delta > 0 && delta < 1)) throw new FsbayesError(`pacBayesBound: δ must be in (0, 1), got ${delta}`);
  const B = (-logPS + 2 * Math.log(m) + 1 - Math.log(delta)) / m;
  return { epsilon: -Math.expm1(-B), B };
}
