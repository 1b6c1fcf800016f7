/**
 * P_B(f|S), the GP-regression comparator, the EP posterior sampler and the
 * PAC-Bayes bound, against answers they did not produce: closed-form orthant
 * probabilities, Genz QMC values from scipy 1.17 (hard-coded), an explicit
 * ml-matrix solve, and sampling frequencies.
 */
import { describe, expect, it } from 'vitest';
import { epClassify } from '../src/ep/index.js';
import {
  gpRegressionLogProb,
  logPosteriorProbabilities,
  PAC_BAYES_DELTA,
  pacBayesBound,
  sampleEpPosterior,
} from '../src/pb/index.js';
import { reluNngp } from './helpers.js';

function booleanKernel(idx: number[]): Float64Array {
  const X = new Float64Array(128 * 7);
  for (let i = 0; i < 128; i++) for (let b = 0; b < 7; b++) X[i * 7 + b] = (i >> (6 - b)) & 1;
  const Kall = reluNngp(X, 128, 7, 2, 1, 1);
  const n = idx.length;
  const K = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) K[a * n + b] = Kall[idx[a] * 128 + idx[b]];
  return K;
}

/** S: 32 inputs of {0,1}^7 chosen by new Rng(3, 'test').choose(128, 32); target 0011… (label = bit 1 of the input index). */
const S = [
  0, 6, 7, 9, 18, 19, 21, 30, 36, 41, 43, 45, 46, 47, 48, 56, 61, 67, 68, 71, 72, 74, 75, 80, 83, 87, 90, 101, 104, 111,
  113, 116,
];
const target = (i: number) => (i & 2 ? 1 : 0);
const yS = S.map((i) => (target(i) ? 1 : -1));
const allBits3 = Array.from({ length: 8 }, (_, f) => Uint8Array.from([f & 1, (f >> 1) & 1, (f >> 2) & 1]));

describe('PAC-Bayes bound', () => {
  it('the worked example: m = 10⁴, −ln P(S) = 1000, δ = 2⁻¹⁰', () => {
    const b = pacBayesBound(-1000, 10_000);
    // B = (1000 + 2 ln 10⁴ + 1 + 10 ln 2)/10⁴, ε = 1 − e^{−B} (Python float arithmetic)
    expect(b.B).toBeCloseTo(0.10263521525495518, 15);
    expect(b.epsilon).toBeCloseTo(0.09754388433108942, 15);
    expect(PAC_BAYES_DELTA).toBe(1 / 1024);
    expect(pacBayesBound(-1000, 10_000, 0.05).B).toBeLessThan(b.B);
    expect(() => pacBayesBound(1, 10)).toThrow(/≤ 0/);
    expect(() => pacBayesBound(-1, 0)).toThrow(/positive integer/);
    expect(() => pacBayesBound(-1, 10, 1)).toThrow(/δ/);
  });
});

describe('P_B(f|S)', () => {
  it('|S| = 2, |E| = 1: P_B against the exact ratio of orthant probabilities (gap < 0.02 nats)', () => {
    // correlations of (f1, f2, f3): 0.5, 0.3, 0.6; labels on S = (+, −)
    const C = [1, 0.5, 0.3, 0.5, 1, 0.6, 0.3, 0.6, 1];
    const sd = [1, 2, 0.5];
    const K = Float64Array.from(C, (c, k) => c * sd[Math.floor(k / 3)] * sd[k % 3]);
    const y = [1, -1];
    const rho = (i: number, j: number, yy: number[]) => yy[i] * yy[j] * C[i * 3 + j];
    const p2 = 0.25 + Math.asin(rho(0, 1, y)) / (2 * Math.PI);
    for (const mode of ['joint', 'conditional'] as const) {
      const r = logPosteriorProbabilities(K, 2, y, [Uint8Array.of(0), Uint8Array.of(1)], { mode });
      let total = 0;
      for (const [k, b] of [0, 1].entries()) {
        const yy = [...y, b ? 1 : -1];
        const p3 =
          0.125 + (Math.asin(rho(0, 1, yy)) + Math.asin(rho(0, 2, yy)) + Math.asin(rho(1, 2, yy))) / (4 * Math.PI);
        expect(Math.abs(r.logPB[k] - Math.log(p3 / p2))).toBeLessThan(0.02);
        total += Math.exp(r.logPB[k]);
      }
      expect(Math.abs(total - 1)).toBeLessThan(0.01);
      expect(Math.abs(r.logPS - Math.log(p2))).toBeLessThan(0.01);
    }
  });

  describe('Boolean system, |S| = 32, E = inputs 1, 2, 3', () => {
    const K = booleanKernel([...S, 1, 2, 3]);
    /** scipy Genz (releps 2e−4, two runs each, averaged) of log P(S ∪ E_f) − log P(S); functions as bits (e₁, e₂, e₃) = (f&1, f>>1&1, f>>2&1). */
    const GENZ = [-4.332, -14.202, -4.0174];

    it('the 8 values of P_B(f|S) sum to 1 within EP error (joint 0.980, conditional 0.99985)', () => {
      const joint = logPosteriorProbabilities(K, 32, yS, allBits3);
      const cond = logPosteriorProbabilities(K, 32, yS, allBits3, { mode: 'conditional' });
      const sum = (v: Float64Array) => v.reduce((a, x) => a + Math.exp(x), 0);
      expect(Math.abs(sum(joint.logPB) - 1)).toBeLessThan(0.03);
      expect(Math.abs(sum(cond.logPB) - 1)).toBeLessThan(1e-3);
      expect(joint.converged && cond.converged).toBe(true);
      // against the exact values: the joint EP (both terms EP) is the closer one here
      for (const [k, g] of GENZ.entries()) {
        expect(Math.abs(joint.logPB[k] - g)).toBeLessThan(0.15);
        expect(Math.abs(joint.logPB[k] - g)).toBeLessThan(Math.abs(cond.logPB[k] - g));
      }
    });

    it('the warm-started joint EP reaches the same fixed point as a cold one', () => {
      const bits = Uint8Array.of(1, 0, 1);
      const r = logPosteriorProbabilities(K, 32, yS, [bits], { ep: { tol: 1e-9 } });
      const cold = epClassify(K, 35, [...yS, 1, -1, 1], { tol: 1e-9 });
      expect(Math.abs(r.logPB[0] - (cold.logZ - r.logPS))).toBeLessThan(1e-7);
    });
  });

  it('a test point that repeats a training point: agreeing adds nothing, contradicting its label is impossible (exactly)', () => {
    const K = booleanKernel([...S.slice(0, 8), S[3], 1]); // E = (copy of S[3], input 1)
    const yS8 = yS.slice(0, 8);
    const agree = yS8[3] > 0 ? 1 : 0;
    const fns = [Uint8Array.of(agree, 0), Uint8Array.of(1 - agree, 0)];
    // the same problem without the repeat: E = (input 1)
    const alone = logPosteriorProbabilities(booleanKernel([...S.slice(0, 8), 1]), 8, yS8, [Uint8Array.of(0)]);
    for (const mode of ['joint', 'conditional'] as const) {
      const r = logPosteriorProbabilities(K, 8, yS8, fns, { mode });
      // agreeing: the repeat is removed exactly, so P_B is that of input 1 alone
      expect(r.logPB[0]).toBe(
        mode === 'joint'
          ? alone.logPB[0]
          : logPosteriorProbabilities(booleanKernel([...S.slice(0, 8), 1]), 8, yS8, [Uint8Array.of(0)], { mode })
              .logPB[0],
      );
      expect(r.logPB[0]).toBeGreaterThan(-0.2);
      // contradicting: P = 0 exactly (before the reduction, EP gave −11.8 joint and −2.9 conditional)
      expect(r.logPB[1]).toBe(Number.NEGATIVE_INFINITY);
      expect(Array.from(r.exact)).toEqual([0, 1]);
      expect(Array.from(r.keptE)).toEqual([1]);
      expect(r.warnings.join('\n')).toMatch(/1 of 2 functions have P_B = 0 exactly/);
    }
    // the GP_EP sampler draws from the same Gaussian marginal: mostly, not always, agreeing (Φ(0.21/0.15) ≈ 0.92)
    const s = sampleEpPosterior(K, 8, yS8, 2000, { seed: 1 });
    const agreeing = s.functions.filter((f) => f[0] === agree).length / 2000;
    expect(agreeing).toBeGreaterThan(0.88);
    expect(agreeing).toBeLessThan(0.96);
  });

  it('rejects functions of the wrong length or with non-bits', () => {
    const K = new Float64Array([1, 0.5, 0.5, 1]);
    expect(() => logPosteriorProbabilities(K, 1, [1], [Uint8Array.of(1, 0)])).toThrow(/bits/);
    expect(() => logPosteriorProbabilities(K, 1, [1], [[2]])).toThrow(/0 or 1/);
  });
});

describe('GP-regression comparator (GP_MSE)', () => {
  const idx = [...S.slice(0, 12), 1, 2, 3];
  const K = booleanKernel(idx);
  const yS12 = yS.slice(0, 12);

  it('posterior mean and covariance on E match an explicit ml-matrix solve', async () => {
    const { Matrix, solve } = await import('ml-matrix');
    const r = gpRegressionLogProb(K, 12, yS12, [], { noise: 0.002 });
    const M = (rows: number[], cols: number[]) =>
      new Matrix(rows.map((i) => cols.map((j) => K[i * 15 + j] + (i === j && i < 12 ? 0.002 : 0))));
    const s = Array.from({ length: 12 }, (_, i) => i);
    const e = [12, 13, 14];
    const A = M(s, s);
    const Kse = M(s, e);
    const mean = Kse.transpose().mmul(solve(A, Matrix.columnVector(yS12)));
    const cov = M(e, e).sub(Kse.transpose().mmul(solve(A, Kse)));
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(r.mean[a] - mean.get(a, 0))).toBeLessThan(1e-9);
      for (let b = 0; b < 3; b++) expect(Math.abs(r.cov[a * 3 + b] - cov.get(a, b))).toBeLessThan(1e-9);
    }
  });

  it('|E| = 1 is exact (log Φ(±μ/σ)); the 2³ sign patterns sum to 1; 0/1 targets threshold at ½', () => {
    const one = booleanKernel([...S.slice(0, 12), 1]);
    for (const targets of ['pm1', '01'] as const) {
      const r = gpRegressionLogProb(one, 12, yS12, [Uint8Array.of(1), Uint8Array.of(0)], { targets });
      const thr = targets === 'pm1' ? 0 : 0.5;
      const z = (r.mean[0] - thr) / Math.sqrt(r.cov[0]);
      // EP is exact for one site; the log Z formula's terms cancel to ~1e−12 relative when the site is strong
      expect(Math.abs(r.logP[0] - Math.log(PhiRef(z)))).toBeLessThan(1e-11 * Math.max(1, Math.abs(r.logP[0])));
      expect(Math.abs(r.logP[1] - Math.log(PhiRef(-z)))).toBeLessThan(1e-11 * Math.max(1, Math.abs(r.logP[1])));
    }
    const r3 = gpRegressionLogProb(K, 12, yS12, allBits3);
    const total = r3.logP.reduce((a, x) => a + Math.exp(x), 0);
    expect(Math.abs(total - 1)).toBeLessThan(5e-3);
  });
});

/** erfc(x) for x ≥ 0, test-local reference: 1 − Taylor series below 1.5, Laplace's continued fraction above. */
function erfcRef(x: number): number {
  if (x < 1.5) {
    let sum = x;
    let term = x;
    for (let k = 1; k < 300; k++) {
      term *= (2 * x * x) / (2 * k + 1);
      sum += term;
      if (Math.abs(term) < 1e-18 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  let f = 0;
  for (let k = 500; k >= 1; k--) f = k / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}
const PhiRef = (z: number) => (z < 0 ? 0.5 * erfcRef(-z / Math.SQRT2) : 1 - 0.5 * erfcRef(z / Math.SQRT2));

describe('EP posterior sampler (GP_EP)', () => {
  const idx = [...S, 1, 2, 3];
  const K = booleanKernel(idx);

  it('is seeded and reproducible; sample frequencies match the predictive it samples from', () => {
    const N = 20_000;
    const a = sampleEpPosterior(K, 32, yS, N, { seed: 4 });
    const b = sampleEpPosterior(K, 32, yS, 50, { seed: 4 });
    const c = sampleEpPosterior(K, 32, yS, 50, { seed: 5 });
    expect(b.functions.map((f) => f.join(''))).toEqual(a.functions.slice(0, 50).map((f) => f.join('')));
    expect(c.functions.map((f) => f.join(''))).not.toEqual(b.functions.map((f) => f.join('')));
    expect(a.jitter).toBe(0);
    // marginals: P(bit e = 1) = Φ(mean_e/√var_e)
    for (let e = 0; e < 3; e++) {
      const p = PhiRef(a.mean[e] / Math.sqrt(a.cov[e * 3 + e]));
      const freq = a.functions.reduce((s, f) => s + f[e], 0) / N;
      expect(Math.abs(freq - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N) + 1e-9);
    }
    // joint patterns: frequencies against the EP orthant probabilities of the same Gaussian (conditional P_B)
    const cond = logPosteriorProbabilities(K, 32, yS, allBits3, { mode: 'conditional' });
    expect(Math.abs(a.logPS - cond.logPS)).toBeLessThan(1e-12);
    for (let f = 0; f < 8; f++) {
      const p = Math.exp(cond.logPB[f]);
      const key = allBits3[f].join('');
      const freq = a.functions.filter((g) => g.join('') === key).length / N;
      expect(Math.abs(freq - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N) + 0.05 * p + 1e-4);
    }
  });
});
