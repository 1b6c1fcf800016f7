/**
 * Gaussian orthant probabilities P(sign f = y), f ~ N(mean, K), in log space:
 * the marginal likelihood P(S) of a GP classifier with a step likelihood.
 *
 * With D = diag(y) this is the rectangle probability P(l ≤ g ≤ ∞), g ~ N(0, D K D),
 * l = −D·mean. Four estimators, each with an error estimate for log P:
 *
 * | method  | what                                                                 | stderr            | use for |
 * |---------|----------------------------------------------------------------------|-------------------|---------|
 * | 'botev' | minimax-tilted importance sampling (Botev 2017) + bound exp ψ*        | relative error    | any d (hundreds), any P (vanishing relative error as P → 0) |
 * | 'genz'  | separation of variables, randomly shifted CBC lattice (10 shifts)     | over the shifts   | moderate d and P ≳ 1e−5 (warned below); degrades as P shrinks |
 * | 'mc'    | plain Monte Carlo count                                               | binomial, delta; 95% interval | P ≫ 1/samples only |
 * | 'ep'    | expectation propagation's log Z (`epClassify`)                        | null (none)       | any d; deterministic approximation, biased (`EP_ORTHANT_BIAS`) |
 *
 * Botev, Genz and MC share Genz's reordering (least likely constraint first)
 * and the Cholesky factor built with it. All are seeded (`seed`, default 0),
 * each on its own stream `new Rng(seed, 'orthant', method)`.
 *
 * Reading the errors:
 * - Botev's stderr is sd(w)/(mean(w)√n) of the importance weights; it was found
 *   calibrated (z-scores with sd ≈ 1 over hundreds of seeds). It grows with d for
 *   strongly correlated kernels (NNGP d = 300: ≈ 0.1 nats at 10⁴ samples); every
 *   weight is ≤ exp ψ*, so `maxLogWeight ≤ upperBound` is a built-in check. The
 *   bound is loose for correlated kernels (5 nats at d = 100, 14 at d = 300).
 * - Genz's stderr is estimated from 10 shift means: a rough guide (a t₉-like
 *   statistic) even when P is moderate. For small P it fails silently: an NNGP
 *   orthant with log P = −118 (d = 300) came out −119.6 ± 0.19, one with
 *   log P = −93.0 (d = 90) −104.8 ± 0.69. Every result below P = 1e−5 carries a
 *   warning (the threshold measured against Botev: `GENZ_RELIABLE_LOGP`). A stderr
 *   near 1 means one shift dominated — the estimate is meaningless.
 * - MC's `logInterval95` is Wilson's 95% interval of the hit rate, in log space.
 * - EP has no error estimate; on NNGP kernels it is biased low, most on probable
 *   labellings (`EP_ORTHANT_BIAS`, which `logMarginalLikelihood` adds to its warnings).
 * - MC's stderr is the binomial delta method; with no hits logP = −∞, stderr null
 *   and `logUpper95` the Clopper–Pearson 95% upper limit.
 *
 * Before any method runs, the problem goes through the exact pre-reduction of
 * `reduce.ts` (`analyseCovariance`, then the labels): K must be finite,
 * symmetric and PSD within stated tolerances (else `FsbayesError`);
 * zero-variance points are decided exactly (label +1 ⇔ f > 0, so f ≡ 0 has
 * label −1), repeated points (Kᵢᵢ = Kⱼⱼ = Kᵢⱼ) are merged — the same label
 * adds nothing, conflicting labels give P = 0 exactly (`exact: true`,
 * logP = −∞, `zeroReason`). What is left goes to the method; a singular
 * remainder is still handled by clamping (`clamped`). Every result carries
 * `warnings: string[]`: why its number is not to be trusted (a method that
 * did not converge, jitter, a degenerate or near-singular K, a method below
 * its reliable range), empty when there is nothing to say.
 */
import { FsbayesError, logDiffNormCdf, Rng, type Seed, Warnings } from '@fsbayes/core';
import type { EpOptions } from '../ep/index.js';
import { botevRectangle } from './botev.js';
import { epOrthant } from './ep.js';
import { genzRectangle } from './genz.js';
import { mcRectangle } from './mc.js';
import {
  analyseCovariance,
  type CovarianceCheckOptions,
  type CovarianceStructure,
  type ReducedIntervals,
  reduceIntervals,
  reduceOrthant,
  subMatrix,
  type ZeroCause,
} from './reduce.js';
import { reorderCholesky } from './reorder.js';
import type { LogProbability, OrthantMethod } from './types.js';

export {
  type BotevOptions,
  type BotevResult,
  botevRectangle,
  solveTilting,
  type TiltingSolution,
  tiltFromPoint,
  tiltToPoint,
} from './botev.js';
export { EP_ORTHANT_BIAS } from './ep.js';
export { type GenzResult, genzRectangle } from './genz.js';
export { latticeVector, primeAtMost } from './lattice.js';
export { type McResult, mcRectangle } from './mc.js';
export {
  analyseCovariance,
  type CovarianceCheckOptions,
  type CovarianceStructure,
  describeOrthantZero,
  type ReducedIntervals,
  type ReducedOrthant,
  reduceIntervals,
  reduceOrthant,
  restrictStructure,
  subMatrix,
  type ZeroCause,
} from './reduce.js';
export { type Reordered, reorderCholesky } from './reorder.js';
export { trandn, trandnFill, truncNormMean, truncNormQuantile } from './trandn.js';

/** Options of {@link orthantLogProb}: the method, its sample budget and seed, the prior mean, and the check of K. */
export interface OrthantOptions {
  method: OrthantMethod;
  /**
   * Botev: importance samples (default 10 000). Genz: total lattice points over
   * all shifts (default 20 000). MC: draws (default 100 000). Ignored by EP.
   */
  samples?: number;
  /** Seed of the method's random stream (default 0). Ignored by EP. */
  seed?: Seed;
  /** Prior mean of f (default 0). */
  mean?: ArrayLike<number>;
  /** Genz: number of random lattice shifts (default 10). */
  shifts?: number;
  /** Relative diagonal jitter: K + jitter·mean(diag K)·I (default 0). */
  jitter?: number;
  /** Botev: Newton tolerance on max|∇ψ| (default 1e−10) and iteration cap (default 100). */
  tol?: number;
  maxIter?: number;
  /** Extra options passed through to `epClassify` (schedule, damping, tol, …; `priorMean` comes from `mean`). */
  ep?: Omit<EpOptions, 'priorMean'>;
  /** Tolerances of the covariance check and reduction (see `analyseCovariance`). */
  check?: CovarianceCheckOptions;
}

/** log P(sign f = y) with its standard error, each method's diagnostics, and warnings. */
export interface OrthantResult extends LogProbability {
  /** Standard error of logP (null for EP, and for MC with no hits). */
  stderr: number | null;
  /** Botev: log of the deterministic upper bound exp ψ* on P. */
  upperBound?: number;
  /** Samples (Botev, MC) or lattice points over all shifts (Genz) actually used. */
  samples?: number;
  /**
   * Botev: whether the tilting solve reached ∇ψ = 0 (if not, the estimate is still unbiased but upperBound is omitted).
   * EP: whether the site updates converged.
   */
  converged?: boolean;
  /** EP: absolute jitter it added to K's diagonal (0 if none). */
  jitter?: number;
  /** Botev: Newton iterations; EP: sweeps. */
  iterations?: number;
  /** Botev: the largest sampled log-weight (never above upperBound, up to rounding). */
  maxLogWeight?: number;
  /** MC: hits, and with zero hits the log of the one-sided 95% Clopper–Pearson upper limit 1 − 0.05^{1/N}. */
  hits?: number;
  logUpper95?: number;
  /** MC: 95% interval of logP (Wilson; with no hits [−∞, logUpper95]). */
  logInterval95?: [number, number];
  /** Genz: shifts and points per shift. */
  shifts?: number;
  points?: number;
  /** Pivots whose conditional variance was at rounding level and had to be clamped (K singular). */
  clamped?: number;
  /** True when P is known exactly and no method ran: decided by the reduction (0 or 1), or one coordinate left (Φ). */
  exact: boolean;
  /** With P = 0 exactly: why, in words. */
  zeroReason?: string;
  /** Coordinates the method saw, and those the reduction took out (zero variance, repeats). */
  reduced: { n: number; zeroVariance: number; duplicates: number };
  /** Why logP is not to be trusted (empty when nothing is known against it). */
  warnings: string[];
}

/**
 * log P(sign f = y) for f ~ N(mean, K), K n×n row-major symmetric PSD, y ∈ {±1}ⁿ
 * (label +1 ⇔ f > 0). Returns logP with a standard error (of logP) where the
 * method has one, after the exact reduction of the module comment.
 */
export function orthantLogProb(K: Float64Array, n: number, y: ArrayLike<number>, opts: OrthantOptions): OrthantResult {
  checkMatrix('orthantLogProb', K, n);
  return orthantLogProbOf(analyseCovariance(K, n, opts.check), y, opts);
}

/**
 * {@link orthantLogProb} for a covariance already analysed (`analyseCovariance`):
 * many label vectors on one kernel pay for its check once.
 */
export function orthantLogProbOf(s: CovarianceStructure, y: ArrayLike<number>, opts: OrthantOptions): OrthantResult {
  const n = s.n;
  if (y.length !== n) throw new FsbayesError(`orthantLogProb: y has ${y.length} entries, expected ${n}`);
  for (let i = 0; i < n; i++)
    if (y[i] !== 1 && y[i] !== -1) throw new FsbayesError(`orthantLogProb: y[${i}] = ${y[i]}, expected ±1`);
  const mean = opts.mean;
  if (mean !== undefined) {
    if (mean.length !== n) throw new FsbayesError(`orthantLogProb: mean has ${mean.length} entries, expected ${n}`);
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(mean[i])) throw new FsbayesError(`orthantLogProb: mean[${i}] = ${mean[i]} is not finite`);
  }
  const method = opts.method;
  if (method !== 'ep' && method !== 'botev' && method !== 'genz' && method !== 'mc')
    throw new FsbayesError(`orthantLogProb: unknown method '${String(method)}'`);
  const w = new Warnings().addAll(s.warnings);
  const r = reduceOrthant(s, y, mean);
  const reduced = { n: r.src.length, zeroVariance: s.zeroVariance, duplicates: s.duplicates };
  if (r.zeroReason !== null)
    return {
      logP: Number.NEGATIVE_INFINITY,
      stderr: 0,
      method,
      exact: true,
      zeroReason: r.zeroReason,
      reduced: { ...reduced, n: 0 },
      warnings: w.toArray(),
    };
  if (!r.twoSided && r.src.length === 0)
    return { logP: 0, stderr: 0, method, exact: true, reduced, warnings: w.toArray() };
  if (r.intervals.src.length === 1) return oneDimensional(s, r.intervals, method, { ...reduced, n: 1 }, w);
  if (method === 'ep') {
    let src: ArrayLike<number> = r.src;
    let ys: ArrayLike<number> = r.y;
    let ms: ArrayLike<number> = r.mean;
    if (r.twoSided) {
      // a group whose constraints leave an interval (repeats with different means and opposite labels) is not
      // one orthant side: EP keeps it as its two points (a singular K)
      const t = r.intervals;
      const sl: number[] = [];
      const yl: number[] = [];
      const ml: number[] = [];
      for (let k = 0; k < t.src.length; k++) {
        const l = t.lo[k] > Number.NEGATIVE_INFINITY;
        const u = t.hi[k] < Number.POSITIVE_INFINITY;
        if (l) {
          sl.push(t.src[k]);
          yl.push(1);
          ml.push(-t.lo[k]);
        }
        if (u) {
          sl.push(t.src[k]);
          yl.push(-1);
          ml.push(-t.hi[k]);
        }
        if (l && u)
          w.add(
            `points ${t.loFrom[k]} and ${t.hiFrom[k]} are one point under K but have different means and opposite labels: EP sees them as two points of a singular K`,
          );
      }
      src = sl;
      ys = yl;
      ms = ml;
    }
    const d = src.length;
    const Kr = withJitter(subMatrix(s.K, n, src), d, opts.jitter, w);
    const anyMean = Array.prototype.some.call(ms, (v: number) => v !== 0);
    const e = epOrthant(Kr, d, ys, anyMean ? ms : undefined, opts.ep);
    w.addAll(e.warnings);
    return { ...e, exact: false, reduced: { ...reduced, n: d }, warnings: w.toArray() };
  }
  // the sampling methods take the intervals of g = f − mean directly
  const t = r.intervals;
  const res = rectangleCore(subMatrix(s.K, n, t.src), t.src.length, t.lo, t.hi, { ...opts, method }, w);
  return { ...res, exact: false, reduced: { ...reduced, n: t.src.length }, warnings: w.toArray() };
}

/** One coordinate left: P = Φ(hi/σ) − Φ(lo/σ) in closed form, whatever the method. */
function oneDimensional(
  s: CovarianceStructure,
  t: ReducedIntervals,
  method: OrthantMethod,
  reduced: OrthantResult['reduced'],
  w: Warnings,
): OrthantResult {
  const k = t.src[0];
  const sd = Math.sqrt(s.K[k * s.n + k]);
  return {
    logP: logDiffNormCdf(t.lo[0] / sd, t.hi[0] / sd),
    stderr: 0,
    method,
    exact: true,
    reduced,
    warnings: w.toArray(),
  };
}

/** P decided by the reduction (0, or 1 when nothing is left), else null. */
function exactResult(
  s: CovarianceStructure,
  r: ReducedIntervals,
  method: OrthantMethod,
  w: Warnings,
  describe: (c: ZeroCause) => string,
): OrthantResult | null {
  const reduced = { n: r.zero ? 0 : r.src.length, zeroVariance: s.zeroVariance, duplicates: s.duplicates };
  if (r.zero) {
    const zeroReason = describe(r.zero);
    return {
      logP: Number.NEGATIVE_INFINITY,
      stderr: 0,
      method,
      exact: true,
      zeroReason,
      reduced,
      warnings: w.toArray(),
    };
  }
  if (r.src.length > 0) return null;
  return { logP: 0, stderr: 0, method, exact: true, reduced, warnings: w.toArray() };
}

/**
 * log P(l ≤ X ≤ u) for X ~ N(0, Σ), Σ d×d row-major symmetric PSD; bounds may
 * be infinite. Methods 'botev', 'genz', 'mc'. Goes through the same exact
 * reduction as {@link orthantLogProb} (a zero-variance coordinate counts when
 * l ≤ 0 ≤ u; repeated coordinates intersect their bounds).
 */
export function rectangleLogProb(
  Sigma: Float64Array,
  d: number,
  l: ArrayLike<number>,
  u: ArrayLike<number>,
  opts: Omit<OrthantOptions, 'method' | 'mean' | 'ep'> & { method: Exclude<OrthantMethod, 'ep'> },
): OrthantResult {
  checkMatrix('rectangleLogProb', Sigma, d);
  if (l.length !== d || u.length !== d) throw new FsbayesError(`rectangleLogProb: bounds must have ${d} entries`);
  for (let i = 0; i < d; i++)
    if (Number.isNaN(l[i]) || Number.isNaN(u[i])) throw new FsbayesError(`rectangleLogProb: bound ${i} is NaN`);
  const method = opts.method;
  if (method !== 'botev' && method !== 'genz' && method !== 'mc')
    throw new FsbayesError(`rectangleLogProb: unknown method '${String(method)}'`);
  const s = analyseCovariance(Sigma, d, { name: 'Σ', ...opts.check });
  const w = new Warnings().addAll(s.warnings);
  for (let i = 0; i < d; i++) {
    if (!(l[i] < u[i])) {
      const zeroReason = `bound ${i} is empty: l = ${l[i]} ≥ u = ${u[i]}`;
      return {
        logP: Number.NEGATIVE_INFINITY,
        stderr: 0,
        method,
        exact: true,
        zeroReason,
        reduced: { n: 0, zeroVariance: s.zeroVariance, duplicates: s.duplicates },
        warnings: w.toArray(),
      };
    }
  }
  const r = reduceIntervals(s, l, u, (i) => l[i] <= 0 && u[i] >= 0);
  const decided = exactResult(s, r, method, w, (c) =>
    c.kind === 'zero-variance'
      ? `coordinate ${c.i} has zero variance, so X = 0 there, outside [${l[c.i]}, ${u[c.i]}]`
      : c.kind === 'conflict'
        ? `coordinates ${c.i} and ${c.j} are one variable under Σ (correlation ±1) and their bounds [${l[c.i]}, ${u[c.i]}] and [${l[c.j]}, ${u[c.j]}] do not overlap`
        : `coordinate ${c.i} and its repeats leave an empty interval`,
  );
  if (decided) return decided;
  if (r.src.length === 1)
    return oneDimensional(s, r, method, { n: 1, zeroVariance: s.zeroVariance, duplicates: s.duplicates }, w);
  const res = rectangleCore(subMatrix(Sigma, d, r.src), r.src.length, r.lo, r.hi, opts, w);
  return {
    ...res,
    exact: false,
    reduced: { n: r.src.length, zeroVariance: s.zeroVariance, duplicates: s.duplicates },
    warnings: w.toArray(),
  };
}

type CoreResult = Omit<OrthantResult, 'exact' | 'reduced' | 'warnings'>;

/** One of the sampling methods on a reduced rectangle problem (d ≥ 1); warnings go to `w`. */
function rectangleCore(
  Sigma: Float64Array,
  d: number,
  l: ArrayLike<number>,
  u: ArrayLike<number>,
  opts: Omit<OrthantOptions, 'method' | 'mean' | 'ep'> & { method: Exclude<OrthantMethod, 'ep'> },
  w: Warnings,
): CoreResult {
  const method = opts.method;
  const r = reorderCholesky(prepare(Sigma, d, opts.jitter, w), d, l, u);
  const extra = r.clamped > 0 ? { clamped: r.clamped } : {};
  if (r.clamped > 0)
    w.add(
      `${r.clamped} pivot${r.clamped === 1 ? '' : 's'} of the Cholesky factor had a conditional variance at rounding level and ${r.clamped === 1 ? 'was' : 'were'} clamped (K singular or nearly so): ${method}'s estimate is less reliable`,
    );
  const rng = new Rng(opts.seed ?? 0, 'orthant', method);
  switch (method) {
    case 'botev': {
      const b = botevRectangle(r, rng, { samples: opts.samples, tol: opts.tol, maxIter: opts.maxIter });
      if (!b.solution.converged)
        w.add(
          `Botev's tilting solve did not converge in ${b.solution.iterations} Newton iterations: the estimate is unbiased but its error may be large, and there is no upper bound`,
        );
      return {
        logP: b.logP,
        stderr: b.stderr,
        method,
        ...(b.solution.converged ? { upperBound: b.upperBound } : {}),
        samples: b.samples,
        converged: b.solution.converged,
        iterations: b.solution.iterations,
        maxLogWeight: b.maxLogWeight,
        ...extra,
      };
    }
    case 'genz': {
      const g = genzRectangle(r, rng, { samples: opts.samples, shifts: opts.shifts });
      if (g.logP < GENZ_RELIABLE_LOGP)
        w.add(
          `Genz is below its reliable range: log P = ${g.logP.toFixed(3)} < ln 1e−5, where (measured against Botev on NNGP kernels, d = 30–128) its estimate is off by 0.1–0.8 nats down to P ≈ 1e−11 and by up to 12 nats below, by 2–6 times its stated standard error; use botev`,
        );
      else if (g.stderr > 0.5)
        w.add(
          `Genz's error estimate ${g.stderr.toFixed(3)} means one lattice shift dominated: the estimate is meaningless; use botev or more samples`,
        );
      return {
        logP: g.logP,
        stderr: g.stderr,
        method,
        samples: g.samples,
        shifts: g.shifts,
        points: g.points,
        ...extra,
      };
    }
    case 'mc': {
      const m = mcRectangle(r, rng, { samples: opts.samples });
      if (m.hits === 0)
        w.add(
          `Monte Carlo saw no hits in ${m.samples} draws: log P is only known to be below ${(m.logUpper95 as number).toFixed(3)} (95%); use botev`,
        );
      else if (m.hits < 10)
        w.add(`Monte Carlo saw only ${m.hits} hits in ${m.samples} draws: the estimate is rough; use botev`);
      return {
        logP: m.logP,
        stderr: m.stderr,
        method,
        samples: m.samples,
        hits: m.hits,
        ...(m.logUpper95 !== undefined ? { logUpper95: m.logUpper95 } : {}),
        logInterval95: m.logInterval95,
        ...extra,
      };
    }
    default:
      throw new FsbayesError(`rectangleLogProb: unknown method '${String(method)}'`);
  }
}

/**
 * Below P = 1e−5 Genz's estimate and its error estimate fail silently. Measured (scratch runs,
 * default 20 000 points in 10 shifts) against Botev with 3·10⁴–10⁵ samples on sub-kernels of
 * the Boolean ReLU NNGP (σ_w = σ_b = 1), constant, '0011…' and random labels and '0011…' with
 * 1–8 flips: every case with log P ≥ −11.7 (d = 10–128) was within 0.07 nats and 3.3 stated
 * standard errors; at log P = −12.3 (d = 90) it was 0.34 nats low (3.6 se), at −13.5 … −16.7
 * (d = 30–90) off by 0.002–0.40, at −24 … −26 by 0.05–0.84 (to 4.9 se), and below −30 by
 * 0.4–12 nats (to 17 se; 2·10⁵ points: still 0.9–7.6). See genz.ts.
 */
const GENZ_RELIABLE_LOGP = Math.log(1e-5);

function checkMatrix(name: string, A: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new FsbayesError(`${name}: n must be a non-negative integer, got ${n}`);
  if (A.length !== n * n) throw new FsbayesError(`${name}: matrix has ${A.length} entries, expected ${n}×${n}`);
}

/** (A + Aᵀ)/2 plus the relative jitter (recorded in `w`), after checking that every entry is finite. */
function prepare(A: Float64Array, n: number, jitter: number | undefined, w: Warnings): Float64Array {
  const B = withJitter(A, n, jitter, w);
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (B[i * n + j] + B[j * n + i]);
      if (!Number.isFinite(v)) throw new FsbayesError(`orthant: covariance entry (${i}, ${j}) is not finite`);
      S[i * n + j] = v;
      S[j * n + i] = v;
    }
  }
  return S;
}

function withJitter(A: Float64Array, n: number, jitter: number | undefined, w: Warnings): Float64Array {
  if (jitter === undefined || jitter === 0) return A;
  if (!(jitter > 0) || !Number.isFinite(jitter)) throw new FsbayesError(`orthant: jitter must be a finite number ≥ 0`);
  let md = 0;
  for (let i = 0; i < n; i++) md += A[i * n + i];
  md /= n;
  const B = A.slice();
  for (let i = 0; i < n; i++) B[i * n + i] += jitter * md;
  w.add(
    `jitter ${(jitter * md).toExponential(3)} (${jitter} × mean variance) was added to K's diagonal: log P is that of K + jitter·I`,
  );
  return B;
}
