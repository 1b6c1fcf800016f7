/**
 * P_B(f|S) for functions f on a test set E: with the 0-1 likelihood,
 *   log P_B(f|S) = log P(S ∪ E_f) − log P(S),
 * both Gaussian orthant probabilities of the prior f ~ N(0, K) on S ∪ E
 * (S first), each approximated by EP's log Z.
 *
 * Work on S is done once: EP on S gives log P(S), its sites, and the EP
 * predictive N(m_E, C_E) of f_E given the S labels (GPML 3.6, one O(|S|²|E|)
 * solve for all functions). Then, per function (labels y_E from its bits):
 *
 *  1. 'conditional' step: EP on N(m_E, C_E) with the labels y_E (an |E|-sized
 *     EP with a prior mean). Its log Z is exactly the log Z of the joint EP
 *     whose S sites are frozen at their S-only values, i.e. an approximation of
 *     log P(S ∪ E_f) − log P(S) at O(|E|³) per sweep.
 *  2. 'joint': the full EP on S ∪ E_f, warm-started from step 1 (S
 *     sites from EP on S, E sites from step 1, moved to f's scale:
 *     ν̃ = ν̃_cond + τ̃_cond m_E), iterated to its own fixed point. This is
 *     logZ_EP(S ∪ E_f) − logZ_EP(S) as the authors compute it, at O(n³) per sweep.
 *  3. 'lowrank' (`lowrank.ts`): the same joint EP, but the S sites move only
 *     through a low-rank (Woodbury) update of the posterior EP on S gives over
 *     S ∪ E (computed once, O(n³)): all E sites and the S sites that would
 *     move the posterior most (by KL), up to `maxActiveS` of them (default
 *     max(256, 4|E|)); O(n·a²) per function, a = |E| + that many. It reaches the
 *     joint fixed point when no other S site asks to move (always when |S| ≤ the
 *     cap), else it stops with the rest frozen and reports their weight
 *     (`frozenKL`, Σ of the KL each frozen site would move its marginal by).
 *  'auto' (default): 'joint' when |S| ≤ max(256, 4|E|) — where 'lowrank' would
 *  reach the same fixed point (measured: within 1e−10) and the joint EP is
 *  cheap, so those numbers are the reference computation's — else 'lowrank'.
 *
 * Measured, 'lowrank' against 'joint' (MNIST FCN NNGP, |E| = 100, 7 functions: the
 * sign of the predictive mean, it with 3, 10, 30 and 50 bits flipped, 2 draws from the
 * EP posterior; scratch scripts, the numbers are in `methodError`): at the default
 * cap of 400 moving S sites it errs by 0.007–0.03 nats on typical functions at
 * |S| = 1000 and 2000, 0.025–0.74 on the flipped ones (log P_B −92 … −196), where
 * 'conditional' errs by 0.01–0.47 and 1.9–16; always below joint, by at most
 * 0.25 × `frozenKL`. Cost per function at |S| = 2000: ~1.3 s against ~40 s for
 * 'joint' (2 loaded cores). Against exact orthant probabilities (Botev, |S| = 90,
 * |E| = 10, 15 functions) joint, lowrank and conditional err by 0.009, 0.008 and
 * 0.015 nats on average.
 *
 * Measured on the Boolean system (2-layer ReLU NNGP, |S| = 32, target 0011…):
 * with |E| = 3, against scipy Genz values of the exact log P_B for all 8
 * functions, 'joint' is off by 0.065 nats on average (max 0.19) and
 * 'conditional' by 0.27 (max 0.86): the errors of the two EP terms of 'joint'
 * largely cancel. With |E| = 96 the two modes differ by up to 28 nats on
 * low-probability functions. The warm start saves only ~10–30% of the joint
 * sweeps there (13–21 against 19–23 cold), because EP converges slowly on
 * such strongly correlated kernels; 'conditional' is 5–20× faster. One more
 * difference: 'conditional' sees S only through EP's Gaussian marginals, so a
 * test point that repeats a training point keeps a finite probability of
 * contradicting its label (e^{−2.9} in test/pb.test.ts), where 'joint' heads to
 * P = 0 (log P_B ≈ −12, stopped by EP's site-precision cap).
 *
 * Exact reduction first (`reduce.ts`, once for the kernel on S ∪ E): zero-variance
 * and repeated points are decided exactly, so a test point that repeats a training
 * point with the other label gets P_B = 0 exactly (log P_B = −∞, `exact[k] = 1`),
 * in both modes; EP runs on the remaining points. P(S) = 0 exactly (S contradicts
 * itself) leaves P_B undefined: refused with the reason.
 */
import { checkMemory, FsbayesError, type PbMethod, Warnings } from '@fsbayes/core';
import { epClassify } from '../ep/ep.js';
import { pbMemoryNeeds } from '../ep/memory.js';
import { type EpOptions, resolveSchedule, signLabels } from '../ep/options.js';
import { epPredict, splitBlocks, squareSize } from '../ep/predict.js';
import { epWarnings } from '../ep/warnings.js';
import {
  analyseCovariance,
  type CovarianceCheckOptions,
  reduceOrthant,
  restrictStructure,
  subMatrix,
} from '../orthant/reduce.js';
import { type LowRankOptions, lowRankBase, lowRankJointEp } from './lowrank.js';

/** How P_B is computed per function (see the module comment). */
export type PbMode = PbMethod;

/** Options of {@link logPosteriorProbabilities}: the method, EP's options, progress and the kernel check. */
export interface PbOptions {
  /**
   * 'auto' (default): 'joint' when |S| ≤ max(256, 4|E|), else 'lowrank'. 'joint': full EP on S ∪ E_f per
   * function, O(n³) per sweep; 'lowrank': the joint EP with S sites moving through a low-rank update,
   * O(n·(|E| + k)²); 'conditional': EP on the predictive of E only, O(|E|³).
   */
  mode?: PbMode | 'auto';
  /** Options of 'lowrank' (cap on the S sites that move, …); its tol and sweep cap come from `ep`. */
  lowRank?: Omit<LowRankOptions, 'tol' | 'maxIterations'>;
  /**
   * Options for every EP run (on S, on E, on S ∪ E). Default tol here is 1e−4
   * (not epClassify's 1e−6): log Z is stationary at EP's fixed point, and on the
   * Boolean system tol 1e−4 left log Z within 3e−7 of the converged value at
   * ~30% fewer sweeps.
   */
  ep?: EpOptions;
  /** Called after each function. */
  onProgress?: (done: number, total: number) => void;
  /** Called after each sweep of EP on S: at |S| = 10⁴ that EP takes minutes before the first function. */
  onSweepS?: EpOptions['onSweep'];
  /** Tolerances of the kernel check and exact reduction (see `analyseCovariance`). */
  check?: CovarianceCheckOptions;
}

/** What {@link logPosteriorProbabilities} returns: log P(S), log P_B per function, the method and its error. */
export interface PbResult {
  /** EP log P(S). */
  logPS: number;
  /** log P_B(f|S) per function, in input order. */
  logPB: Float64Array;
  /** The method used ('auto' resolved). */
  mode: PbMode;
  /**
   * What is known of the method's error against 'joint' (the reference EP computation), in words:
   * measured values for 'conditional' and 'lowrank', 'none (reference)' for 'joint'. For every output and figure.
   */
  methodError: string;
  /**
   * 'lowrank' only, per function: Σ over the S sites left frozen of the KL divergence each would move its
   * marginal by (0 when the joint fixed point was reached). Measured: log P_B falls short of 'joint' by
   * 0.02–0.22 × this (MNIST, |S| = 150–2000), never more than 0.25 ×.
   */
  frozenKL?: Float64Array;
  nS: number;
  nE: number;
  /** Sweeps of EP on S, and of the final EP per function. */
  iterationsS: number;
  iterations: Int32Array;
  /** Whether EP on S and every per-function EP converged. */
  converged: boolean;
  /** Per function: 1 when its EP converged (or it was decided exactly). */
  convergedEach: Uint8Array;
  /** Per function: 1 when P_B was decided exactly (0: log P_B = −∞, a label contradicting a repeated point). */
  exact: Uint8Array;
  /** Jitter EP on S needed (0 if none). */
  jitter: number;
  /** The EP predictive of f_E given S (mean, covariance) on the E points that are left after the reduction (`keptE`). */
  predictive: { mean: Float64Array; cov: Float64Array };
  /** The E points (0-based within E) that EP saw; the others repeat points of S ∪ E or have zero variance. */
  keptE: Int32Array;
  /** Why these numbers are not to be trusted (EP not converged, jitter, degenerate kernel, …). */
  warnings: string[];
}

/** ±1 labels from 0/1 bits (length nE). */
export function bitsToLabels(bits: ArrayLike<number>, nE: number): Float64Array {
  if (bits.length !== nE) throw new FsbayesError(`a function has ${bits.length} bits, E has ${nE} points`);
  const y = new Float64Array(nE);
  for (let i = 0; i < nE; i++) {
    const b = bits[i];
    if (b !== 0 && b !== 1) throw new FsbayesError(`function bits must be 0 or 1, got ${b} at ${i}`);
    y[i] = b === 1 ? 1 : -1;
  }
  return y;
}

/**
 * log P_B(f|S) for each function (0/1 bits on E) under the GP prior with
 * kernel K on S ∪ E (n×n row-major, S first, n = nS + |E|).
 */
export function logPosteriorProbabilities(
  K: Float64Array,
  nS: number,
  yS: ArrayLike<number>,
  functions: ArrayLike<number>[],
  opts: PbOptions = {},
): PbResult {
  const n = squareSize(K);
  const modeOpt = opts.mode ?? 'auto';
  if (modeOpt !== 'auto' && modeOpt !== 'joint' && modeOpt !== 'conditional' && modeOpt !== 'lowrank')
    throw new FsbayesError(
      `logPosteriorProbabilities: unknown mode '${String(modeOpt)}' (auto, joint, conditional or lowrank)`,
    );
  if (!Number.isInteger(nS) || nS < 0 || nS > n)
    throw new FsbayesError(`nS must be an integer in [0, ${n}], got ${nS}`);
  const nE0 = n - nS;
  const cap = opts.lowRank?.maxActiveS ?? defaultMaxActiveS(nE0);
  const mode: PbMode = modeOpt === 'auto' ? (nS <= cap ? 'joint' : 'lowrank') : modeOpt;
  const sched = resolveSchedule(opts.ep?.schedule ?? 'auto', nS);
  checkMemory(`P_B (${mode}) on |S| = ${nS}, |E| = ${n - nS}`, pbMemoryNeeds(nS, n - nS, mode, sched));
  const epOpts: EpOptions = { tol: 1e-4, ...opts.ep, init: undefined, priorMean: undefined };
  const ySs = signLabels(yS, nS);
  // The exact reduction: once for the kernel, then per label vector (O(n)).
  const full = analyseCovariance(K, n, opts.check);
  const partS = restrictStructure(full, nS);
  const redS = reduceOrthant(partS, ySs);
  if (redS.zeroReason !== null)
    throw new FsbayesError(`P(S) = 0 exactly, so P_B(f|S) is undefined: ${redS.zeroReason}`);
  const w = new Warnings().addAll(full.warnings);
  const kept = full.kept;
  const mS = redS.src.length;
  const keptE = Int32Array.from(Array.prototype.filter.call(kept, (i: number) => i >= nS) as number[], (i) => i - nS);
  const Kr = kept.length === n ? K : subMatrix(K, n, kept); // nothing taken out: no copy (neither is written)
  const nr = kept.length;
  const { Kss, Kse, Kee, nE } = splitBlocks(Kr, nr, mS);
  const ySr = redS.y;
  const epS = epClassify(Kss, mS, ySr, { ...epOpts, returnFactor: true, onSweep: opts.onSweepS ?? epOpts.onSweep });
  w.addAll(epWarnings(epS, meanDiag(Kss, mS), 'EP on S'));
  const pred = mS > 0 ? epPredict(epS, Kss, mS, Kse, Kee, nE) : { mean: new Float64Array(nE), cov: Kee.slice(), nE };
  const base =
    mode === 'lowrank' && nE > 0 ? lowRankBase(Kr, nr, mS, { ...epS, L: epS.L ?? new Float64Array(0) }) : null;
  const frozenKL = mode === 'lowrank' ? new Float64Array(functions.length) : undefined;
  let notFixed = 0;
  const logPB = new Float64Array(functions.length);
  const iterations = new Int32Array(functions.length);
  const convergedEach = new Uint8Array(functions.length);
  const exact = new Uint8Array(functions.length);
  let converged = epS.converged;
  const y = new Float64Array(nr);
  y.set(ySr);
  const tau0 = new Float64Array(nr);
  const nu0 = new Float64Array(nr);
  tau0.set(epS.tauTilde);
  nu0.set(epS.nuTilde);
  const yAll = new Float64Array(n);
  yAll.set(ySs);
  let zeros = 0;
  let firstZero = '';
  let unconverged = 0;
  let jitterMax = 0;
  for (let k = 0; k < functions.length; k++) {
    yAll.set(bitsToLabels(functions[k], nE0), nS);
    const red = reduceOrthant(full, yAll);
    if (red.zeroReason !== null) {
      logPB[k] = Number.NEGATIVE_INFINITY;
      exact[k] = 1;
      convergedEach[k] = 1;
      if (zeros++ === 0) firstZero = `function ${k}: ${red.zeroReason}`;
    } else if (nE === 0) {
      logPB[k] = 0;
      exact[k] = 1;
      convergedEach[k] = 1;
    } else {
      const yE = red.y.subarray(mS);
      if (base && frozenKL) {
        const r = lowRankJointEp(base, ySr, yE, {
          ...opts.lowRank,
          maxActiveS: cap,
          tol: epOpts.tol,
          maxIterations: epOpts.maxIterations,
        });
        logPB[k] = r.logZ - epS.logZ;
        iterations[k] = r.sweeps;
        convergedEach[k] = r.innerConverged ? 1 : 0;
        frozenKL[k] = r.converged ? 0 : r.frozenKL;
        if (!r.converged) notFixed++;
        jitterMax = Math.max(jitterMax, r.jitter);
        if (!convergedEach[k]) unconverged++;
        converged &&= convergedEach[k] === 1;
        opts.onProgress?.(k + 1, functions.length);
        continue;
      }
      const cond = epClassify(pred.cov, nE, yE, { ...epOpts, priorMean: pred.mean });
      if (mode === 'conditional') {
        logPB[k] = cond.logZ;
        iterations[k] = cond.iterations;
        convergedEach[k] = cond.converged ? 1 : 0;
        jitterMax = Math.max(jitterMax, cond.jitter);
      } else {
        y.set(yE, mS);
        for (let e = 0; e < nE; e++) {
          tau0[mS + e] = cond.tauTilde[e];
          nu0[mS + e] = cond.nuTilde[e] + cond.tauTilde[e] * pred.mean[e];
        }
        const joint = epClassify(Kr, nr, y, { ...epOpts, init: { tauTilde: tau0, nuTilde: nu0 } });
        logPB[k] = joint.logZ - epS.logZ;
        iterations[k] = joint.iterations;
        convergedEach[k] = joint.converged ? 1 : 0;
        jitterMax = Math.max(jitterMax, joint.jitter);
      }
      if (!convergedEach[k]) unconverged++;
      converged &&= convergedEach[k] === 1;
    }
    opts.onProgress?.(k + 1, functions.length);
  }
  if (zeros > 0)
    w.add(
      `${zeros} of ${functions.length} functions have P_B = 0 exactly (log P_B = −∞): they contradict a repeated or zero-variance point (${firstZero})`,
    );
  if (unconverged > 0)
    w.add(
      `EP did not converge for ${unconverged} of ${functions.length} functions (after up to ${epOpts.maxIterations ?? 200} sweeps): their log P_B is not a fixed point of EP`,
    );
  if (jitterMax > 0)
    w.add(`EP added jitter up to ${jitterMax.toExponential(3)} to the kernel's diagonal for some functions`);
  if (frozenKL && notFixed > 0) {
    let worst = 0;
    for (const v of frozenKL) worst = Math.max(worst, v);
    w.add(
      `lowrank: ${notFixed} of ${functions.length} functions stopped at the cap of ${cap} moving S sites, short of the joint EP fixed point; the frozen sites' weight (frozenKL) is up to ${worst.toFixed(3)}, and log P_B falls short of 'joint' by at most 0.25 × that in every case measured`,
    );
  }
  return {
    logPS: epS.logZ,
    logPB,
    mode,
    methodError: methodError(mode),
    ...(frozenKL ? { frozenKL } : {}),
    nS,
    nE: nE0,
    iterationsS: epS.iterations,
    iterations,
    converged,
    convergedEach,
    exact,
    jitter: epS.jitter,
    predictive: { mean: pred.mean, cov: pred.cov },
    keptE,
    warnings: w.toArray(),
  };
}

/** The default cap on the S sites 'lowrank' lets move (and the |S| up to which 'auto' takes 'joint'). */
export function defaultMaxActiveS(nE: number): number {
  return Math.max(256, 4 * nE);
}

/**
 * EP's P_B against Botev's on the Boolean system, where both are cheap (repro boolean at small
 * scale: the 300 most frequent functions of SGD and rejection sampling for each target).
 */
const EP_PB_BIAS =
  "EP's log P_B is a biased approximation with no error estimate: against Botev on the Boolean system (|S| = 32, |E| = 96, ReLU NNGP σ_w = σ_b = 1; Botev's standard errors ≈ 0.04) it is low by 0.29 nats on average (0.11–0.48) for target 0011…, by 0.13 (−0.12 … 0.45) for that target with 4 flips — most on the probable, simple functions; log P(S) itself is 0.13–0.17 low there";

/** What was measured of each method's error against 'joint' (see the module comment). */
export function methodError(mode: PbMode): string {
  if (mode === 'joint')
    return `joint EP on S ∪ E_f is the reference EP computation; against exact orthant probabilities (Botev, MNIST |S| = 90, |E| = 10) it errs by 0.009 nats on average (max 0.025), on the Boolean system (|E| = 3, Genz) by 0.065 (max 0.19); ${EP_PB_BIAS}`;
  if (mode === 'conditional')
    return 'conditional vs joint EP (MNIST, |E| = 100): 0.01–0.1 nats on typical functions at |S| = 1000 (to 0.47 at 2000), 1.9–16 nats on low-probability ones (log P_B −90 … −200); up to 28 nats on the Boolean system (|E| = 96); vs exact (Botev, |S| = 90, |E| = 10) 0.015 on average';
  return 'lowrank vs joint EP: the same fixed point (within 1e−7) when no S site beyond the cap asks to move (frozenKL = 0, always when |S| ≤ the cap); else below joint by at most 0.25 × frozenKL in every case measured — MNIST |E| = 100, cap 400: |S| = 1000, 0.007–0.010 nats on typical functions, 0.025–0.08 on low-probability ones (log P_B −92, −150); |S| = 2000, 0.008–0.032 and 0.14–0.74 (log P_B −120, −196); vs exact (Botev, |S| = 90, |E| = 10) 0.008 on average, as joint';
}

function meanDiag(K: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += K[i * n + i];
  return n > 0 ? s / n : 0;
}
