/**
 * The frozen-feature sampler: features against the reference forward pass,
 * exact HMC against analytic truncated Gaussians and rejection, P(S|Φ)
 * against Genz QMC of the readout's Gaussian (nngp).
 */
import {
  forwardReference,
  hiddenFeatures,
  normCdf,
  normPdf,
  paramLayout,
  parseArch,
  priorParams,
  Rng,
} from '@fsbayes/core';
import { orthantLogProb } from '@fsbayes/nngp';
import { describe, expect, it } from 'vitest';
import { frozenSample } from '../src/index.js';
import {
  coneInteriorPoint,
  ExactHmc,
  effectiveSampleSize,
  firstViolation,
  type TruncatedGaussian,
} from '../src/tmvn.js';
import { booleanSplit, points } from './helpers.js';

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('hiddenFeatures', () => {
  it('readout Φ·w + b equals the reference forward pass', () => {
    const spec = parseArch('fcn:6,5', { inputShape: [3], sigmaW: 1.3, sigmaB: 0.7, activation: 'erf' });
    const P = paramLayout(spec).size;
    const theta = priorParams(spec, 3, 17, 1);
    const X = new Float64Array(4 * 3).map((_, i) => Math.sin(i + 1));
    const phi = hiddenFeatures(spec, theta, X, 4);
    const want = forwardReference(spec, theta, 1, X, 4);
    // readout weights are the last 5 + 1 parameters (W [1 × 5] then b)
    for (let i = 0; i < 4; i++) {
      let s = theta[P - 1];
      for (let j = 0; j < 5; j++) s += theta[P - 6 + j] * phi[i * 5 + j];
      expect(s).toBeCloseTo(want[i], 12);
    }
  });
});

describe('exact HMC for truncated Gaussians', () => {
  it('1-D N(0,1) given x > 1: mean φ(1)/(1 − Φ(1)), variance 1 + λ − λ²', () => {
    const tg: TruncatedGaussian = { d: 1, F: new Float64Array([1]), g: new Float64Array([-1]) };
    const hmc = new ExactHmc(tg, new Float64Array([1.5]), new Rng(1, 'test'));
    const xs: number[] = [];
    for (let t = 0; t < 20_000; t++) xs.push(hmc.step()[0]);
    const lambda = normPdf(1) / (1 - normCdf(1));
    const m = mean(xs);
    const v = mean(xs.map((x) => (x - m) ** 2));
    const { ess } = effectiveSampleSize(xs);
    expect(Math.min(...xs)).toBeGreaterThan(1);
    expect(Math.abs(m - lambda)).toBeLessThan((5 * Math.sqrt(1 + lambda - lambda ** 2)) / Math.sqrt(ess));
    expect(v).toBeCloseTo(1 + lambda - lambda ** 2, 1);
    expect(hmc.bounces).toBeGreaterThan(0);
  });

  it('2-D wedge 0 < angle < π/4: the angle is uniform and E r² = 2 (rotational symmetry)', () => {
    // x2 > 0 and x1 − x2 > 0
    const tg: TruncatedGaussian = { d: 2, F: new Float64Array([0, 1, 1, -1]), g: new Float64Array(2) };
    const start = coneInteriorPoint(tg.F, 2, 2) as Float64Array;
    expect(firstViolation(tg, start)).toBe(-1);
    const hmc = new ExactHmc(tg, start, new Rng(2, 'test'));
    for (let t = 0; t < 50; t++) hmc.step();
    const angles: number[] = [];
    const r2: number[] = [];
    for (let t = 0; t < 20_000; t++) {
      const x = hmc.step();
      angles.push(Math.atan2(x[1], x[0]));
      r2.push(x[0] ** 2 + x[1] ** 2);
    }
    expect(Math.min(...angles)).toBeGreaterThan(0);
    expect(Math.max(...angles)).toBeLessThan(Math.PI / 4);
    // uniform on (0, π/4): mean π/8, sd π/(4√12); E r² = 2 with sd 2
    const essA = effectiveSampleSize(angles).ess;
    expect(Math.abs(mean(angles) - Math.PI / 8)).toBeLessThan((5 * Math.PI) / (4 * Math.sqrt(12)) / Math.sqrt(essA));
    expect(Math.abs(mean(r2) - 2)).toBeLessThan((5 * 2) / Math.sqrt(effectiveSampleSize(r2).ess));
    const below = angles.filter((a) => a < Math.PI / 8).length / angles.length;
    expect(Math.abs(below - 0.5)).toBeLessThan((5 * 0.5) / Math.sqrt(essA));
  });

  it('5-D cone of 3 random walls: coordinate means agree with rejection sampling', () => {
    const rng = new Rng(3, 'walls');
    const d = 5;
    const tg: TruncatedGaussian = {
      d,
      F: rng.fillNormal(new Float64Array(3 * d)) as Float64Array,
      g: new Float64Array(3),
    };
    const rej: Float64Array[] = [];
    const u = new Float64Array(d);
    while (rej.length < 10_000) {
      rng.fillNormal(u);
      if (firstViolation(tg, u) < 0) rej.push(u.slice());
    }
    const hmc = new ExactHmc(tg, rej[0], new Rng(4, 'hmc'));
    const chain: Float64Array[] = [];
    for (let t = 0; t < 10_000; t++) chain.push(hmc.step().slice());
    for (let k = 0; k < d; k++) {
      const a = chain.map((x) => x[k]);
      const b = rej.map((x) => x[k]);
      const sd = Math.sqrt(mean(b.map((x) => (x - mean(b)) ** 2)));
      const se = Math.hypot(sd / Math.sqrt(effectiveSampleSize(a).ess), sd / Math.sqrt(b.length));
      expect(Math.abs(mean(a) - mean(b))).toBeLessThan(5 * se);
    }
  });
});

describe('frozenSample', () => {
  const split = booleanSplit(4, [0, 3, 6, 9, 12]);
  const spec = parseArch('fcn:8', { inputShape: [4], sigmaW: 1, sigmaB: 1 });
  const train = points(split.train);
  const test = points(split.test);

  it('P(S|Φ) of the probe agrees with Genz QMC of the readout Gaussian N(0, A Aᵀ)', async () => {
    const r = await frozenSample({ spec, train, test, seed: 4, samples: 100, probe: 100_000 });
    const d = r.draws[0];
    expect(d.method).toBe('rejection');
    // Independent: the readout's covariance from the features, K = σ_w²/W ΦΦᵀ + σ_b².
    const phi = hiddenFeatures(spec, priorParams(spec, 4, 0, 1), train.inputs, train.m);
    const m = train.m;
    const K = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < 8; k++) s += phi[i * 8 + k] * phi[j * 8 + k];
        K[i * m + j] = s / 8 + 1;
      }
    const y = Array.from(train.labels as Uint8Array, (b) => (b ? 1 : -1));
    const p = Math.exp(orthantLogProb(K, m, y, { method: 'genz', samples: 200_000, seed: 1, jitter: 1e-12 }).logP);
    const z = (d.pS - p) / Math.sqrt((p * (1 - p)) / d.probe);
    expect(Math.abs(z)).toBeLessThan(4);
    expect(r.table.total).toBe(100);
  });

  it('HMC and rejection give the same distribution of functions on E', async () => {
    const n = 20_000;
    const byRej = await frozenSample({ spec, train, test, seed: 6, samples: n, probe: 1000, minRejectionRate: 0 });
    const byHmc = await frozenSample({ spec, train, test, seed: 6, samples: n, probe: 0 });
    expect(byRej.draws[0].method).toBe('rejection');
    expect(byHmc.draws[0].method).toBe('hmc');
    expect(byHmc.draws[0].bouncesPerSample).toBeGreaterThan(0);
    // total variation between the two tables (same hidden layer: draw 0 of seed 6)
    const keys = new Set([...byRej.table.entries(), ...byHmc.table.entries()].map((e) => e.key));
    let tv = 0;
    for (const k of keys) tv += Math.abs(byRej.table.count(k) - byHmc.table.count(k)) / n;
    tv /= 2;
    // Two independent samples of size n differ in TV by about Σ_f sqrt(p_f/(π n)) ≈ 0.56·noise (0.026 here;
    // measured 0.0285); a wrong sampler (e.g. no truncation, or a biased chain) lands far above `noise`.
    const noise = [...keys].reduce((s, k) => s + Math.sqrt((byRej.table.count(k) + 1) / n / n), 0);
    expect(tv).toBeLessThan(noise + 0.005);
  });

  it('a run stopped after a draw and resumed, or split into draw ranges and merged, equals the whole', async () => {
    const base = { spec, train, test, seed: 12, samples: 400, probe: 500, features: 4 };
    const whole = await frozenSample(base);
    let polls = 0;
    const part = await frozenSample({ ...base, shouldStop: () => ++polls >= 1 });
    expect(part.stopped).toBe('signal');
    expect(part.state.nextDraw).toBe(1);
    const rest = await frozenSample({ ...base, resume: { state: part.state, table: part.table } });
    expect(rest.table.toJSON()).toEqual(whole.table.toJSON());
    expect(rest.draws).toEqual(whole.draws);
    const a = await frozenSample({ ...base, firstDraw: 0, drawCount: 3 });
    const b = await frozenSample({ ...base, firstDraw: 3, drawCount: 1 });
    a.table.merge(b.table);
    expect(a.table.toJSON()).toEqual(whole.table.toJSON());
    expect(a.proposals + b.proposals).toBe(whole.proposals);
  });

  it('K feature draws split the samples evenly and report each draw', async () => {
    const r = await frozenSample({ spec, train, test, seed: 8, samples: 301, probe: 2000, features: 3 });
    expect(r.draws.map((d) => d.samples)).toEqual([101, 100, 100]);
    expect(r.table.total).toBe(301);
    expect(r.proposals).toBe(6000);
  });
});
