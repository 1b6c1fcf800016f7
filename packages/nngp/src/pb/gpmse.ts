/**
 * The authors' "GP_MSE" comparator: exact GP regression on S (the labels as
 * regression targets, Gaussian noise variance σ² = 0.002 by default), whose
 * posterior on E is N(μ_E, Σ_E) with
 *   μ_E = K_ES (K_SS + σ²I)⁻¹ t,   Σ_E = K_EE − K_ES (K_SS + σ²I)⁻¹ K_SE,
 * and the probability of a sign pattern on E is the orthant probability of
 * that Gaussian — computed by EP with a prior mean (`epClassify` with
 * `priorMean`).
 *
 * Targets: 'pm1' (default) regresses on t = ±1 and reads a function off the
 * sign of f; '01' regresses on t = 0/1 and thresholds at ½, i.e. the orthant
 * of f − ½ (the MSE-with-0.5-threshold convention of the authors' SGD code).
 * Which one their GP_MSE used is not recorded in our notes.
 */
import { cholesky, FsbayesError, solveTriangular, Warnings } from '@fsbayes/core';
import { mirrorLower } from '../ep/matrix.js';
import { type EpOptions, signLabels } from '../ep/options.js';
import { clampDiagonal, splitBlocks, squareSize, subtractAtALower } from '../ep/predict.js';
import { orthantLogProbOf } from '../orthant/index.js';
import { analyseCovariance } from '../orthant/reduce.js';
import { bitsToLabels } from './posterior.js';

/** Options of {@link gpRegressionLogProb}. */
export interface GpRegressionOptions {
  /** Noise variance σ² (default 0.002). */
  noise?: number;
  /** Regression targets: ±1 with threshold 0 (default) or 0/1 with threshold ½. */
  targets?: 'pm1' | '01';
  /** Options for the EP orthant computations. */
  ep?: EpOptions;
}

/** What {@link gpRegressionLogProb} returns: each function's log-probability, the posterior on E, and warnings. */
export interface GpRegressionResult {
  /** log P(sign pattern) per function under N(μ_E, Σ_E), by EP. */
  logP: Float64Array;
  /** Posterior mean on E (in target units) and covariance (nE×nE). */
  mean: Float64Array;
  cov: Float64Array;
  nE: number;
  /** Jitter the Cholesky of K_SS + σ²I needed beyond σ² (0 if none). */
  jitter: number;
  /** EP sweeps per function. */
  iterations: Int32Array;
  /** Why these numbers are not to be trusted (degenerate posterior covariance, EP not converged, …). */
  warnings: string[];
}

/** The GP-regression posterior on E and the EP log-probability of each function's sign pattern. */
export function gpRegressionLogProb(
  K: Float64Array,
  nS: number,
  yS: ArrayLike<number>,
  functions: ArrayLike<number>[],
  opts: GpRegressionOptions = {},
): GpRegressionResult {
  const n = squareSize(K);
  const noise = opts.noise ?? 0.002;
  if (!(noise >= 0) || !Number.isFinite(noise))
    throw new FsbayesError(`gpRegressionLogProb: noise must be ≥ 0, got ${noise}`);
  const targets = opts.targets ?? 'pm1';
  if (targets !== 'pm1' && targets !== '01') throw new FsbayesError(`gpRegressionLogProb: unknown targets ${targets}`);
  const { Kss, Kse, Kee, nE } = splitBlocks(K, n, nS);
  const A = Kss.slice();
  for (let i = 0; i < nS; i++) A[i * nS + i] += noise;
  const { L, jitter } = cholesky(A, nS, { jitter: 'auto' });
  const ys = signLabels(yS, nS);
  const t = new Float64Array(nS);
  for (let i = 0; i < nS; i++) t[i] = targets === 'pm1' ? ys[i] : ys[i] > 0 ? 1 : 0;
  // α = A⁻¹ t; μ_E = K_ESα; V = L⁻¹K_SE; Σ_E = K_EE − VᵀV
  const alpha = solveTriangular(L, nS, solveTriangular(L, nS, t, 1), 1, { transpose: true });
  const mean = new Float64Array(nE);
  for (let i = 0; i < nS; i++) {
    const a = alpha[i];
    const o = i * nE;
    for (let e = 0; e < nE; e++) mean[e] += Kse[o + e] * a;
  }
  const V = solveTriangular(L, nS, Kse, nE);
  const cov = Kee.slice();
  subtractAtALower(cov, V, nS, nE);
  mirrorLower(cov, nE);
  clampDiagonal(cov, nE);
  const thr = targets === 'pm1' ? 0 : 0.5;
  const shifted = Float64Array.from(mean, (v) => v - thr);
  const logP = new Float64Array(functions.length);
  const iterations = new Int32Array(functions.length);
  const epOpts: EpOptions = { ...opts.ep, init: undefined, priorMean: undefined };
  // one exact reduction of the posterior covariance (repeated test points), then each function's orthant
  const s = analyseCovariance(cov, nE, { name: 'the GP-regression posterior covariance' });
  const w = new Warnings().addAll(s.warnings);
  if (jitter > 0) w.add(`K_SS + σ²I needed jitter ${jitter.toExponential(3)} beyond σ² = ${noise} to factorise`);
  let unconverged = 0;
  for (let k = 0; k < functions.length; k++) {
    const r = orthantLogProbOf(s, bitsToLabels(functions[k], nE), { method: 'ep', mean: shifted, ep: epOpts });
    logP[k] = r.logP;
    iterations[k] = r.iterations ?? 0;
    if (r.converged === false) unconverged++;
  }
  if (unconverged > 0)
    w.add(
      `EP did not converge for ${unconverged} of ${functions.length} functions: their log P is not a fixed point of EP`,
    );
  return { logP, mean, cov, nE, jitter, iterations, warnings: w.toArray() };
}
