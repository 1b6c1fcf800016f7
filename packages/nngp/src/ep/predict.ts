/**
 * The EP posterior predictive at test points (GPML Algorithm 3.6, for many
 * test points with their full covariance): with B = I + S̃½KS̃½ = LLᵀ,
 *   mean₊ = m₊ + K₊ᵀ (ν̃ − S̃½ L⁻ᵀL⁻¹ S̃½ K ν̃),
 *   cov₊  = K₊₊ − vᵀv,  v = L⁻¹ S̃½ K₊,
 * where K₊ is the train×test kernel block and K₊₊ the test×test block.
 * (For the step likelihood the class probability of one point would be
 * Φ(mean₊/√var₊); here the whole Gaussian is returned.)
 */

import { FsbayesError, solveTriangular } from '@fsbayes/core';
import { analyseCovariance, type CovarianceCheckOptions, reduceOrthant, subMatrix } from '../orthant/reduce.js';
import { epClassify } from './ep.js';
import { mirrorLower } from './matrix.js';
import { type EpOptions, type EpResult, signLabels } from './options.js';
import { epWarnings } from './warnings.js';

/** N(mean, cov) on the test points. */
export interface GaussianPredictive {
  mean: Float64Array;
  /** nE×nE row-major, symmetric. */
  cov: Float64Array;
  nE: number;
}

/** n for an n×n row-major K (its length must be a perfect square). */
export function squareSize(K: Float64Array): number {
  const n = Math.round(Math.sqrt(K.length));
  if (n * n !== K.length) throw new FsbayesError(`K has ${K.length} entries, not a square matrix`);
  return n;
}

/**
 * Extract the blocks of a kernel on S ∪ E (S first): K_SS (nS×nS), K_SE
 * (nS×nE), K_EE (nE×nE), all row-major copies.
 */
export function splitBlocks(
  K: Float64Array,
  n: number,
  nS: number,
): { Kss: Float64Array; Kse: Float64Array; Kee: Float64Array; nE: number } {
  if (!Number.isInteger(nS) || nS < 0 || nS > n)
    throw new FsbayesError(`nS must be an integer in [0, ${n}], got ${nS}`);
  if (K.length < n * n) throw new FsbayesError(`K has ${K.length} entries, needs ${n}×${n}`);
  const nE = n - nS;
  const Kss = new Float64Array(nS * nS);
  const Kse = new Float64Array(nS * nE);
  const Kee = new Float64Array(nE * nE);
  for (let i = 0; i < nS; i++) {
    Kss.set(K.subarray(i * n, i * n + nS), i * nS);
    Kse.set(K.subarray(i * n + nS, i * n + n), i * nE);
  }
  for (let i = 0; i < nE; i++) Kee.set(K.subarray((nS + i) * n + nS, (nS + i) * n + n), i * nE);
  return { Kss, Kse, Kee, nE };
}

/**
 * Predictive N(mean, cov) at the test points from a converged EP on the
 * training points (needs `ep.L`, i.e. `returnFactor: true`, and the training
 * kernel it ran on, jitter included: pass `ep.jitter`).
 */
export function epPredict(
  ep: Pick<EpResult, 'tauTilde' | 'nuTilde' | 'L' | 'jitter'>,
  Kss: Float64Array,
  nS: number,
  Kse: Float64Array,
  Kee: Float64Array,
  nE: number,
  priorMeanE?: ArrayLike<number>,
): GaussianPredictive {
  if (!ep.L)
    throw new FsbayesError('epPredict: the EP result has no factor L (run epClassify with returnFactor: true)');
  const L = ep.L;
  const sq = new Float64Array(nS);
  for (let i = 0; i < nS; i++) sq[i] = Math.sqrt(ep.tauTilde[i]);
  // K ν̃ (with EP's jitter), then z = S̃½ L⁻ᵀ L⁻¹ S̃½ K ν̃, α = ν̃ − z
  const kv = new Float64Array(nS);
  for (let i = 0; i < nS; i++) {
    let s = 0;
    const o = i * nS;
    for (let j = 0; j < nS; j++) s += Kss[o + j] * ep.nuTilde[j];
    kv[i] = s + ep.jitter * ep.nuTilde[i];
    kv[i] *= sq[i];
  }
  const t = solveTriangular(L, nS, solveTriangular(L, nS, kv, 1), 1, { transpose: true });
  const alpha = new Float64Array(nS);
  for (let i = 0; i < nS; i++) alpha[i] = ep.nuTilde[i] - sq[i] * t[i];
  const mean = new Float64Array(nE);
  for (let i = 0; i < nS; i++) {
    const a = alpha[i];
    if (a === 0) continue;
    const o = i * nE;
    for (let e = 0; e < nE; e++) mean[e] += Kse[o + e] * a;
  }
  if (priorMeanE) for (let e = 0; e < nE; e++) mean[e] += priorMeanE[e];
  // v = L⁻¹ S̃½ K_SE, cov = K_EE − vᵀv
  const C = new Float64Array(nS * nE);
  for (let i = 0; i < nS; i++) {
    const s = sq[i];
    if (s === 0) continue;
    const o = i * nE;
    for (let e = 0; e < nE; e++) C[o + e] = s * Kse[o + e];
  }
  const v = solveTriangular(L, nS, C, nE);
  const cov = Kee.slice(0, nE * nE);
  subtractAtALower(cov, v, nS, nE);
  mirrorLower(cov, nE);
  clampDiagonal(cov, nE);
  return { mean, cov, nE };
}

/**
 * Rounding can leave a predictive variance slightly negative when a test point
 * repeats a training point (true value 0): clamp the diagonal at 0.
 */
export function clampDiagonal(cov: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) if (!(cov[i * n + i] > 0)) cov[i * n + i] = 0;
}

/** cov (nE×nE, lower triangle) −= vᵀv for v nS×nE row-major. */
export function subtractAtALower(cov: Float64Array, v: Float64Array, nS: number, nE: number): void {
  for (let k = 0; k < nS; k++) {
    const ok = k * nE;
    for (let r = 0; r < nE; r++) {
      const a = v[ok + r];
      if (a === 0) continue;
      const o = r * nE;
      for (let j = 0; j <= r; j++) cov[o + j] -= a * v[ok + j];
    }
  }
}

/**
 * EP on the training block of a kernel on S ∪ E (S first) and its predictive on
 * E: the Gaussian approximation of f_E | sign f_S = y_S. S goes through the exact
 * reduction first (`reduce.ts`: K checked, zero-variance and repeated training
 * points taken out exactly; P(S) = 0 exactly is refused, the posterior being
 * undefined), so `ep` and the returned `Kss`/`Kse` are those of the kept
 * training points `keptS`. `warnings` says why the numbers are not to be trusted.
 */
export function epPosteriorOnTest(
  K: Float64Array,
  nS: number,
  yS: ArrayLike<number>,
  opts: EpOptions & { check?: CovarianceCheckOptions } = {},
): {
  ep: EpResult;
  predictive: GaussianPredictive;
  Kss: Float64Array;
  Kee: Float64Array;
  Kse: Float64Array;
  keptS: Int32Array;
  warnings: string[];
} {
  const { check, ...epOpts } = opts;
  const n = squareSize(K);
  const blocks = splitBlocks(K, n, nS);
  const s = analyseCovariance(blocks.Kss, nS, { name: 'K_SS', ...check });
  const red = reduceOrthant(s, signLabels(yS, nS));
  if (red.zeroReason !== null)
    throw new FsbayesError(`P(S) = 0 exactly, so the posterior given S is undefined: ${red.zeroReason}`);
  const keep = red.src;
  const m = keep.length;
  const Kss = subMatrix(blocks.Kss, nS, keep);
  const { nE, Kee } = blocks;
  const Kse = new Float64Array(m * nE);
  for (let a = 0; a < m; a++) Kse.set(blocks.Kse.subarray(keep[a] * nE, keep[a] * nE + nE), a * nE);
  const ep = epClassify(Kss, m, red.y, { ...epOpts, returnFactor: true });
  let md = 0;
  for (let i = 0; i < m; i++) md += Kss[i * m + i] / m;
  const predictive = m > 0 ? epPredict(ep, Kss, m, Kse, Kee, nE) : { mean: new Float64Array(nE), cov: Kee.slice(), nE };
  const warnings = [...s.warnings, ...epWarnings(ep, md, 'EP on S')];
  return { ep, predictive, Kss, Kee, Kse, keptS: keep, warnings };
}
