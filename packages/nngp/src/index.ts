/**
 * @fsbayes/nngp — the Bayesian side: NNGP/NTK kernels read from the same
 * architecture spec as the nets, GP classification by expectation
 * propagation, Gaussian orthant probabilities (EP, Botev, Genz, Monte
 * Carlo), P_B(f|S), the EP posterior and GP-regression comparators, and the
 * marginal-likelihood PAC-Bayes bound. Everything here is float64.
 */

/** Estimators of a Gaussian orthant probability P(sign f = y), f ~ N(m, K). */
export type OrthantMethod = 'ep' | 'botev' | 'genz' | 'mc';

/** A log-probability with its error estimate (null where the method has none). */
export interface LogProbability {
  logP: number;
  stderr: number | null;
  method: OrthantMethod;
}

export * from './ep/index.js';
export * from './kernels/index.js';
export * from './orthant/index.js';
export * from './pb/index.js';
