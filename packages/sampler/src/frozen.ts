/**
 * The frozen-feature sampler: hidden layers drawn once (or K times,
 * independently) from the prior, then only the readout layer sampled from
 * its prior conditioned on fitting S.
 *
 * For fixed features Φ (the last hidden layer), the readout pre-activation
 * on input i is Φ_i·w + b with w ~ N(0, σ_w²/W I), b ~ N(0, σ_b²). Whitened,
 * (w, b) = A u with u ~ N(0, I_{W+1}) and a_i = [Φ_i σ_w/√W, σ_b], and
 * fitting S is the cone {u : s_i a_i·u > 0, i ∈ S} (s_i = ±1 the labels): a
 * truncated Gaussian. It is sampled exactly: by rejection (a probe of
 * `probe` proposals, which also estimates P(S|Φ)), continued while the
 * acceptance rate is at least `minRejectionRate`, else by exact HMC
 * (Pakman & Paninski 2014), started from a rejection-accepted point
 * (already a draw of the target, so no burn-in) or from a perceptron point
 * (then `burnIn` trajectories are discarded).
 *
 * Feature draw k is net k of the seed's canonical stream (its hidden
 * layers); the readout draws of draw k come from `new Rng(seed, 'frozen', k)`.
 * The samples are split evenly over the K draws, so the table is the
 * *uniform* average over random hidden layers of P(f | S, Φ). Sampling the
 * whole net instead weights draw Φ by P(S|Φ); the per-draw P(S|Φ) estimates
 * are reported so the two can be compared or reweighted.
 *
 * Draws are independent, so a run can be split over draw ranges
 * (`firstDraw`, `drawCount`: shards that merge into the whole) and stopped
 * or checkpointed between draws (`state.nextDraw`).
 */
import {
  type ArchSpec,
  FsbayesError,
  FunctionTable,
  featureWidth,
  hiddenFeatures,
  type Provenance,
  priorParams,
  Rng,
  type Seed,
  wordsFor,
} from '@fsbayes/core';
import { rateEstimate } from './interval.js';
import type { PointSet } from './points.js';
import { coneInteriorPoint, ExactHmc, effectiveSampleSize, firstViolation, type TruncatedGaussian } from './tmvn.js';

/** Options of {@link frozenSample}. */
export interface FrozenOptions {
  spec: ArchSpec;
  train: PointSet;
  test: PointSet;
  seed: Seed;
  /** Independent hidden-layer draws K (default 1). */
  features?: number;
  /** Readout samples in all (split evenly over the K draws). */
  samples: number;
  /** Rejection proposals per draw before deciding rejection vs HMC (default 100,000). */
  probe?: number;
  /** Keep rejecting while the probe's acceptance rate is at least this (default 0.01). */
  minRejectionRate?: number;
  /** HMC trajectories discarded when starting from a perceptron point (default 50). */
  burnIn?: number;
  provenance?: Provenance | null;
  onProgress?: (samplesDone: number) => void;
  /** Run only draws [firstDraw, firstDraw + drawCount) of the K (a shard); default all. */
  firstDraw?: number;
  drawCount?: number;
  /** Continue from a checkpoint (its state and table). */
  resume?: { state: FrozenState; table: FunctionTable };
  /** Called after a draw when `checkpointEveryMs` have passed since the last call. */
  checkpointEveryMs?: number;
  onCheckpoint?: (state: FrozenState, table: FunctionTable) => void;
  /** Stop after the draw during which this many ms of this call have passed. */
  timeLimitMs?: number;
  /** Polled after each draw; true stops the run. */
  shouldStop?: () => boolean;
}

/** Where a frozen-feature run stands: enough to continue it exactly (with the table so far). */
export interface FrozenState {
  /** Next hidden-layer draw to sample. */
  nextDraw: number;
  /** Diagnostics of the draws done. */
  draws: FeatureDiagnostics[];
  /** Probe acceptances and proposals so far. */
  accepted: number;
  proposals: number;
}

/** What happened for one hidden-layer draw. */
export interface FeatureDiagnostics {
  /** Feature draw index (net index of the stream). */
  draw: number;
  samples: number;
  /** P(S | Φ) by the rejection probe, with its Wilson interval. */
  probe: number;
  probeAccepted: number;
  pS: number;
  pSInterval: [number, number];
  method: 'rejection' | 'hmc' | 'rejection+hmc' | 'infeasible';
  rejectionSamples: number;
  hmcSamples: number;
  /** Wall reflections per HMC trajectory. */
  bouncesPerSample: number;
  /** Lag-1 autocorrelation and effective sample size of the first readout coordinate along the HMC chain. */
  lag1: number;
  ess: number;
}

/**
 * What {@link frozenSample} returns: the table of readout functions on E, per-draw diagnostics and the pooled estimate
 * of P(S).
 */
export interface FrozenResult {
  table: FunctionTable;
  draws: FeatureDiagnostics[];
  /** Pooled probe acceptance over the draws (equal probes per draw): the frozen-feature estimate of P(S). */
  accepted: number;
  proposals: number;
  /** Continue from here (`resume`) when `stopped` is 'time' or 'signal'. */
  state: FrozenState;
  stopped: 'done' | 'time' | 'signal';
}

/** Readout samples of draw k when `samples` are split evenly over K draws (the first samples mod K get one more). */
export function samplesOfDraw(samples: number, K: number, k: number): number {
  return Math.floor(samples / K) + (k < samples % K ? 1 : 0);
}

/**
 * The frozen-feature (last-layer) sampler: for each of K hidden-layer draws, the readout weights conditioned on
 * fitting S (rejection proposals, then exact HMC of the truncated Gaussian when few fit), and the functions they give
 * on E.
 */
export async function frozenSample(o: FrozenOptions): Promise<FrozenResult> {
  const K = o.features ?? 1;
  if (!Number.isSafeInteger(K) || K < 1) throw new FsbayesError(`features must be a positive integer, got ${K}`);
  if (!Number.isSafeInteger(o.samples) || o.samples < 0)
    throw new FsbayesError(`samples must be a non-negative integer, got ${o.samples}`);
  if (!o.train.labels || o.train.m === 0)
    throw new FsbayesError('the frozen-feature sampler needs a non-empty S with labels');
  const probe = o.probe ?? 100_000;
  const minRate = o.minRejectionRate ?? 0.01;
  const first = o.firstDraw ?? 0;
  const count = o.drawCount ?? K - first;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0 || first + count > K)
    throw new FsbayesError(`draws [${first}, ${first + count}) are not within the ${K} draws`);
  const end = first + count;
  const t0 = performance.now();
  const table = o.resume?.table ?? new FunctionTable(o.test.m, o.test.labels, o.provenance ?? null);
  if (o.resume && o.provenance !== undefined) table.provenance = o.provenance;
  const state: FrozenState = o.resume
    ? { ...o.resume.state, draws: [...o.resume.state.draws] }
    : { nextDraw: first, draws: [], accepted: 0, proposals: 0 };
  if (state.nextDraw < first || state.nextDraw > end)
    throw new FsbayesError(`resume state (next draw ${state.nextDraw}) is outside draws [${first}, ${end})`);
  let done = 0;
  for (let k = first; k < state.nextDraw; k++) done += samplesOfDraw(o.samples, K, k);
  let lastCheckpoint = performance.now();
  let stopped: FrozenResult['stopped'] = 'done';
  while (state.nextDraw < end) {
    const k = state.nextDraw;
    const want = samplesOfDraw(o.samples, K, k);
    const d = sampleDraw(o, k, want, probe, minRate, o.burnIn ?? 50, table);
    state.draws.push(d);
    state.accepted += d.probeAccepted;
    state.proposals += d.probe;
    state.nextDraw = k + 1;
    done += want;
    o.onProgress?.(done);
    await new Promise((r) => setImmediate(r)); // let a progress bar draw and signals arrive
    if (state.nextDraw >= end) break;
    if (o.timeLimitMs !== undefined && performance.now() - t0 >= o.timeLimitMs) stopped = 'time';
    else if (o.shouldStop?.()) stopped = 'signal';
    if (stopped !== 'done') break;
    if (o.onCheckpoint && performance.now() - lastCheckpoint >= (o.checkpointEveryMs ?? 60_000)) {
      o.onCheckpoint({ ...state, draws: [...state.draws] }, table);
      lastCheckpoint = performance.now();
    }
  }
  return { table, draws: state.draws, accepted: state.accepted, proposals: state.proposals, state, stopped };
}

/** The readout problem of one feature draw: whitened rows for S (signed) and E. */
function readoutProblem(spec: ArchSpec, seed: Seed, k: number, train: PointSet, test: PointSet) {
  if (spec.kind !== 'fcn') throw new FsbayesError('the frozen-feature sampler runs fully connected nets only');
  const params = priorParams(spec, seed, k, 1);
  const W = featureWidth(spec);
  const bias = spec.bias;
  const d = W + (bias ? 1 : 0);
  const ws = spec.sigmaW / Math.sqrt(W);
  const rows = (ps: PointSet, signed: boolean) => {
    const phi = hiddenFeatures(spec, params, ps.inputs, ps.m);
    const A = new Float64Array(ps.m * d);
    for (let i = 0; i < ps.m; i++) {
      const s = signed ? ((ps.labels as Uint8Array)[i] ? 1 : -1) : 1;
      for (let j = 0; j < W; j++) A[i * d + j] = s * ws * phi[i * W + j];
      if (bias) A[i * d + W] = s * spec.sigmaB;
    }
    return A;
  };
  const tg: TruncatedGaussian = { d, F: rows(train, true), g: new Float64Array(train.m) };
  return { tg, AE: rows(test, false), d };
}

function sampleDraw(
  o: FrozenOptions,
  k: number,
  want: number,
  probe: number,
  minRate: number,
  burnIn: number,
  table: FunctionTable,
): FeatureDiagnostics {
  const { tg, AE, d } = readoutProblem(o.spec, o.seed, k, o.train, o.test);
  const rng = new Rng(o.seed, 'frozen', k);
  const mE = o.test.m;
  const fn = new Uint32Array(wordsFor(mE));
  const count = (u: Float64Array) => {
    fn.fill(0);
    for (let i = 0; i < mE; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += AE[i * d + j] * u[j];
      if (s > 0) fn[i >>> 5] |= 1 << (i & 31);
    }
    table.add(fn);
  };
  const u = new Float64Array(d);
  let got = 0;
  let firstAccepted: Float64Array | null = null;
  // Rejection probe: estimates P(S|Φ); its accepted draws are exact samples.
  let probeAccepted = 0;
  for (let t = 0; t < probe; t++) {
    rng.fillNormal(u);
    if (firstViolation(tg, u) < 0) {
      probeAccepted++;
      firstAccepted ??= u.slice();
      if (got < want) {
        count(u);
        got++;
      }
    }
  }
  const est = rateEstimate(probeAccepted, probe);
  let rejectionSamples = got;
  if (got < want && est.rate >= minRate) {
    while (got < want) {
      rng.fillNormal(u);
      if (firstViolation(tg, u) < 0) {
        count(u);
        got++;
      }
    }
    rejectionSamples = got;
  }
  let hmcSamples = 0;
  let bounces = 0;
  let chainStats = { ess: Number.NaN, lag1: Number.NaN };
  let infeasible = false;
  if (got < want) {
    let start = firstAccepted;
    let burn = 0;
    if (!start) {
      start = coneInteriorPoint(tg.F, tg.g.length, d);
      burn = burnIn;
    }
    if (!start) {
      infeasible = true;
    } else {
      const hmc = new ExactHmc(tg, start, rng);
      for (let b = 0; b < burn; b++) hmc.step();
      const trace: number[] = [];
      const b0 = hmc.bounces;
      while (got < want) {
        const x = hmc.step();
        trace.push(x[0]);
        count(x);
        got++;
        hmcSamples++;
      }
      bounces = (hmc.bounces - b0) / Math.max(1, hmcSamples);
      chainStats = effectiveSampleSize(trace);
    }
  }
  const method: FeatureDiagnostics['method'] = infeasible
    ? 'infeasible'
    : hmcSamples === 0
      ? 'rejection'
      : rejectionSamples === 0
        ? 'hmc'
        : 'rejection+hmc';
  return {
    draw: k,
    samples: got,
    probe,
    probeAccepted,
    pS: est.rate,
    pSInterval: est.interval,
    method,
    rejectionSamples,
    hmcSamples,
    bouncesPerSample: bounces,
    lag1: chainStats.lag1,
    ess: chainStats.ess,
  };
}
