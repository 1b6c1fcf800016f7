/** log P(S) by EP, in the shape the CLI and the other estimators report. */
import { EP_ORTHANT_BIAS } from '../orthant/ep.js';
import { type CovarianceCheckOptions, orthantLogProb } from '../orthant/index.js';
import { type EpOptions, signLabels } from './options.js';

/** What `logMarginalLikelihood` returns: EP's log P(S), its sweeps and jitter, the exact reduction's verdict, warnings. */
export interface EpMarginalLikelihood {
  /** EP's log P(sign f_S = y_S), f ~ N(0, K); −∞ when P(S) = 0 exactly (`exact`, `zeroReason`). */
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
  /** True when the exact reduction decided P(S) (0 or 1) and EP did not run. */
  exact: boolean;
  /** With P(S) = 0 exactly: why. */
  zeroReason?: string;
  /** Points EP saw, and those taken out exactly (zero variance, repeats). */
  reduced: { n: number; zeroVariance: number; duplicates: number };
  /** Why logPS is not to be trusted; when EP ran, its measured bias ({@link EP_ORTHANT_BIAS}) first. */
  warnings: string[];
}

/**
 * log P(S) of labels y (±1, or 0/1) under f ~ N(0, K) (or N(opts.priorMean, K)) by EP,
 * after the exact reduction of `orthantLogProb` (checks K; zero-variance and repeated
 * points decided exactly).
 */
export function logMarginalLikelihood(
  K: Float64Array,
  n: number,
  y: ArrayLike<number>,
  opts: EpOptions & { check?: CovarianceCheckOptions } = {},
): EpMarginalLikelihood {
  const { priorMean, check, ...ep } = opts;
  const r = orthantLogProb(K, n, signLabels(y, n), {
    method: 'ep',
    ep,
    check,
    ...(priorMean !== undefined ? { mean: priorMean } : {}),
  });
  return {
    logPS: r.logP,
    stderr: null,
    method: 'ep',
    m: n,
    jitter: r.jitter ?? 0,
    iterations: r.iterations ?? 0,
    converged: r.converged ?? true,
    exact: r.exact,
    ...(r.zeroReason !== undefined ? { zeroReason: r.zeroReason } : {}),
    reduced: r.reduced,
    warnings: r.exact ? r.warnings : [EP_ORTHANT_BIAS, ...r.warnings],
  };
}
