/**
 * Orthant probabilities P(sign f = y), f ~ N(mean, K): every method against
 * independent answers.
 * - d = 1: Φ(μ/σ); d = 2: ¼ + asin ρ/(2π); d = 3: ⅛ + Σ asin ρᵢⱼ/(4π).
 * - d = 2 with a mean, and equicorrelated orthants (any d, any labels): 1-D
 *   integrals, computed here by our own trapezoid rule in log space (spectrally
 *   accurate for these smooth, rapidly decaying integrands), and checked against
 *   mpmath values.
 * - d = 10: the methods against each other and scipy's QMC value.
 * - d = 128, a real NNGP kernel (all of {0,1}⁷, ReLU FCN): Botev, Genz and MC agree,
 *   EP is measurably off.
 * Agreement is asserted as |Δ| ≤ 4 stderr (6 for Genz; plus a small absolute slack
 * where the stated error is ~0), so a seed change cannot make these flaky in practice.
 */
import { logNormCdf, normCdf, Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { fcnKernel } from '../src/kernels/fcn.js';
import {
  latticeVector,
  type OrthantOptions,
  type OrthantResult,
  orthantLogProb,
  primeAtMost,
  rectangleLogProb,
  trandn,
  truncNormMean,
  truncNormQuantile,
} from '../src/orthant/index.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function equicorrelated(d: number, rho: number): Float64Array {
  const K = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) K[i * d + j] = i === j ? 1 : rho;
  return K;
}

/** log ∫ f(z) dz by the trapezoid rule on [a, b] with step h, f given as log f (log-sum-exp). */
function logTrapezoid(logf: (z: number) => number, a: number, b: number, h: number): number {
  const n = Math.round((b - a) / h);
  const vals: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= n; i++) {
    const v = logf(a + i * h) + (i === 0 || i === n ? Math.log(0.5) : 0);
    vals.push(v);
    if (v > max) max = v;
  }
  let s = 0;
  for (const v of vals) s += Math.exp(v - max);
  return max + Math.log(s * h);
}

/**
 * Equicorrelated orthant with correlation ρ ≥ 0, p labels +1 and m labels −1:
 * f = √ρ z + √(1−ρ) e ⇒ P = ∫ φ(z) Φ(az)^p Φ(−az)^m dz, a = √(ρ/(1−ρ)).
 */
function equiExact(p: number, m: number, rho: number): number {
  const a = Math.sqrt(rho / (1 - rho));
  return logTrapezoid(
    (z) => -0.5 * z * z - LOG_SQRT_2PI + p * logNormCdf(a * z) + m * logNormCdf(-a * z),
    -40,
    40,
    0.005,
  );
}

/**
 * |x − exact| ≤ k·stderr + slack, k = 4, or 6 for Genz: its standard error comes
 * from 10 shift means (a t₉-like statistic, and the lattice error's distribution
 * over shifts is far from normal), so it is a rougher guide than Botev's or MC's.
 */
function expectWithin(r: OrthantResult, exact: number, slack = 1e-9): void {
  const tol = (r.method === 'genz' ? 6 : 4) * (r.stderr ?? 0) + slack;
  expect(Math.abs(r.logP - exact), `${r.method}: ${r.logP} ± ${r.stderr} vs ${exact}`).toBeLessThanOrEqual(tol);
}

function run(K: Float64Array, n: number, y: ArrayLike<number>, opts: OrthantOptions): OrthantResult {
  return orthantLogProb(K, n, y, opts);
}

describe('reference values used below', () => {
  it('the equicorrelated quadrature matches closed forms and mpmath', () => {
    // ρ = ½, all labels +: Φ(z) is uniform, P = 1/(d+1).
    expect(equiExact(50, 0, 0.5)).toBeCloseTo(-Math.log(51), 10);
    // mpmath values (40 digits, tanh-sinh quad split at every 0.1 over the peak)
    expect(equiExact(50, 0, 0.1)).toBeCloseTo(-13.089425183909022, 9);
    expect(equiExact(50, 50, 0.5)).toBeCloseTo(-71.39896216885869, 9);
    expect(equiExact(100, 100, 0.5)).toBeCloseTo(-141.05654098933798, 9);
    expect(equiExact(150, 150, 0.5)).toBeCloseTo(-210.5727485110396, 9);
    // d = 2: ¼ + asin ρ/(2π)
    expect(equiExact(2, 0, 0.3)).toBeCloseTo(Math.log(0.25 + Math.asin(0.3) / (2 * Math.PI)), 10);
  });
});

/**
 * Mean and variance of N(0,1) truncated to [l, u] by the trapezoid rule on the
 * density relative to its value at the bound nearest 0 (no cancellation in the tails);
 * O(h²) at the cut ends, ~1e−8 here.
 */
function truncMoments(l: number, u: number): [number, number] {
  const a = Number.isFinite(l) ? l : Math.min(u, 0) - 40;
  const b = Number.isFinite(u) ? u : Math.max(l, 0) + 40;
  const c = Math.min(Math.max(0, a), b); // the point of [a, b] nearest 0
  const n = 50_000;
  const h = (b - a) / n;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i <= n; i++) {
    const x = a + i * h;
    const w = Math.exp(-0.5 * (x - c) * (x + c)) * (i === 0 || i === n ? 0.5 : 1);
    s0 += w;
    s1 += w * (x - c);
    s2 += w * (x - c) * (x - c);
  }
  const m = s1 / s0;
  return [c + m, s2 / s0 - m * m];
}

describe('trandn', () => {
  it('stays inside [l, u] and has the truncated-normal mean and variance', () => {
    const rng = new Rng(3, 'orthant-test', 'trandn');
    const cases: [number, number][] = [
      [0, Number.POSITIVE_INFINITY],
      [-0.3, 0.2],
      [0.5, 0.51],
      [1, 3],
      [5, Number.POSITIVE_INFINITY],
      [30, 30.5],
      [Number.NEGATIVE_INFINITY, -8],
      [-4, 4],
      [-1, Number.POSITIVE_INFINITY],
    ];
    const N = 20000;
    for (const [l, u] of cases) {
      let s = 0;
      let s2 = 0;
      let outside = 0;
      for (let i = 0; i < N; i++) {
        const x = trandn(l, u, rng);
        if (!(x >= l && x <= u)) outside++;
        s += x;
        s2 += x * x;
      }
      expect(outside).toBe(0);
      const mean = s / N;
      const v = s2 / N - mean * mean;
      const [m, vExact] = truncMoments(l, u);
      expect(Math.abs(truncNormMean(l, u) - m), `[${l}, ${u}] truncNormMean`).toBeLessThan(1e-7 * (1 + Math.abs(m)));
      const sd = Math.sqrt(vExact);
      expect(Math.abs(mean - m), `[${l}, ${u}] mean`).toBeLessThan((5 * sd) / Math.sqrt(N));
      expect(Math.abs(v - vExact), `[${l}, ${u}] var`).toBeLessThan(0.06 * vExact);
    }
  });

  it('quantiles are inverse to the truncated CDF, also deep in a tail', () => {
    expect(truncNormQuantile(0, Number.POSITIVE_INFINITY, 0.5)).toBeCloseTo(0.6744897501960817, 12);
    // [10, ∞): median = −Φ⁻¹(Φ(−10)/2)
    const x = truncNormQuantile(10, Number.POSITIVE_INFINITY, 0.5);
    expect(logNormCdf(-x)).toBeCloseTo(logNormCdf(-10) + Math.log(0.5), 10);
  });
});

describe('lattice', () => {
  it('uses a prime number of points and a full-period generating vector', () => {
    expect(primeAtMost(2000)).toBe(1999);
    expect(primeAtMost(1009)).toBe(1009);
    const z = latticeVector(1999, 30);
    expect(z[0]).toBe(1);
    for (const c of z) expect(c >= 1 && c <= 999).toBe(true);
    // prefix-stable: a shorter request is the prefix of the longer one
    expect(Array.from(latticeVector(1999, 10))).toEqual(Array.from(z.slice(0, 10)));
  });
});

describe('d = 1: Φ(μ/σ)', () => {
  // One coordinate is decided in closed form by the reduction, whatever the method; to test the methods
  // themselves, a second, independent coordinate (P = ½) is added: P = Φ(yμ/σ)/2.
  const K = Float64Array.of(4, 0, 0, 1);
  for (const [mu, y] of [
    [1, 1],
    [1, -1],
    [-3, 1],
  ] as const) {
    const exact = logNormCdf((y * mu) / 2);
    it(`μ = ${mu}, σ = 2, y = ${y}`, () => {
      const one = run(Float64Array.of(4), 1, [y], { method: 'mc', mean: [mu] });
      expect(one.exact).toBe(true);
      expect(one.logP).toBeCloseTo(exact, 14);
      const two = exact + Math.log(0.5);
      expectWithin(run(K, 2, [y, 1], { method: 'botev', mean: [mu, 0], seed: 1 }), two, 1e-12);
      expectWithin(run(K, 2, [y, 1], { method: 'genz', mean: [mu, 0], seed: 1 }), two, 1e-12);
      expectWithin(run(K, 2, [y, 1], { method: 'ep', mean: [mu, 0] }), two, 1e-9);
      const mc = run(K, 2, [y, 1], { method: 'mc', mean: [mu, 0], seed: 1, samples: 200_000 });
      expectWithin(mc, two);
    });
  }
  it('a far tail (P = Φ(−20)/2 ≈ 1.4e−89): Botev, Genz and EP exact, MC no hits with a valid bound', () => {
    const exact = logNormCdf(-20) + Math.log(0.5);
    const I = Float64Array.of(1, 0, 0, 1);
    expectWithin(run(I, 2, [1, 1], { method: 'botev', mean: [-20, 0] }), exact, 1e-10);
    expectWithin(run(I, 2, [1, 1], { method: 'genz', mean: [-20, 0] }), exact, 1e-10);
    expectWithin(run(I, 2, [-1, 1], { method: 'ep', mean: [20, 0] }), exact, 1e-7);
    const mc = run(I, 2, [1, 1], { method: 'mc', mean: [-20, 0], samples: 1000 });
    expect(mc.logP).toBe(Number.NEGATIVE_INFINITY);
    expect(mc.stderr).toBeNull();
    expect(mc.logUpper95).toBeCloseTo(Math.log(1 - 0.05 ** (1 / 1000)), 12);
    expect(mc.logUpper95!).toBeGreaterThan(exact);
    expect(mc.warnings.join(' ')).toMatch(/Monte Carlo saw no hits in 1000 draws/);
  });
});

describe('d = 2: ¼ + asin ρ/(2π)', () => {
  for (const rho of [-0.99, -0.5, 0, 0.3, 0.9, 0.99]) {
    it(`ρ = ${rho}`, () => {
      const K = Float64Array.of(1, rho, rho, 1);
      const exact = Math.log(0.25 + Math.asin(rho) / (2 * Math.PI));
      const b = run(K, 2, [1, 1], { method: 'botev', seed: 2 });
      expectWithin(b, exact);
      expect(b.stderr!).toBeLessThan(0.02);
      expect(b.upperBound!).toBeGreaterThanOrEqual(exact);
      expectWithin(run(K, 2, [1, 1], { method: 'genz', seed: 2 }), exact);
      expectWithin(run(K, 2, [1, 1], { method: 'mc', seed: 2, samples: 100_000 }), exact);
      // flipping a label flips ρ
      expectWithin(run(K, 2, [1, -1], { method: 'botev', seed: 2 }), Math.log(0.25 - Math.asin(rho) / (2 * Math.PI)));
      // EP: deterministic approximation, a few hundredths of a nat at worst here
      const ep = run(K, 2, [1, 1], { method: 'ep' });
      expect(Math.abs(ep.logP - exact)).toBeLessThan(0.15);
    });
  }

  it('with a mean: P(f₁ > 0, f₂ < 0) against a 1-D integral', () => {
    // f ~ N(m, [[1, ρ], [ρ, 1]]): P(f₁ > 0, f₂ < 0) = ∫_{z > −m₁} φ(z) Φ((−m₂ − ρz)/√(1−ρ²)) dz
    const rho = 0.6;
    const m = [0.7, 1.5];
    const K = Float64Array.of(1, rho, rho, 1);
    const s = Math.sqrt(1 - rho * rho);
    const exact = logTrapezoid(
      (z) => -0.5 * z * z - LOG_SQRT_2PI + logNormCdf((-m[1] - rho * z) / s),
      -m[0],
      40,
      0.0005,
    );
    // (the integrand is cut at −m₁, where the trapezoid rule is only O(h²): hence the fine step)
    const botev = run(K, 2, [1, -1], { method: 'botev', mean: m, seed: 5 });
    const genz = run(K, 2, [1, -1], { method: 'genz', mean: m, seed: 5 });
    expectWithin(botev, exact, 1e-6);
    expectWithin(genz, exact, 1e-6);
    expectWithin(run(K, 2, [1, -1], { method: 'mc', mean: m, seed: 5 }), exact);
    expect(Math.abs(run(K, 2, [1, -1], { method: 'ep', mean: m }).logP - exact)).toBeLessThan(0.1);
  });
});

describe('d = 3: ⅛ + (asin ρ₁₂ + asin ρ₁₃ + asin ρ₂₃)/(4π)', () => {
  const cases: [number, number, number][] = [
    [0.3, -0.5, 0.6],
    [0.9, 0.8, 0.75],
    [-0.45, -0.45, -0.05],
  ];
  for (const [r12, r13, r23] of cases) {
    it(`ρ = (${r12}, ${r13}, ${r23})`, () => {
      const K = Float64Array.of(1, r12, r13, r12, 1, r23, r13, r23, 1);
      const exact = Math.log(0.125 + (Math.asin(r12) + Math.asin(r13) + Math.asin(r23)) / (4 * Math.PI));
      // scale the variables: the orthant does not care
      const sc = [2, 0.5, 3];
      const Ks = K.map((v, k) => v * sc[Math.floor(k / 3)] * sc[k % 3]);
      for (const method of ['botev', 'genz', 'mc'] as const)
        expectWithin(run(Ks, 3, [1, 1, 1], { method, seed: 9 }), exact);
      expect(Math.abs(run(Ks, 3, [1, 1, 1], { method: 'ep' }).logP - exact)).toBeLessThan(0.15);
    });
  }
});

describe('d = 10: the methods agree', () => {
  const d = 10;
  const K = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) K[i * d + j] = 0.6 ** Math.abs(i - j) + 0.2;
  const y = [1, 1, 1, 1, 1, -1, -1, -1, 1, 1];
  // scipy 1.17 multivariate_normal.cdf (Genz QMC, maxpts 1e7, abseps 1e-10), two seeds: −5.86349283, −5.86349295
  const scipy = -5.8634929;
  it('Botev, Genz and MC (10⁶ draws) within their errors of each other and of scipy', () => {
    const botev = run(K, d, y, { method: 'botev', seed: 4 });
    const genz = run(K, d, y, { method: 'genz', seed: 4 });
    const mc = run(K, d, y, { method: 'mc', seed: 4, samples: 1_000_000 });
    for (const [a, b] of [
      [botev, genz],
      [botev, mc],
      [genz, mc],
    ]) {
      const se = Math.hypot(a.stderr!, b.stderr!);
      expect(Math.abs(a.logP - b.logP), `${a.method} vs ${b.method}`).toBeLessThan(4 * se);
    }
    for (const r of [botev, genz, mc]) expectWithin(r, scipy, 1e-5);
    expect(botev.stderr!).toBeLessThan(0.01);
    expect(genz.stderr!).toBeLessThan(0.01);
    expect(botev.upperBound!).toBeGreaterThanOrEqual(botev.logP);
    expect(botev.maxLogWeight!).toBeLessThanOrEqual(botev.upperBound! + 1e-9);
    expect(botev.converged).toBe(true);
    const ep = run(K, d, y, { method: 'ep' });
    expect(Math.abs(ep.logP - scipy)).toBeLessThan(0.2);
  });
});

describe('a real NNGP kernel, d = 128', () => {
  // all 128 points of {0,1}⁷, FCN with two ReLU hidden layers, σ_w = σ_b = 1: entries highly correlated
  const n = 128;
  const X = new Float64Array(n * 7);
  for (let i = 0; i < n; i++) for (let b = 0; b < 7; b++) X[i * 7 + b] = (i >> (6 - b)) & 1;
  const K = fcnKernel(X, n, 7, { hidden: 2, activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true }).nngp;
  it('the constant function (P ≈ 0.36): Botev, Genz and MC agree; EP is ~0.4 nats low', () => {
    const y = new Array(n).fill(1);
    const botev = run(K, n, y, { method: 'botev', seed: 12 });
    const genz = run(K, n, y, { method: 'genz', seed: 12, samples: 5000 });
    const mc = run(K, n, y, { method: 'mc', seed: 12, samples: 30_000 });
    expect(Math.abs(botev.logP - mc.logP)).toBeLessThan(4 * Math.hypot(botev.stderr!, mc.stderr!));
    expect(Math.abs(botev.logP - genz.logP)).toBeLessThan(4 * Math.hypot(botev.stderr!, genz.stderr!));
    expect(botev.upperBound!).toBeGreaterThanOrEqual(botev.logP);
    // 10⁵-sample Botev, 10⁶ MC and 5·10⁵-point Genz runs all give −1.0265 ± 0.0015; EP gives −1.437
    const ep = run(K, n, y, { method: 'ep' });
    expect(botev.logP - ep.logP).toBeGreaterThan(0.3);
    expect(botev.logP - ep.logP).toBeLessThan(0.5);
  });
});

describe('small probabilities (equicorrelated, exact by quadrature): MC is useless, Botev is not', () => {
  it('d = 50, ρ = ½, all +: P = 1/51', () => {
    const K = equicorrelated(50, 0.5);
    const y = new Array(50).fill(1);
    const exact = -Math.log(51);
    const botev = run(K, 50, y, { method: 'botev', seed: 6 });
    expectWithin(botev, exact);
    expect(botev.stderr!).toBeLessThan(0.02);
    expectWithin(run(K, 50, y, { method: 'genz', seed: 6 }), exact);
    expect(Math.abs(run(K, 50, y, { method: 'ep' }).logP - exact)).toBeLessThan(0.1);
  });

  it('d = 50, ρ = 0.1, all +: P ≈ 2.1e−6; 10⁵ MC draws give (almost) nothing', () => {
    const K = equicorrelated(50, 0.1);
    const y = new Array(50).fill(1);
    const exact = equiExact(50, 0, 0.1);
    const botev = run(K, 50, y, { method: 'botev', seed: 7 });
    expectWithin(botev, exact);
    expect(botev.stderr!).toBeLessThan(0.02);
    expect(botev.upperBound!).toBeGreaterThanOrEqual(exact);
    const mc = run(K, 50, y, { method: 'mc', seed: 7, samples: 100_000 });
    expect(mc.hits!).toBeLessThan(5);
    expect(Math.abs(run(K, 50, y, { method: 'ep' }).logP - exact)).toBeLessThan(0.1);
  });

  it('d = 100, ρ = ½, 50 labels + and 50 −: P ≈ e^−71.4 ≈ 2^−103', () => {
    const d = 100;
    const K = equicorrelated(d, 0.5);
    const y = Array.from({ length: d }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const exact = equiExact(50, 50, 0.5);
    const botev = run(K, d, y, { method: 'botev', seed: 8 });
    expectWithin(botev, exact);
    expect(botev.stderr!).toBeLessThan(0.02);
    expect(botev.upperBound!).toBeGreaterThanOrEqual(exact);
    expect(botev.maxLogWeight!).toBeLessThanOrEqual(botev.upperBound! + 1e-9);
    const mc = run(K, d, y, { method: 'mc', seed: 8, samples: 20_000 });
    expect(mc.logP).toBe(Number.NEGATIVE_INFINITY);
    expect(mc.logUpper95!).toBeGreaterThan(exact);
    const ep = run(K, d, y, { method: 'ep' });
    expect(Math.abs(ep.logP - exact)).toBeLessThan(0.5);
  });

  it('d = 200, ρ = ½, mixed labels: Botev in the hundreds of dimensions', () => {
    const d = 200;
    const K = equicorrelated(d, 0.5);
    const y = Array.from({ length: d }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const exact = equiExact(100, 100, 0.5);
    const botev = run(K, d, y, { method: 'botev', seed: 10, samples: 2000 });
    expect(botev.converged).toBe(true);
    expectWithin(botev, exact);
    expect(botev.stderr!).toBeLessThan(0.05);
    expect(botev.upperBound!).toBeGreaterThanOrEqual(exact);
  });
});

describe('seeds', () => {
  const d = 10;
  const K = equicorrelated(d, 0.3);
  const y = [1, -1, 1, 1, -1, 1, -1, -1, 1, 1];
  for (const method of ['botev', 'genz', 'mc'] as const) {
    it(`${method}: same seed, same answer; another seed, another answer within error`, () => {
      const a = run(K, d, y, { method, seed: 'a', samples: method === 'mc' ? 200_000 : 5000 });
      const a2 = run(K, d, y, { method, seed: 'a', samples: method === 'mc' ? 200_000 : 5000 });
      const b = run(K, d, y, { method, seed: 'b', samples: method === 'mc' ? 200_000 : 5000 });
      expect(a2.logP).toBe(a.logP);
      expect(a2.stderr).toBe(a.stderr);
      expect(b.logP).not.toBe(a.logP);
      expect(Math.abs(a.logP - b.logP)).toBeLessThan(4 * Math.hypot(a.stderr!, b.stderr!));
    });
  }
});

describe('degenerate and edge cases', () => {
  it('a repeated input with a consistent label changes nothing (removed exactly by the reduction)', () => {
    const base = new Float64Array(16);
    const B = [
      [1, 0.5, 0.2, 0.1],
      [0.5, 1, 0.4, 0.3],
      [0.2, 0.4, 1, 0.6],
      [0.1, 0.3, 0.6, 1],
    ];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) base[i * 4 + j] = B[i][j];
    // duplicate variables 1 and 3
    const idx = [0, 1, 2, 3, 1, 3];
    const K = new Float64Array(36);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) K[i * 6 + j] = B[idx[i]][idx[j]];
    const y4 = [1, -1, 1, 1];
    const y6 = idx.map((i) => y4[i]);
    const ref = run(base, 4, y4, { method: 'genz', seed: 1, samples: 100_000 });
    const dup = run(K, 6, y6, { method: 'botev', seed: 1, samples: 20_000 });
    expect(dup.clamped).toBeUndefined();
    expect(dup.reduced).toEqual({ n: 4, zeroVariance: 0, duplicates: 2 });
    expect(dup.logP).toBe(run(base, 4, y4, { method: 'botev', seed: 1, samples: 20_000 }).logP);
    expect(Math.abs(dup.logP - ref.logP)).toBeLessThan(4 * Math.hypot(dup.stderr!, ref.stderr!) + 1e-6);
  });

  it('validates its input', () => {
    const K = equicorrelated(2, 0.1);
    expect(() => orthantLogProb(K, 2, [1, 0], { method: 'botev' })).toThrow(/±1/);
    expect(() => orthantLogProb(K, 3, [1, 1, 1], { method: 'botev' })).toThrow(/3×3/);
    expect(() => orthantLogProb(Float64Array.of(1, 2, 2, 1), 2, [1, 1], { method: 'botev' })).toThrow(
      /not positive semi-definite/,
    );
    expect(() => orthantLogProb(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2, [1, 1], { method: 'genz' })).toThrow(
      /finite/,
    );
    expect(orthantLogProb(new Float64Array(0), 0, [], { method: 'botev' }).logP).toBe(0);
  });

  it('rectangles: P(−1 ≤ X ≤ 1) for X ~ N(0, 4) and an empty box', () => {
    const r = rectangleLogProb(Float64Array.of(4), 1, [-1], [1], { method: 'botev' });
    expect(r.logP).toBeCloseTo(Math.log(normCdf(0.5) - normCdf(-0.5)), 12);
    expect(rectangleLogProb(Float64Array.of(1), 1, [1], [1], { method: 'genz' }).logP).toBe(Number.NEGATIVE_INFINITY);
  });
});
