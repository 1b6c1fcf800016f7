/**
 * The FCN NNGP/NTK kernel (`fcnKernel`): against a plain loop written here
 * straight from the formulas (acos form), exact special values, Monte Carlo
 * over random finite-width nets drawn from the project's own prior stream,
 * sync = async, thread-count independence.
 */
import { closeLinalg, configureLinalg, type FcnSpec, forwardReference, linalgInfo, priorParams } from '@fsbayes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type FcnKernelParams, fcnKernel, fcnKernelAsync, fcnRecursion } from '../src/kernels/fcn.js';
import { fcnReference } from '../src/kernels/reference.js';

/** The float64 reference loop (`reference.ts`) on raw parameters. */
function fcnKernelRef(X: Float64Array, n: number, d: number, p: FcnKernelParams, Y?: Float64Array, m?: number) {
  const B = Y ? { X: Y, n: m as number } : null;
  const k = fcnReference(d, p.hidden, fcnRecursion(p), { X, n }, B, true);
  return { nngp: k.nngp, ntk: k.ntk as Float64Array };
}

afterAll(async () => {
  configureLinalg({ threads: undefined, wasm: true });
  await closeLinalg();
});

function rnd(len: number, seed = 1): Float64Array {
  let x = seed >>> 0 || 1;
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

/**
 * The recursion, written out independently: K¹ = σ_b² + σ_w² x·x'/d; per
 * hidden layer with θ = acos(K₁₂/√(K₁₁K₂₂)):
 *   relu K ← σ_b² + σ_w²/(2π) √(K₁₁K₂₂)(sin θ + (π−θ) cos θ), K̇ = (π−θ)/(2π)
 *   step K ← σ_b² + σ_w² (π−θ)/(2π), K̇ = 0
 *   erf  K ← σ_b² + σ_w² (2/π) asin(2K₁₂/√((1+2K₁₁)(1+2K₂₂))), K̇ = (4/π)/√((1+2K₁₁)(1+2K₂₂) − 4K₁₂²)
 *   Θ ← K_new + σ_w² K̇ Θ.
 */
function formulaKernel(X: Float64Array, Y: Float64Array, n: number, m: number, d: number, p: FcnKernelParams) {
  const sw2 = p.sigmaW ** 2;
  const sb2 = p.bias ? p.sigmaB ** 2 : 0;
  const dot = (A: Float64Array, i: number, B: Float64Array, j: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += A[i * d + k] * B[j * d + k];
    return sb2 + (sw2 * s) / d;
  };
  const K = new Float64Array(n * m);
  const T = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let a = dot(X, i, X, i);
      let b = dot(Y, j, Y, j);
      let c = dot(X, i, Y, j);
      let t = c;
      for (let l = 0; l < p.hidden; l++) {
        const step = (a1: number, b1: number, c1: number): [number, number] => {
          if (p.activation === 'erf') {
            const q = (1 + 2 * a1) * (1 + 2 * b1);
            return [(2 / Math.PI) * Math.asin((2 * c1) / Math.sqrt(q)), 4 / Math.PI / Math.sqrt(q - 4 * c1 * c1)];
          }
          const r = Math.sqrt(a1 * b1);
          const th = Math.acos(Math.min(1, Math.max(-1, c1 / r)));
          if (p.activation === 'step') return [(Math.PI - th) / (2 * Math.PI), 0];
          return [(r * (Math.sin(th) + (Math.PI - th) * Math.cos(th))) / (2 * Math.PI), (Math.PI - th) / (2 * Math.PI)];
        };
        const [e, kd] = step(a, b, c);
        const [ea] = step(a, a, a);
        const [eb] = step(b, b, b);
        const cn = sb2 + sw2 * e;
        t = cn + sw2 * kd * t;
        c = cn;
        a = sb2 + sw2 * ea;
        b = sb2 + sw2 * eb;
      }
      K[i * m + j] = c;
      T[i * m + j] = t;
    }
  }
  return { K, T };
}

function relErr(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const ACTS = ['relu', 'step', 'erf'] as const;

describe('fcnKernel', () => {
  it('matches the formulas (NNGP and NTK, self and cross; TS and wasm sizes)', () => {
    expect(linalgInfo().wasm).toBe(true);
    for (const [n, m, d] of [
      [9, 5, 4],
      [150, 70, 33],
      [260, 90, 100],
    ]) {
      const X = rnd(n * d, n).map((v, i) => v + (i % 3) * 0.2);
      const Y = rnd(m * d, m + 1);
      for (const activation of ACTS) {
        for (const [hidden, bias] of [
          [0, true],
          [1, false],
          [3, true],
        ] as const) {
          const p: FcnKernelParams = { hidden, activation, sigmaW: 1.3, sigmaB: 0.4, bias, ntk: true };
          const self = fcnKernel(X, n, d, p);
          const ref = formulaKernel(X, X, n, n, d, p);
          const tag = `${activation} hidden ${hidden} n ${n}`;
          expect(relErr(self.nngp, ref.K), tag).toBeLessThan(1e-9);
          expect(relErr(self.ntk as Float64Array, ref.T), tag).toBeLessThan(1e-9);
          const cross = fcnKernel(X, n, d, p, Y, m);
          const refc = formulaKernel(X, Y, n, m, d, p);
          expect(relErr(cross.nngp, refc.K), tag).toBeLessThan(1e-9);
          expect(relErr(cross.ntk as Float64Array, refc.T), tag).toBeLessThan(1e-9);
          if (activation === 'step') expect(relErr(self.ntk as Float64Array, self.nngp)).toBe(0);
          // the SIMD atan2/asin (asin form) against the reference's Math.atan2 form, to rounding
          const ts = fcnKernelRef(X, n, d, p);
          expect(relErr(self.nngp, ts.nngp), tag).toBeLessThan(1e-14);
          expect(relErr(self.ntk as Float64Array, ts.ntk as Float64Array), tag).toBeLessThan(1e-14);
        }
      }
    }
  });

  it('gives exact values on equal points and orthogonal unit points', () => {
    const d = 64;
    const n = 300; // wasm path
    const X = rnd(n * d, 3);
    X.copyWithin(7 * d, 2 * d, 3 * d); // x7 = x2
    X.fill(0, 0, 2 * d);
    X[0] = Math.sqrt(d); // x0 = √d e0, x1 = √d e1: x·x/d = 1, orthogonal
    X[d + 1] = Math.sqrt(d);
    const sw = 1.7;
    const sw2 = sw * sw;
    for (const activation of ACTS) {
      const p: FcnKernelParams = { hidden: 1, activation, sigmaW: sw, sigmaB: 0, bias: false, ntk: true };
      const { nngp: K, ntk } = fcnKernel(X, n, d, p);
      const T = ntk as Float64Array;
      for (const A of [K, T]) {
        expect(Math.abs(A[2 * n + 7] - A[2 * n + 2])).toBeLessThanOrEqual(1e-15 * A[2 * n + 2]);
        expect(A[7 * n + 2]).toBe(A[2 * n + 7]);
      }
      // θ = π/2 between x0 and x1, K¹ = σ_w² I on them
      const off = activation === 'relu' ? (sw2 * sw2) / (2 * Math.PI) : activation === 'step' ? sw2 / 4 : 0;
      const diag =
        activation === 'relu'
          ? sw2 * sw2 * 0.5
          : activation === 'step'
            ? sw2 * 0.5
            : sw2 * (2 / Math.PI) * Math.asin((2 * sw2) / (1 + 2 * sw2));
      expect(K[1]).toBeCloseTo(off, 15);
      expect(K[0]).toBeCloseTo(diag, 14);
      // Θ² = K² + σ_w² K̇ Θ¹ with Θ¹ = K¹ (0 off the diagonal, σ_w² on it)
      expect(T[1]).toBeCloseTo(off, 15);
      const kdot = activation === 'relu' ? 0.5 : activation === 'step' ? 0 : 4 / Math.PI / Math.sqrt(1 + 4 * sw2);
      expect(T[0]).toBeCloseTo(diag + sw2 * kdot * sw2, 14);
    }
  });

  it('is bitwise independent of threads; async equals sync', async () => {
    const [n, m, d] = [263, 201, 120];
    const X = rnd(n * d, 8);
    const Y = rnd(m * d, 9);
    const p: FcnKernelParams = { hidden: 2, activation: 'relu', sigmaW: 1.2, sigmaB: 0.1, bias: true, ntk: true };
    const runs = [1, 2, 3].map((threads) => {
      configureLinalg({ threads });
      return [fcnKernel(X, n, d, p), fcnKernel(X, n, d, p, Y, m), fcnKernel(Y, m, d, p, X, n)];
    });
    configureLinalg({ threads: undefined });
    const asyncRuns = await Promise.all([fcnKernelAsync(X, n, d, p), fcnKernelAsync(X, n, d, p, Y, m)]);
    for (const r of [...runs.slice(1), asyncRuns]) {
      for (let i = 0; i < r.length; i++) {
        expect(relErr(r[i].nngp, runs[0][i].nngp)).toBe(0);
        expect(relErr(r[i].ntk as Float64Array, runs[0][i].ntk as Float64Array)).toBe(0);
      }
    }
    // a few rows against many columns (work split by column blocks too)
    const Z = rnd(9 * d, 10);
    const W = rnd(2100 * d, 11);
    const wide = [1, 2, 3].map((threads) => {
      configureLinalg({ threads });
      return fcnKernel(Z, 9, d, p, W, 2100);
    });
    configureLinalg({ threads: undefined });
    for (const r of wide.slice(1)) {
      expect(relErr(r.nngp, wide[0].nngp)).toBe(0);
      expect(relErr(r.ntk as Float64Array, wide[0].ntk as Float64Array)).toBe(0);
    }
    const wideRef = fcnKernelRef(Z, 9, d, p, W, 2100);
    expect(relErr(wide[0].nngp, wideRef.nngp)).toBeLessThan(1e-14);
    expect(relErr(wide[0].ntk as Float64Array, wideRef.ntk as Float64Array)).toBeLessThan(1e-14);
    // the cross kernel K(Y, X) is the transpose of K(X, Y)
    const [kxy, kyx] = [runs[0][1].nngp, runs[0][2].nngp];
    let err = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) err = Math.max(err, Math.abs(kxy[i * m + j] - kyx[j * n + i]));
    expect(err).toBeLessThan(1e-14);
  });

  it('agrees with Monte Carlo over random finite nets (E[f(x) f(x′)] of the readout)', () => {
    const d = 4;
    const m = 6;
    const X = new Float64Array([
      1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0.5, -1, -2, 0.3, 0.1, 0.4, 0.9, -0.8, 0.7, 0.2, 1, 1, 0.5, -1,
    ]);
    const cases: { hidden: number[]; activation: 'relu' | 'erf' | 'step'; nets: number }[] = [
      { hidden: [2048], activation: 'relu', nets: 2000 },
      { hidden: [512], activation: 'erf', nets: 3000 },
      { hidden: [512], activation: 'step', nets: 3000 },
      { hidden: [128, 128], activation: 'relu', nets: 4000 },
    ];
    const errors: string[] = [];
    for (const c of cases) {
      const spec: FcnSpec = {
        kind: 'fcn',
        inputDim: d,
        hidden: c.hidden,
        activation: c.activation,
        sigmaW: 1.5,
        sigmaB: 0.6,
        bias: true,
      };
      const f = forwardReference(spec, priorParams(spec, 7, 0, c.nets), c.nets, X, m);
      const mc = new Float64Array(m * m);
      for (let s = 0; s < c.nets; s++)
        for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) mc[i * m + j] += (f[s * m + i] * f[s * m + j]) / c.nets;
      const p: FcnKernelParams = {
        hidden: c.hidden.length,
        activation: c.activation,
        sigmaW: 1.5,
        sigmaB: 0.6,
        bias: true,
      };
      const K = fcnKernel(X, m, d, p).nngp;
      let num = 0;
      let den = 0;
      for (let i = 0; i < m * m; i++) {
        num += (mc[i] - K[i]) ** 2;
        den += K[i] ** 2;
      }
      const err = Math.sqrt(num / den);
      errors.push(`${c.activation} ${c.hidden}: ${err.toFixed(4)}`);
      expect(err, `${c.activation} ${c.hidden}`).toBeLessThan(0.06);
      // the readout layer counts: one map fewer or more is far off
      const wrong = fcnKernel(X, m, d, { ...p, hidden: p.hidden + 1 }).nngp;
      let num2 = 0;
      for (let i = 0; i < m * m; i++) num2 += (mc[i] - wrong[i]) ** 2;
      expect(Math.sqrt(num2 / den)).toBeGreaterThan(2 * err);
      // rows 2 and 5 of X are the same point
      expect(Math.abs(K[2 * m + 5] - K[2 * m + 2])).toBeLessThan(1e-15 * K[2 * m + 2]);
    }
    console.log(`Monte Carlo relative Frobenius errors: ${errors.join(', ')}`);
  });

  it('a zero-variance unit is the constant 0 (relu(0) = step(0) = 0): the all-zero input without bias has a zero row on every path', () => {
    // Issue 16 bug 1: the wasm path (large blocks) gave K(0,0) = σ_w²/2 for step, and at depth ≥ 3 a non-zero row.
    const d = 7;
    for (const n of [12, 128]) {
      // n = 128: 16 384 entries, the threaded wasm path; n = 12: plain TS
      const X = rnd(n * d, 5).map((v) => (v > 0 ? 1 : 0));
      X.fill(0, 0, d); // x0 = 0
      for (const activation of ['step', 'relu'] as const) {
        for (const hidden of [1, 3]) {
          const p: FcnKernelParams = { hidden, activation, sigmaW: 1.41, sigmaB: 0, bias: false, ntk: true };
          const tag = `${activation}, ${hidden} hidden, n ${n}`;
          const { nngp: K, ntk } = fcnKernel(X, n, d, p);
          // independent: every finite net without biases maps x = 0 to exactly 0, so its row is 0
          const spec: FcnSpec = {
            kind: 'fcn',
            inputDim: d,
            hidden: Array(hidden).fill(16),
            activation,
            sigmaW: 1.41,
            sigmaB: 0,
            bias: false,
          };
          const f = forwardReference(spec, priorParams(spec, 3, 0, 8), 8, X.subarray(0, d), 1);
          expect(Array.from(f), tag).toEqual(Array(8).fill(0));
          for (let j = 0; j < n; j++) {
            expect(K[j], tag).toBe(0);
            expect(K[j * n], tag).toBe(0);
            expect((ntk as Float64Array)[j], tag).toBe(0);
          }
          // the other entries: the wasm path against the plain-TS loop, and unchanged by the zero point
          const ref = fcnKernelRef(X, n, d, p);
          expect(relErr(K, ref.nngp), tag).toBeLessThan(1e-14);
          expect(relErr(ntk as Float64Array, ref.ntk as Float64Array), tag).toBeLessThan(1e-14);
          expect(K[n + 1], tag).toBeGreaterThan(0);
          const cross = fcnKernel(X.subarray(0, 2 * d), 2, d, p, X, n).nngp;
          for (let j = 0; j < n; j++) expect(cross[j], tag).toBe(0);
          expect(relErr(cross.subarray(n), K.subarray(n, 2 * n)), tag).toBeLessThan(1e-14);
        }
      }
    }
  });
});
