/**
 * The exact pre-reduction of orthant problems (`reduce.ts`), through every
 * estimator, against independent answers:
 * - d ≤ 3 closed forms: P(f₁ > 0, f₂ > 0) = ¼ + asin ρ/(2π) (ρ → ±1 gives ½ or 0:
 *   the exact answers a repeated or mirrored point must get), and the trivariate
 *   ⅛ + Σ asin ρᵢⱼ/(4π), which repeated points must not change;
 * - zero-variance points: f equals its mean, so the answer is 1 or 0 by
 *   definition (label +1 ⇔ f > 0, as the nets read functions off);
 * - a non-PSD, non-symmetric or non-finite K is refused with the entry named;
 * - near-repeats beyond the tolerance are left to the estimators, which then
 *   match the bivariate formula;
 * - issue 16 bug 1: the step NNGP with σ_b = 0 on {0,1}⁷ (the threaded wasm path
 *   and the reference loop), and EP with the all-zero input in S.
 */
import { Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { logMarginalLikelihood } from '../src/ep/index.js';
import { kernelMatrix } from '../src/kernels/index.js';
import { analyseCovariance, type OrthantResult, orthantLogProb, rectangleLogProb } from '../src/orthant/index.js';
import { logPosteriorProbabilities } from '../src/pb/index.js';

const METHODS = ['ep', 'botev', 'genz', 'mc'] as const;
const bivariate = (rho: number) => Math.log(0.25 + Math.asin(rho) / (2 * Math.PI));
const trivariate = (r12: number, r13: number, r23: number) =>
  Math.log(0.125 + (Math.asin(r12) + Math.asin(r13) + Math.asin(r23)) / (4 * Math.PI));

/** K[idx, idx] of a base matrix: points repeated. */
function repeated(base: number[][], idx: number[]): Float64Array {
  const n = idx.length;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = base[idx[i]][idx[j]];
  return K;
}

/** |logP − exact| within the method's stated error (EP: its own approximation error bound given). */
function expectNear(r: OrthantResult, exact: number, epTol: number): void {
  const tol = r.method === 'ep' ? epTol : (r.method === 'genz' ? 6 : 4) * (r.stderr ?? 0) + 1e-9;
  expect(Math.abs(r.logP - exact), `${r.method}: ${r.logP} vs ${exact}`).toBeLessThanOrEqual(tol);
}

describe('exact answers of degenerate kernels (issue 10 §2)', () => {
  it('correlation ±1: ½ or 0 exactly, the limits of ¼ + asin ρ/(2π), by every method', () => {
    for (const [c, y, exact] of [
      [1, [1, 1], bivariate(1)],
      [1, [1, -1], bivariate(-1)],
      [-1, [1, -1], bivariate(1)],
      [-1, [1, 1], bivariate(-1)],
    ] as const) {
      for (const method of METHODS) {
        const r = orthantLogProb(Float64Array.of(2, 2 * c, 2 * c, 2), 2, y, { method });
        expect(r.logP, `${method} ρ = ${c} y = ${y}`).toBe(exact === Number.NEGATIVE_INFINITY ? exact : Math.log(0.5));
        expect(r.reduced.duplicates).toBe(1);
        if (exact === Number.NEGATIVE_INFINITY) {
          expect(r.exact).toBe(true);
          expect(r.zeroReason).toMatch(/cannot both hold/);
        }
      }
    }
  });

  it('the all-ones 3×3 kernel with labels (+, −, +) has P = 0 exactly; with (+, +, +) it is ½', () => {
    const ones = new Float64Array(9).fill(1);
    for (const method of METHODS) {
      const r = orthantLogProb(ones, 3, [1, -1, 1], { method });
      expect(r.logP).toBe(Number.NEGATIVE_INFINITY);
      expect(r.exact).toBe(true);
      expect(r.zeroReason).toMatch(/points 0 and 1 are one point under K/);
      expect(r.warnings.join(' ')).toMatch(/degenerate: all 3 points are one point/);
      expect(orthantLogProb(ones, 3, [1, 1, 1], { method }).logP).toBe(Math.log(0.5));
    }
    const m = logMarginalLikelihood(ones, 3, [1, -1, 1]);
    expect(m.logPS).toBe(Number.NEGATIVE_INFINITY);
    expect(m.exact).toBe(true);
  });

  it('zero variance: f is its mean, so P is 1 or 0 (label +1 ⇔ f > 0; f = 0 has label −1)', () => {
    const Z = new Float64Array(16);
    for (const method of METHODS) {
      expect(orthantLogProb(Z, 4, [-1, -1, -1, -1], { method }).logP).toBe(0);
      const r = orthantLogProb(Z, 4, [-1, 1, -1, -1], { method });
      expect(r.logP).toBe(Number.NEGATIVE_INFINITY);
      expect(r.zeroReason).toMatch(/point 1 has zero variance.*f = 0 there/);
      // with a mean: f = m exactly
      expect(orthantLogProb(Z, 4, [1, -1, -1, 1], { method, mean: [0.5, -0.5, 0, 2] }).logP).toBe(0);
      expect(orthantLogProb(Z, 4, [1, -1, 1, 1], { method, mean: [0.5, -0.5, 0, 2] }).logP).toBe(
        Number.NEGATIVE_INFINITY,
      );
    }
    // a zero-variance point next to live ones: exactly the live points' probability (bivariate formula)
    const K = Float64Array.of(0, 0, 0, 0, 1, 0.3, 0, 0.3, 1);
    for (const method of METHODS) {
      const r = orthantLogProb(K, 3, [-1, 1, 1], { method, samples: 200_000 });
      expect(r.reduced).toEqual({ n: 2, zeroVariance: 1, duplicates: 0 });
      expectNear(r, bivariate(0.3), 0.02);
      expect(orthantLogProb(K, 3, [1, 1, 1], { method }).logP).toBe(Number.NEGATIVE_INFINITY);
    }
  });

  it('repeated points change nothing: a trivariate orthant with each point repeated 20 times equals ⅛ + Σ asin ρ/(4π)', () => {
    const base = [
      [1, 0.5, 0.3],
      [0.5, 1, -0.2],
      [0.3, -0.2, 1],
    ];
    const idx = Array.from({ length: 60 }, (_, i) => i % 3);
    const K = repeated(base, idx);
    const exact = trivariate(0.5, 0.3, -0.2);
    for (const method of METHODS) {
      const r = orthantLogProb(K, 60, Array(60).fill(1), { method, samples: 200_000, seed: 1 });
      expect(r.reduced).toEqual({ n: 3, zeroVariance: 0, duplicates: 57 });
      expect(r.exact).toBe(false);
      expectNear(r, exact, 0.03);
      expect(r.warnings.join(' ')).toMatch(/57 of 60 points repeat other points/);
      // one repeat with the other label: P = 0 exactly
      const y = Array(60).fill(1);
      y[31] = -1;
      const z = orthantLogProb(K, 60, y, { method });
      expect(z.logP).toBe(Number.NEGATIVE_INFINITY);
      expect(z.zeroReason).toMatch(/points 1 and 31 are one point/);
    }
  });

  it('refuses what is not a covariance, naming the entry and the tolerance', () => {
    expect(() => orthantLogProb(Float64Array.of(1, 2, 2, 1), 2, [1, 1], { method: 'ep' })).toThrow(
      /not positive semi-definite.*tolerance 1e-6/,
    );
    expect(() => orthantLogProb(Float64Array.of(1, 0.5, 0.4, 1), 2, [1, 1], { method: 'botev' })).toThrow(
      /not symmetric: K\[1\]\[0\] = 0\.4 but K\[0\]\[1\] = 0\.5/,
    );
    expect(() => orthantLogProb(Float64Array.of(1, 0, 0, Number.NaN), 2, [1, 1], { method: 'genz' })).toThrow(
      /K\[1\]\[1\] = NaN: a covariance must be finite/,
    );
    expect(() => orthantLogProb(Float64Array.of(0, 0.5, 0.5, 1), 2, [1, 1], { method: 'mc' })).toThrow(
      /K\[0\]\[0\] = 0 but K\[0\]\[1\] = 0\.5/,
    );
    expect(() => orthantLogProb(Float64Array.of(-1, 0, 0, 1), 2, [1, 1], { method: 'ep' })).toThrow(
      /negative variance/,
    );
    // repeats whose rows disagree cannot be a covariance
    const bad = repeated(
      [
        [1, 1, 0.5],
        [1, 1, 0.1],
        [0.5, 0.1, 1],
      ],
      [0, 1, 2],
    );
    expect(() => analyseCovariance(bad, 3)).toThrow(/points 0 and 1 are one point under it/);
    expect(() => rectangleLogProb(Float64Array.of(1, 2, 2, 1), 2, [0, 0], [1, 1], { method: 'botev' })).toThrow(
      /Σ is not positive semi-definite/,
    );
  });

  it('rounding-level indefiniteness is accepted as singular, with a warning', () => {
    // a rank-2 kernel of 3 points (x₃ = x₁ + x₂ in feature space), perturbed at rounding level
    const K = Float64Array.of(1, 0, 1, 0, 1, 1, 1, 1, 2 - 1e-13);
    const r = orthantLogProb(K, 3, [1, 1, 1], { method: 'botev', seed: 2 });
    expect(r.warnings.join(' ')).toMatch(/K is singular/);
    // f₃ = f₁ + f₂ > 0 whenever f₁, f₂ > 0: P = P(f₁ > 0, f₂ > 0) = ¼
    expectNear(r, Math.log(0.25), 0);
  });

  it('near-repeats beyond the tolerance are not merged, and Botev matches the bivariate formula there', () => {
    for (const rho of [1 - 1e-6, -(1 - 1e-6)]) {
      const r = orthantLogProb(Float64Array.of(1, rho, rho, 1), 2, [1, -1], { method: 'botev', seed: 3 });
      expect(r.reduced.duplicates).toBe(0);
      expect(r.exact).toBe(false);
      expectNear(r, bivariate(-rho), 0);
    }
    // within the tolerance (relative 1e−10) they are one point
    const r = orthantLogProb(Float64Array.of(1, 1 - 1e-12, 1 - 1e-12, 1), 2, [1, -1], { method: 'botev' });
    expect(r.logP).toBe(Number.NEGATIVE_INFINITY);
  });

  it('P_B: a test point that repeats a training point with the other label has P_B = 0; P(S) = 0 is refused', () => {
    const base = [
      [1, 0.4, 0.2],
      [0.4, 1, 0.5],
      [0.2, 0.5, 1],
    ];
    // S = (0, 1), E = (2, copy of 0)
    const K = repeated(base, [0, 1, 2, 0]);
    const r = logPosteriorProbabilities(K, 2, [1, -1], [Uint8Array.of(1, 1), Uint8Array.of(1, 0)]);
    expect(r.logPB[1]).toBe(Number.NEGATIVE_INFINITY);
    expect(r.exact[1]).toBe(1);
    // the agreeing function: the repeat adds nothing, so P_B is that of point 2 alone
    const alone = logPosteriorProbabilities(repeated(base, [0, 1, 2]), 2, [1, -1], [Uint8Array.of(1)]);
    expect(r.logPB[0]).toBe(alone.logPB[0]);
    expect(() => logPosteriorProbabilities(repeated(base, [0, 0, 2]), 2, [1, -1], [Uint8Array.of(1)])).toThrow(
      /P\(S\) = 0 exactly, so P_B\(f\|S\) is undefined: points 0 and 1 are one point/,
    );
  });

  it('the Boolean system with repeated training points: EP and Botev unchanged by 20 repeats of each point', () => {
    // 20 points of {0,1}⁷, each repeated 20 times (the case: EP gave −39.41 and Botev −50.82 for −30.41)
    // 20 distinct points of {0,1}⁷, in a seeded random order
    const d = 7;
    const order = Array.from({ length: 128 }, (_, i) => i);
    new Rng(5, 'reduction-test').shuffle(order);
    const pts = order.slice(0, 20).map((v) => Array.from({ length: d }, (_, k) => (v >> k) & 1));
    const spec = {
      kind: 'fcn' as const,
      inputDim: d,
      hidden: [40, 40],
      activation: 'relu' as const,
      sigmaW: 1,
      sigmaB: 1,
      bias: true,
    };
    const y = pts.map((p) => (p[0] ^ p[3] ? 1 : -1));
    const X1 = Float64Array.from(pts.flat());
    const X20 = Float64Array.from(Array.from({ length: 400 }, (_, i) => pts[i % 20]).flat());
    const K1 = kernelMatrix(spec, X1, 20);
    const K20 = kernelMatrix(spec, X20, 400); // 160 000 entries: the wasm path
    const y20 = Array.from({ length: 400 }, (_, i) => y[i % 20]);
    const e1 = logMarginalLikelihood(K1, 20, y);
    const e20 = logMarginalLikelihood(K20, 400, y20);
    expect(e20.reduced).toEqual({ n: 20, zeroVariance: 0, duplicates: 380 });
    // K20 comes from the wasm path, K1 from the reference loop (entries equal to ~1e−15)
    expect(e20.logPS).toBeCloseTo(e1.logPS, 9);
    const b1 = orthantLogProb(K1, 20, y, { method: 'botev', seed: 1 });
    const b20 = orthantLogProb(K20, 400, y20, { method: 'botev', seed: 1 });
    expect(b20.logP).toBeCloseTo(b1.logP, 8);
    // and EP is near Botev (its usual bias on correlated kernels), not 9 or 20 nats off
    expect(Math.abs(e20.logPS - b20.logP)).toBeLessThan(0.6);
  });
});

describe('issue 16 bug 1: the step NNGP at the all-zero input (σ_b = 0)', () => {
  const d = 7;
  const X = Float64Array.from({ length: 128 * d }, (_, q) => (Math.floor(q / d) >> (d - 1 - (q % d))) & 1);
  const spec = (hidden: number[]) => ({
    kind: 'fcn' as const,
    inputDim: d,
    hidden,
    activation: 'step' as const,
    sigmaW: 1.41,
    sigmaB: 0,
    bias: false,
  });

  it('K(0, ·) = 0 on the threaded wasm path (16 384 entries) as on the reference loop, at depth 1 and 3', () => {
    for (const hidden of [[40], [40, 40, 40]]) {
      const fast = kernelMatrix(spec(hidden), X, 128);
      const ref = kernelMatrix(spec(hidden), X, 128, undefined, undefined, { impl: 'reference' });
      for (let j = 0; j < 128; j++) {
        expect(fast[j]).toBe(0);
        expect(fast[j * 128]).toBe(0);
        expect(ref[j]).toBe(0);
      }
      let worst = 0;
      for (let q = 0; q < fast.length; q++) worst = Math.max(worst, Math.abs(fast[q] - ref[q]));
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it('EP: the zero input with label 0 adds nothing (probability 1), with label 1 makes P(S) = 0', () => {
    const K = kernelMatrix(spec([40, 40]), X, 128);
    const S = [0, 5, 17, 33, 64, 90, 101, 127];
    const rest = S.slice(1);
    const sub = (idx: number[]) => {
      const R = new Float64Array(idx.length * idx.length);
      idx.forEach((a, i) => {
        idx.forEach((b, j) => {
          R[i * idx.length + j] = K[a * 128 + b];
        });
      });
      return R;
    };
    const yRest = rest.map((i) => ((i * 37) % 3 === 0 ? 1 : -1));
    const without = logMarginalLikelihood(sub(rest), rest.length, yRest);
    const withZero = logMarginalLikelihood(sub(S), S.length, [-1, ...yRest]);
    // before the fix EP charged log ½ for it (issue: −6.807 against −6.114)
    expect(withZero.logPS).toBe(without.logPS);
    expect(withZero.reduced.zeroVariance).toBe(1);
    expect(logMarginalLikelihood(sub(S), S.length, [1, ...yRest]).logPS).toBe(Number.NEGATIVE_INFINITY);
  });
});
