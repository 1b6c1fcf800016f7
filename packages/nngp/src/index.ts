/**
 * @fsbayes/nngp — the Bayesian side: NNGP/NTK kernels read from the same
 * architecture spec as the nets, GP classification by expectation
 * propagation, orthant probabilities, P_B(f|S) and the PAC-Bayes bound.
 *
 * Only the shape of the API is here so far; issue #3 fills it in.
 */
import type { ArchSpec } from '@fsbayes/core';

/** Which infinite-width kernel of a spec. */
export type KernelKind = 'nngp' | 'ntk';

/** Estimators of a Gaussian orthant probability P(sign f = y), f ~ N(0, K). */
export type OrthantMethod = 'ep' | 'botev' | 'genz' | 'mc';

/** A log-probability with its error estimate (null where the method has none). */
export interface LogProbability {
  logP: number;
  stderr: number | null;
  method: OrthantMethod;
}

/** log P(S) for a training set, and what it took to compute it. */
export interface MarginalLikelihood extends LogProbability {
  m: number;
  /** Diagonal jitter that had to be added to factorise K (0 if none). */
  jitter: number;
  iterations?: number;
}

/** The planned kernel entry point (issue #3). */
export type KernelFn = (spec: ArchSpec, x1: Float64Array, n1: number, x2?: Float64Array, n2?: number) => Float64Array;
