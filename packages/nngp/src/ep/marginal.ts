/** log P(S) by EP, in the shape the CLI and the other estimators report. */
import { type EpOptions, epClassify } from './ep.js';

export interface EpMarginalLikelihood {
  /** EP's log P(sign f_S = y_S), f ~ N(0, K). */
  logPS: number;
  /** EP has no error estimate. */
  stderr: null;
  method: 'ep';
  /** Number of training points. */
  m: number;
  /** Absolute jitter added to K's diagonal (0 if none). */
  jitter: number;
  iterations: number;
  converged: boolean;
}

export function logMarginalLikelihood(
  K: Float64Array,
  n: number,
  y: ArrayLike<number>,
  opts: EpOptions = {},
): EpMarginalLikelihood {
  const r = epClassify(K, n, y, opts);
  return {
    logPS: r.logZ,
    stderr: null,
    method: 'ep',
    m: n,
    jitter: r.jitter,
    iterations: r.iterations,
    converged: r.converged,
  };
}
