/**
 * The analytic kernels: closed forms against independent quadrature, exact
 * values on special inputs, exact symmetry and repeated rows, positive
 * semi-definiteness (ml-matrix EVD), CNN/FCN identities, and the fast FCN
 * path against the reference loop. The NTK against the empirical NTK of
 * finite nets is in kernels-ntk.test.ts, the Monte-Carlo comparisons of the
 * NNGP in kernels-mc.test.ts.
 */
import { type ArchSpec, type CnnSpec, erf, validateSpec } from '@fsbayes/core';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  type ClosedFormActivation,
  type DualOut,
  dual,
  dualDiag,
  FAST_MIN_ENTRIES,
  fastFcnKernelAvailable,
  kernelMatrix,
} from '../src/kernels/index.js';
import { cnn, fcn, normals, relFrob } from './helpers.js';

const ACTS: ClosedFormActivation[] = ['relu', 'step', 'erf'];

function eigenvalues(K: Float64Array, n: number): number[] {
  const rows = Array.from({ length: n }, (_, i) => Array.from(K.subarray(i * n, (i + 1) * n)));
  return new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues;
}

const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phiPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** ∫ f(z) ϕ(z) dz over [−12, 12], Simpson on both halves (f may kink or jump at 0). */
function gaussIntegral(f: (z: number) => number): number {
  const half = (a: number, b: number) => {
    const m = 6000;
    const h = (b - a) / m;
    // Endpoints as one-sided limits (the integrand may jump at 0).
    const fa = a === 0 ? f(1e-300) : f(a);
    const fb = b === 0 ? f(-1e-300) : f(b);
    let s = fa * phiPdf(a) + fb * phiPdf(b);
    for (let i = 1; i < m; i++) {
      const z = a + i * h;
      s += (i % 2 ? 4 : 2) * f(z) * phiPdf(z);
    }
    return (s * h) / 3;
  };
  return half(-12, 0) + half(0, 12);
}

/**
 * E[φ(u)φ(v)] and E[φ'(u)φ'(v)] by 1-D quadrature: u = √q1·z1,
 * v = m(z1) + β·z2 with the z2-expectation in closed form (independent of dual.ts).
 */
function quadDual(act: ClosedFormActivation, q1: number, q2: number, c: number): { e: number; dot: number } {
  const s1 = Math.sqrt(q1);
  const beta = Math.sqrt(q2 - (c * c) / q1);
  const mOf = (z: number) => (c / s1) * z;
  const phi = { relu: (x: number) => Math.max(x, 0), step: (x: number) => (x > 0 ? 1 : 0), erf }[act];
  const dphi = {
    relu: (x: number) => (x > 0 ? 1 : 0),
    step: (_x: number) => 0,
    erf: (x: number) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
  }[act];
  const inner = {
    relu: (m: number) => m * Phi(m / beta) + beta * phiPdf(m / beta),
    step: (m: number) => Phi(m / beta),
    erf: (m: number) => erf(m / Math.sqrt(1 + 2 * beta * beta)),
  }[act];
  const innerDot = {
    relu: (m: number) => Phi(m / beta),
    step: (_m: number) => 0,
    erf: (m: number) =>
      ((2 / Math.sqrt(Math.PI)) * Math.exp((-m * m) / (1 + 2 * beta * beta))) / Math.sqrt(1 + 2 * beta * beta),
  }[act];
  return {
    e: gaussIntegral((z) => phi(s1 * z) * inner(mOf(z))),
    dot: gaussIntegral((z) => dphi(s1 * z) * innerDot(mOf(z))),
  };
}

describe('dual activations', () => {
  it('match 1-D quadrature of E[φφ] and E[φ′φ′] (relu, step, erf) to 1e-9', () => {
    const o: DualOut = { e: 0, dot: 0 };
    const cases: [number, number, number][] = [
      [1, 1, 0.3],
      [0.5, 2, -0.6],
      [3, 0.2, 0.5],
      [1, 1, 0],
      [2, 2, -1.5],
      [0.05, 40, 1.2],
    ];
    for (const act of ACTS) {
      for (const [q1, q2, c] of cases) {
        dual(act, q1, q2, c, o);
        const want = quadDual(act, q1, q2, c);
        expect(Math.abs(o.e - want.e)).toBeLessThan(1e-9 * (1 + Math.abs(want.e)));
        expect(Math.abs(o.dot - want.dot)).toBeLessThan(1e-9 * (1 + Math.abs(want.dot)));
      }
    }
  });

  it('the diagonal update is exact and bit-identical to the pair formula at q1 = q2 = c', () => {
    const o: DualOut = { e: 0, dot: 0 };
    const p: DualOut = { e: 0, dot: 0 };
    const qs = [0, 1e-300, 1e-12, 0.1, 1 / 3, 1, 2.5, 1e6, 1e150];
    for (const act of ACTS) {
      for (const q of qs) {
        dualDiag(act, q, o);
        dual(act, q, q, q, p);
        expect(p.e).toBe(o.e);
        expect(p.dot).toBe(o.dot);
        if (act === 'relu') expect(o.e).toBe(q / 2);
        if (act === 'step') expect(o.e).toBe(q > 0 ? 0.5 : 0);
        expect(Number.isFinite(o.e) && Number.isFinite(o.dot)).toBe(true);
      }
    }
  });

  it('never gives NaN when rounding makes q1·q2 < c² (|cos θ| > 1)', () => {
    const o: DualOut = { e: 0, dot: 0 };
    for (const act of ACTS) {
      for (const q of [0.1, 1, 7.3]) {
        const c = q * (1 + 4e-16);
        dual(act, q, q, c, o);
        expect(Number.isFinite(o.e)).toBe(true);
        dual(act, q, q, -c, o);
        expect(Number.isFinite(o.e)).toBe(true);
      }
    }
  });
});

describe('kernelMatrix: exact values', () => {
  it('relu diagonal: K ← σ_b² + σ_w²K/2 through every layer, exactly', () => {
    const X = normals(4 * 6, 'diag');
    for (const bias of [true, false]) {
      const spec = fcn(6, [5, 5, 5], 'relu', bias);
      const K = kernelMatrix(spec, X, 4);
      const sw2 = spec.sigmaW ** 2;
      const sb2 = bias ? spec.sigmaB ** 2 : 0;
      for (let i = 0; i < 4; i++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += X[i * 6 + k] * X[i * 6 + k];
        let q = sb2 + sw2 * (s / 6);
        for (let l = 0; l < 3; l++) q = sb2 + sw2 * (q / 2);
        expect(K[i * 4 + i]).toBe(q);
      }
    }
  });

  it('orthogonal points (θ = π/2): relu K = σ_b² + σ_w²√(K₁₁K₂₂)/(2π), step σ_b² + σ_w²/4, erf σ_b²', () => {
    const d = 4;
    for (const bias of [false, true]) {
      const sw2 = 1.4 ** 2;
      const sb2 = bias ? 0.6 ** 2 : 0;
      // K⁰₁₂ = σ_b² + σ_w² x·x'/d = 0: x·x' = −σ_b²d/σ_w².
      const x = [1, 2, 0, -1];
      const y = [2, -1, 3, 0];
      const target = (-sb2 * d) / sw2;
      const xx = x.reduce((s, v) => s + v * v, 0);
      const xy = x.reduce((s, v, k) => s + v * y[k], 0);
      const y2 = y.map((v, k) => v + ((target - xy) / xx) * x[k]);
      const X = Float64Array.from([...x, ...y2]);
      const k0 = (a: number[], b: number[]) => sb2 + sw2 * (a.reduce((s, v, k) => s + v * b[k], 0) / d);
      expect(Math.abs(k0(x, y2))).toBeLessThan(1e-15);
      const q1 = k0(x, x);
      const q2 = k0(y2, y2);
      const want = {
        relu: sb2 + (sw2 * Math.sqrt(q1 * q2)) / (2 * Math.PI),
        step: sb2 + sw2 / 4,
        erf: sb2,
      };
      for (const act of ACTS) {
        const K = kernelMatrix(fcn(d, [3], act, bias), X, 2);
        expect(K[1]).toBeCloseTo(want[act], 14);
      }
    }
  });

  it('antipodal points without bias: relu K = 0 (θ = π), step K = 0, erf K = −K₁₁', () => {
    const X = Float64Array.from([1, -2, 0.5, -1, 2, -0.5]);
    expect(kernelMatrix(fcn(3, [4], 'relu', false), X, 2)[1]).toBe(0);
    expect(kernelMatrix(fcn(3, [4], 'step', false), X, 2)[1]).toBe(0);
    const K = kernelMatrix(fcn(3, [4], 'erf', false), X, 2);
    expect(K[1]).toBeCloseTo(-K[0], 15);
  });

  it('perceptron: NNGP = NTK = σ_b² + σ_w² x·x′/d; step NTK = its NNGP (φ′ = 0 a.e.)', () => {
    const X = normals(3 * 5, 'perceptron');
    const spec = fcn(5, [], 'relu');
    const K = kernelMatrix(spec, X, 3);
    const T = kernelMatrix(spec, X, 3, undefined, undefined, { kind: 'ntk' });
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += X[i * 5 + k] * X[j * 5 + k];
        expect(K[i * 3 + j]).toBeCloseTo(0.36 + 1.96 * (s / 5), 14);
      }
    }
    expect(Array.from(T)).toEqual(Array.from(K));
    const st = fcn(5, [7, 7], 'step');
    expect(Array.from(kernelMatrix(st, X, 3, undefined, undefined, { kind: 'ntk' }))).toEqual(
      Array.from(kernelMatrix(st, X, 3)),
    );
  });

  it('a zero input without bias gives finite zeros (relu, step) and no NaN anywhere', () => {
    const X = Float64Array.from([0, 0, 0, 1, 2, 3]);
    for (const act of ACTS) {
      for (const kind of ['nngp', 'ntk'] as const) {
        const K = kernelMatrix(fcn(3, [4, 4], act, false), X, 2, undefined, undefined, { kind });
        expect(K.every(Number.isFinite)).toBe(true);
        if (act !== 'erf') expect(K[0]).toBe(0);
      }
    }
  });
});

/** The specs exercised for structure (symmetry, repeats, PSD). */
function structureSpecs(): { name: string; spec: ArchSpec }[] {
  const out: { name: string; spec: ArchSpec }[] = [];
  for (const act of ACTS) {
    out.push({ name: `fcn 3-layer ${act}`, spec: fcn(12, [8, 8, 8], act) });
    out.push({ name: `fcn 2-layer ${act} no bias`, spec: fcn(12, [8, 8], act, false) });
    out.push({
      name: `cnn flatten ${act}`,
      spec: cnn(
        [2, 3, 2],
        [
          [4, 2, 1, 'SAME'],
          [4, 2, 2, 'VALID'],
        ],
        'flatten',
        [5],
        act,
      ),
    });
    out.push({
      name: `cnn gap ${act}`,
      spec: cnn(
        [2, 3, 2],
        [
          [4, 3, 2, 'SAME'],
          [4, 2, 1, 'SAME'],
        ],
        'gap',
        [],
        act,
        false,
      ),
    });
  }
  return out;
}

describe('kernelMatrix: structure', () => {
  const n = 30;
  const X = normals(n * 12, 'structure');
  // Repeat rows: 5 ← 2, 17 ← 2, 29 ← 11.
  for (const [to, from] of [
    [5, 2],
    [17, 2],
    [29, 11],
  ]) {
    X.copyWithin(to * 12, from * 12, from * 12 + 12);
  }

  for (const { name, spec } of structureSpecs()) {
    for (const kind of ['nngp', 'ntk'] as const) {
      it(`${name} ${kind}: exactly symmetric, repeated inputs give exactly repeated rows, PSD, finite`, () => {
        const K = kernelMatrix(spec, X, n, undefined, undefined, { kind });
        expect(K.every(Number.isFinite)).toBe(true);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(K[i * n + j]).toBe(K[j * n + i]);
        for (const [a, b] of [
          [5, 2],
          [17, 2],
          [29, 11],
        ]) {
          for (let j = 0; j < n; j++) expect(K[a * n + j]).toBe(K[b * n + j]);
          expect(K[a * n + b]).toBe(K[b * n + b]); // K₁₂ = K₁₁ exactly for equal points
        }
        // The cross kernel of X with itself is the same matrix, bit for bit.
        expect(Array.from(kernelMatrix(spec, X, n, X, n, { kind }))).toEqual(Array.from(K));
        const ev = eigenvalues(K, n);
        const min = Math.min(...ev);
        const max = Math.max(...ev);
        expect(min).toBeGreaterThanOrEqual(-1e-10);
        // Exactly singular (three repeated rows): the three smallest eigenvalues are rounding-size.
        const sorted = [...ev].sort((a, b) => a - b);
        expect(Math.abs(sorted[2])).toBeLessThan(1e-12 * max);
      });
    }
  }

  it('cross blocks agree with the corresponding block of the joint kernel', () => {
    for (const { spec } of structureSpecs()) {
      const K = kernelMatrix(spec, X, n);
      const A = X.subarray(0, 10 * 12);
      const B = X.subarray(10 * 12);
      const C = kernelMatrix(spec, A, 10, B, 20);
      for (let i = 0; i < 10; i++) for (let j = 0; j < 20; j++) expect(C[i * 20 + j]).toBe(K[i * n + 10 + j]);
    }
  });
});

describe('CNN-GP identities', () => {
  it('a VALID conv covering the whole image is a dense layer: CNN = FCN (nngp and ntk)', () => {
    const X = normals(5 * 3 * 4 * 2, 'cnn-fcn');
    for (const act of ACTS) {
      for (const bias of [true, false]) {
        const c = validateSpec({
          kind: 'cnn',
          inputShape: [3, 4, 2],
          convs: [{ channels: 9, kernel: [3, 4], stride: [1, 1], padding: 'VALID' }],
          pooling: 'flatten',
          hidden: [6],
          activation: act,
          sigmaW: 1.3,
          sigmaB: bias ? 0.4 : 0,
          bias,
        }) as CnnSpec;
        const f = fcn(24, [9, 6], act, bias, 1.3, 0.4);
        for (const kind of ['nngp', 'ntk'] as const) {
          const Kc = kernelMatrix(c, X, 5, undefined, undefined, { kind });
          const Kf = kernelMatrix(f, X, 5, undefined, undefined, { kind });
          expect(relFrob(Kc, Kf)).toBeLessThan(1e-14);
          // gap over a 1×1 output is the same as flatten
          const Kg = kernelMatrix({ ...c, pooling: 'gap' }, X, 5, undefined, undefined, { kind });
          expect(relFrob(Kg, Kf)).toBeLessThan(1e-14);
        }
      }
    }
  });

  it('a 1×1 conv stack on 1×1 images is an FCN', () => {
    const X = normals(4 * 3, '1x1');
    const c = cnn(
      [1, 1, 3],
      [
        [5, 1, 1, 'SAME'],
        [5, 1, 1, 'VALID'],
      ],
      'gap',
      [7],
      'erf',
    );
    const f = fcn(3, [5, 5, 7], 'erf', true, 1.3, 0.4);
    for (const kind of ['nngp', 'ntk'] as const) {
      expect(
        relFrob(
          kernelMatrix(c, X, 4, undefined, undefined, { kind }),
          kernelMatrix(f, X, 4, undefined, undefined, { kind }),
        ),
      ).toBeLessThan(1e-14);
    }
  });

  it('SAME padding counts padded positions as zeros in the window mean (hand-computed 1×2 image)', () => {
    // 1×2×1 image, 1×3 SAME conv, no bias, relu, flatten: both outputs see (pad, x0, x1) or (x0, x1, pad),
    // so A_p = σ_w²(x0x0' + x1x1')/3 at both positions and K = σ_w²·E_relu(A) (mean over 2 positions).
    const spec = validateSpec({
      kind: 'cnn',
      inputShape: [1, 2, 1],
      convs: [{ channels: 3, kernel: [1, 3], stride: [1, 1], padding: 'SAME' }],
      pooling: 'flatten',
      hidden: [],
      activation: 'relu',
      sigmaW: 1.5,
      sigmaB: 0,
      bias: false,
    });
    const X = Float64Array.from([1, 2, -0.5, 3]);
    const K = kernelMatrix(spec, X, 2);
    const sw2 = 2.25;
    const a11 = (sw2 * 5) / 3;
    const a22 = (sw2 * 9.25) / 3;
    const a12 = (sw2 * 5.5) / 3;
    const th = Math.acos(a12 / Math.sqrt(a11 * a22));
    const e12 = (Math.sqrt(a11 * a22) * (Math.sin(th) + (Math.PI - th) * Math.cos(th))) / (2 * Math.PI);
    expect(K[0]).toBeCloseTo(sw2 * (a11 / 2), 14);
    expect(K[1]).toBeCloseTo(sw2 * e12, 14);
  });
});

describe('fast FCN kernel dispatch', () => {
  it.skipIf(!fastFcnKernelAvailable())('fast FCN kernel agrees with the reference loop to 1e-12 (nngp, ntk)', () => {
    const n1 = 130;
    const n2 = 110;
    const d = 9;
    expect(n1 * n2).toBeGreaterThan(FAST_MIN_ENTRIES);
    const X1 = normals(n1 * d, 'fast1');
    const X2 = normals(n2 * d, 'fast2');
    for (const act of ACTS) {
      for (const hidden of [[], [10], [10, 10, 10]]) {
        for (const bias of [true, false]) {
          const spec = fcn(d, hidden, act, bias);
          for (const kind of ['nngp', 'ntk'] as const) {
            for (const [A, a, B, b] of [
              [X1, n1, undefined, undefined],
              [X1, n1, X2, n2],
            ] as const) {
              const fast = kernelMatrix(spec, A, a, B, b, { kind });
              const ref = kernelMatrix(spec, A, a, B, b, { kind, impl: 'reference' });
              let maxAbs = 0;
              let maxDiff = 0;
              for (let k = 0; k < ref.length; k++) {
                maxAbs = Math.max(maxAbs, Math.abs(ref[k]));
                maxDiff = Math.max(maxDiff, Math.abs(fast[k] - ref[k]));
              }
              expect(fast.every(Number.isFinite)).toBe(true);
              expect(maxDiff).toBeLessThanOrEqual(1e-12 * maxAbs);
            }
          }
        }
      }
    }
  });
});

describe('kernelMatrix: errors', () => {
  const X = normals(2 * 3, 'err');
  it('names the problem', () => {
    expect(() => kernelMatrix(fcn(3, [4], 'tanh'), X, 2)).toThrow(/tanh.*Monte-Carlo.*monteCarloKernel/s);
    expect(() => kernelMatrix(fcn(3, [4], 'relu'), X, 3)).toThrow(/X1: 3 inputs of dimension 3 need 9/);
    expect(() => kernelMatrix(fcn(3, [4], 'relu'), Float64Array.from([1, 2, Number.NaN]), 1)).toThrow(
      /input 0, feature 2 is NaN/,
    );
    expect(() => kernelMatrix(fcn(3, [4], 'relu'), X, 2, undefined, 2)).toThrow(/n2 given without X2/);
    expect(() => kernelMatrix(fcn(3, [4], 'relu'), X, 2, X)).toThrow(/X2 given without n2/);
    expect(() => kernelMatrix(fcn(3, [4], 'relu'), X, 2, undefined, undefined, { kind: 'x' as 'ntk' })).toThrow(/kind/);
  });
});
