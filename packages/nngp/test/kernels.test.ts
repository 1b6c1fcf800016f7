/**
 * The analytic kernels: closed forms against independent quadrature, exact
 * values on special inputs, exact symmetry and repeated rows, positive
 * semi-definiteness (ml-matrix EVD), CNN/FCN identities, the fast FCN path
 * against the reference loop, and the NTK against the empirical NTK of finite
 * nets (hand-written backprop, checked by finite differences).
 * The Monte-Carlo comparisons of the NNGP are in kernels-mc.test.ts.
 */
import {
  type Activation,
  type ArchSpec,
  type CnnSpec,
  cnnShapes,
  convPadBefore,
  erf,
  type FcnSpec,
  forwardReference,
  type ParamTensor,
  paramLayout,
  paramScales,
  priorParams,
  Rng,
  validateSpec,
} from '@fsbayes/core';
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

const ACTS: ClosedFormActivation[] = ['relu', 'step', 'erf'];

function fcn(
  inputDim: number,
  hidden: number[],
  activation: Activation,
  bias = true,
  sigmaW = 1.4,
  sigmaB = 0.6,
): FcnSpec {
  return validateSpec({
    kind: 'fcn',
    inputDim,
    hidden,
    activation,
    sigmaW,
    sigmaB: bias ? sigmaB : 0,
    bias,
  }) as FcnSpec;
}

function cnn(
  inputShape: [number, number, number],
  convs: [number, number, number, 'SAME' | 'VALID'][],
  pooling: 'flatten' | 'gap',
  hidden: number[],
  activation: Activation = 'relu',
  bias = true,
): CnnSpec {
  return validateSpec({
    kind: 'cnn',
    inputShape,
    convs: convs.map(([channels, k, s, padding]) => ({ channels, kernel: [k, k], stride: [s, s], padding })),
    pooling,
    hidden,
    activation,
    sigmaW: 1.3,
    sigmaB: bias ? 0.4 : 0,
    bias,
  }) as CnnSpec;
}

function normals(n: number, seed: string): Float64Array {
  const r = new Rng(5, 'kernels-test', seed);
  return Float64Array.from({ length: n }, () => r.normal());
}

function relFrob(got: Float64Array, want: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < want.length; k++) {
    num += (got[k] - want[k]) ** 2;
    den += want[k] ** 2;
  }
  return Math.sqrt(num / den);
}

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

// ───────────── NTK against the empirical NTK of finite nets ─────────────

function dphiOf(a: Activation): (x: number) => number {
  switch (a) {
    case 'relu':
      return (x) => (x > 0 ? 1 : 0);
    case 'step':
      return () => 0;
    case 'erf':
      return (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
    case 'tanh':
      return (x) => 1 - Math.tanh(x) ** 2;
  }
}

function phiOf(a: Activation): (x: number) => number {
  switch (a) {
    case 'relu':
      return (x) => Math.max(x, 0);
    case 'step':
      return (x) => (x > 0 ? 1 : 0);
    case 'erf':
      return erf;
    case 'tanh':
      return Math.tanh;
  }
}

/**
 * Hand-written backprop: f(x) and ∂f/∂θ (layout order) of net `net` of
 * `theta` at input row `i` of X. Independent of src/ (its own forward pass).
 */
function gradient(
  spec: ArchSpec,
  theta: Float64Array,
  net: number,
  X: Float64Array,
  i: number,
  denseGradients = true,
): { f: number; g: Float64Array; dense: DenseFactors[] } {
  const layout = paramLayout(spec);
  const P = layout.size;
  const base = net * P;
  const g = new Float64Array(P);
  const phi = phiOf(spec.activation);
  const dphi = dphiOf(spec.activation);
  const T = layout.tensors;
  let t = 0;
  // Conv stack.
  const convPre: Float64Array[] = [];
  const convAct: Float64Array[] = [];
  let z: Float64Array;
  if (spec.kind === 'fcn') {
    z = X.slice(i * spec.inputDim, (i + 1) * spec.inputDim);
  } else {
    const shapes = cnnShapes(spec);
    const d0 = shapes[0][0] * shapes[0][1] * shapes[0][2];
    convAct.push(X.slice(i * d0, (i + 1) * d0));
    spec.convs.forEach((c, l) => {
      const [H, W, C] = shapes[l];
      const [OH, OW, OC] = shapes[l + 1];
      const ph = convPadBefore(H, c.kernel[0], c.stride[0], c.padding);
      const pw = convPadBefore(W, c.kernel[1], c.stride[1], c.padding);
      const Wt = T[t++];
      const Bt = spec.bias ? T[t++] : null;
      const src = convAct[l];
      const pre = new Float64Array(OH * OW * OC);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let oc = 0; oc < OC; oc++) {
            let s = Bt ? theta[base + Bt.offset + oc] : 0;
            for (let ky = 0; ky < c.kernel[0]; ky++)
              for (let kx = 0; kx < c.kernel[1]; kx++) {
                const y = oy * c.stride[0] - ph + ky;
                const x = ox * c.stride[1] - pw + kx;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                for (let ic = 0; ic < C; ic++)
                  s +=
                    theta[base + Wt.offset + ((oc * c.kernel[0] + ky) * c.kernel[1] + kx) * C + ic] *
                    src[(y * W + x) * C + ic];
              }
            pre[(oy * OW + ox) * OC + oc] = s;
          }
      convPre.push(pre);
      convAct.push(pre.map(phi));
    });
    const [h, w, ch] = shapes[shapes.length - 1];
    const last = convAct[convAct.length - 1];
    if (spec.pooling === 'gap') {
      z = new Float64Array(ch);
      for (let p = 0; p < h * w; p++) for (let c = 0; c < ch; c++) z[c] += last[p * ch + c] / (h * w);
    } else {
      z = last.slice();
    }
  }
  // Dense layers.
  const acts: Float64Array[] = [z];
  const pres: Float64Array[] = [];
  const dense = [...spec.hidden, 1];
  const denseT: { W: (typeof T)[number]; B: (typeof T)[number] | null }[] = [];
  for (let l = 0; l < dense.length; l++) {
    const W = T[t++];
    const B = spec.bias ? T[t++] : null;
    denseT.push({ W, B });
    const a = acts[l];
    const h = new Float64Array(dense[l]);
    for (let o = 0; o < dense[l]; o++) {
      let s = B ? theta[base + B.offset + o] : 0;
      for (let k = 0; k < a.length; k++) s += theta[base + W.offset + o * a.length + k] * a[k];
      h[o] = s;
    }
    pres.push(h);
    if (l < dense.length - 1) acts.push(h.map(phi));
  }
  const f = pres[pres.length - 1][0];
  // Backward through the dense layers.
  let delta = Float64Array.of(1); // ∂f/∂(pre-activation of the current layer)
  const factors: DenseFactors[] = [];
  for (let l = dense.length - 1; l >= 0; l--) {
    const { W, B } = denseT[l];
    const a = acts[l];
    factors.push({ delta, a, W, B });
    for (let o = 0; o < delta.length; o++) {
      if (denseGradients) for (let k = 0; k < a.length; k++) g[W.offset + o * a.length + k] = delta[o] * a[k];
      if (B) g[B.offset + o] = delta[o];
    }
    const da = new Float64Array(a.length);
    for (let o = 0; o < delta.length; o++)
      for (let k = 0; k < a.length; k++) da[k] += theta[base + W.offset + o * a.length + k] * delta[o];
    if (l > 0) delta = da.map((v, k) => v * dphi(pres[l - 1][k]));
    else delta = da; // ∂f/∂z (features)
  }
  if (spec.kind === 'cnn') {
    const shapes = cnnShapes(spec);
    const [h, w, ch] = shapes[shapes.length - 1];
    let dA: Float64Array;
    if (spec.pooling === 'gap') {
      dA = new Float64Array(h * w * ch);
      for (let p = 0; p < h * w; p++) for (let c = 0; c < ch; c++) dA[p * ch + c] = delta[c] / (h * w);
    } else {
      dA = delta;
    }
    let tc = spec.convs.length * (spec.bias ? 2 : 1);
    for (let l = spec.convs.length - 1; l >= 0; l--) {
      const c = spec.convs[l];
      const Bt = spec.bias ? T[--tc] : null;
      const Wt = T[--tc];
      const [H, W, C] = shapes[l];
      const [OH, OW, OC] = shapes[l + 1];
      const ph = convPadBefore(H, c.kernel[0], c.stride[0], c.padding);
      const pw = convPadBefore(W, c.kernel[1], c.stride[1], c.padding);
      const dH = dA.map((v, k) => v * dphi(convPre[l][k]));
      const src = convAct[l];
      const dSrc = new Float64Array(H * W * C);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let oc = 0; oc < OC; oc++) {
            const dh = dH[(oy * OW + ox) * OC + oc];
            if (Bt) g[Bt.offset + oc] += dh;
            for (let ky = 0; ky < c.kernel[0]; ky++)
              for (let kx = 0; kx < c.kernel[1]; kx++) {
                const y = oy * c.stride[0] - ph + ky;
                const x = ox * c.stride[1] - pw + kx;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                for (let ic = 0; ic < C; ic++) {
                  const wk = Wt.offset + ((oc * c.kernel[0] + ky) * c.kernel[1] + kx) * C + ic;
                  g[wk] += dh * src[(y * W + x) * C + ic];
                  dSrc[(y * W + x) * C + ic] += theta[base + wk] * dh;
                }
              }
          }
      dA = dSrc;
    }
  }
  return { f, g, dense: factors };
}

/** One dense layer's backprop factors: ∂f/∂W = δ aᵀ, ∂f/∂b = δ. */
interface DenseFactors {
  delta: Float64Array;
  a: Float64Array;
  W: ParamTensor;
  B: ParamTensor | null;
}

const dotv = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
};

/**
 * Mean over `nets` nets of Σ_k w_k ∂f/∂θ_k(x_i) ∂f/∂θ_k(x_j), w = s² (NTK
 * parameterisation) or 1 (standard). `factorised`: dense weights by
 * Σ_{o,k} w δ_o δ'_o a_k a'_k = w (δ·δ')(a·a') (same sum, no 1M-long vectors;
 * tested equal to the explicit one).
 */
function empiricalNtk(
  spec: ArchSpec,
  X: Float64Array,
  n: number,
  nets: number,
  seed: number,
  opts: { standard?: boolean; factorised?: boolean } = {},
): Float64Array {
  const layout = paramLayout(spec);
  const s = paramScales(layout);
  const w = opts.standard ? s.map(() => 1) : s.map((v) => v * v);
  const fact = opts.factorised ?? true;
  // Parameters covered by the dense factors (their g entries are left 0 when factorised).
  const skip = new Uint8Array(layout.size);
  const K = new Float64Array(n * n);
  for (let t = 0; t < nets; t++) {
    const theta = priorParams(spec, seed, t, 1);
    const gr = Array.from({ length: n }, (_, i) => gradient(spec, theta, 0, X, i, !fact));
    if (fact) for (const d of gr[0].dense) skip.fill(1, d.W.offset, d.W.offset + d.W.size);
    const explicit: number[] = [];
    for (let k = 0; k < skip.length; k++) if (!skip[k]) explicit.push(k);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        let v = 0;
        const a = gr[i].g;
        const b = gr[j].g;
        for (const k of explicit) v += w[k] * a[k] * b[k];
        if (fact) {
          gr[i].dense.forEach((di, l) => {
            const dj = gr[j].dense[l];
            v += w[di.W.offset] * dotv(di.delta, dj.delta) * dotv(di.a, dj.a);
          });
        }
        K[i * n + j] += v / nets;
        if (j !== i) K[j * n + i] += v / nets;
      }
  }
  return K;
}

describe('hand-written backprop (the tool for the empirical NTK)', () => {
  it('f equals the reference forward pass; ∂f/∂θ equals central finite differences', () => {
    const Xf = normals(2 * 5, 'bp-fcn');
    const Xc = normals(2 * 4 * 4 * 2, 'bp-cnn');
    const specs: [ArchSpec, Float64Array][] = [
      [fcn(5, [6, 4], 'erf'), Xf],
      [fcn(5, [7], 'tanh', false), Xf],
      [fcn(5, [6, 5], 'relu'), Xf],
      [
        cnn(
          [4, 4, 2],
          [
            [3, 3, 2, 'SAME'],
            [3, 2, 1, 'VALID'],
          ],
          'flatten',
          [4],
          'erf',
        ),
        Xc,
      ],
      [cnn([4, 4, 2], [[3, 3, 1, 'SAME']], 'gap', [], 'tanh', false), Xc],
    ];
    for (const [spec, X] of specs) {
      const theta = priorParams(spec, 9, 0, 1);
      const P = theta.length;
      const ref = forwardReference(spec, theta, 1, X, 2);
      for (let i = 0; i < 2; i++) {
        const { f, g } = gradient(spec, theta, 0, X, i);
        expect(f).toBeCloseTo(ref[i], 12);
        const x = X.subarray(i * (X.length / 2), (i + 1) * (X.length / 2));
        const r = new Rng(1, 'fd', i);
        for (let rep = 0; rep < 25; rep++) {
          const k = r.int(P);
          const eps = 1e-5;
          const tp = theta.slice();
          const tm = theta.slice();
          tp[k] += eps;
          tm[k] -= eps;
          const fd = (forwardReference(spec, tp, 1, x, 1)[0] - forwardReference(spec, tm, 1, x, 1)[0]) / (2 * eps);
          expect(Math.abs(fd - g[k])).toBeLessThan(1e-6 * (1 + Math.abs(g[k])));
        }
      }
    }
  });
});

describe('empirical NTK', () => {
  it('factorised dense layers give the explicit Σ_k s_k² g_k g′_k (FCN, CNN + dense)', () => {
    const Xf = normals(3 * 5, 'fact-fcn');
    const Xc = normals(3 * 4 * 4 * 2, 'fact-cnn');
    const cases: [ArchSpec, Float64Array][] = [
      [fcn(5, [9, 7], 'relu'), Xf],
      [fcn(5, [6], 'erf', false), Xf],
      [cnn([4, 4, 2], [[5, 3, 2, 'SAME']], 'flatten', [6], 'erf'), Xc],
      [cnn([4, 4, 2], [[5, 2, 1, 'VALID']], 'gap', [4, 3], 'relu', false), Xc],
    ];
    for (const [spec, X] of cases) {
      const a = empiricalNtk(spec, X, 3, 2, 8, { factorised: false });
      const b = empiricalNtk(spec, X, 3, 2, 8);
      expect(relFrob(b, a)).toBeLessThan(1e-13);
    }
  });
});

describe('NTK (NTK parameterisation) against the empirical NTK of width-1024 nets', () => {
  const Xf = normals(5 * 4, 'ntk-fcn').map((v, k) => v * (0.6 + 0.3 * Math.floor(k / 4)));
  const Xc = normals(3 * 5 * 5 * 2, 'ntk-cnn');
  const cases: { name: string; spec: ArchSpec; X: Float64Array; n: number; nets: number }[] = [];
  for (const act of ['relu', 'erf'] as const) {
    for (const bias of [true, false]) {
      for (const hidden of [[1024], [1024, 1024]]) {
        cases.push({
          name: `fcn ${hidden.join(',')} ${act} ${bias ? 'bias' : 'no bias'}`,
          spec: fcn(4, hidden, act, bias),
          X: Xf,
          n: 5,
          nets: hidden.length === 1 ? 8 : 8,
        });
      }
    }
  }
  cases.push({ name: 'fcn 1024,1024 step', spec: fcn(4, [1024, 1024], 'step'), X: Xf, n: 5, nets: 3 });
  cases.push({
    name: 'cnn c1024k3s2same flatten relu',
    spec: cnn([5, 5, 2], [[1024, 3, 2, 'SAME']], 'flatten', []),
    X: Xc,
    n: 3,
    nets: 4,
  });
  cases.push({
    name: 'cnn c1024k3same gap erf',
    spec: cnn([5, 5, 2], [[1024, 3, 1, 'SAME']], 'gap', [], 'erf'),
    X: Xc,
    n: 3,
    nets: 4,
  });
  const rows: string[] = [];
  for (const c of cases) {
    it(`${c.name}: relative Frobenius error ≤ 0.05`, () => {
      const exact = kernelMatrix(c.spec, c.X, c.n, undefined, undefined, { kind: 'ntk' });
      const emp = empiricalNtk(c.spec, c.X, c.n, c.nets, 21);
      const err = relFrob(emp, exact);
      rows.push(`${c.name} | ${c.nets} nets | ${err.toFixed(4)}`);
      expect(err).toBeLessThanOrEqual(0.05);
    });
  }
  it('the standard-parameterisation tangent kernel grows ∝ width (why the NTK parameterisation)', () => {
    const X = Xf;
    const tr = (K: Float64Array) => K.reduce((s, v) => s + v, 0);
    const a = tr(empiricalNtk(fcn(4, [256], 'relu'), X, 5, 4, 3, { standard: true }));
    const b = tr(empiricalNtk(fcn(4, [1024], 'relu'), X, 5, 4, 3, { standard: true }));
    const ntkA = tr(empiricalNtk(fcn(4, [256], 'relu'), X, 5, 4, 3));
    const ntkB = tr(empiricalNtk(fcn(4, [1024], 'relu'), X, 5, 4, 3));
    rows.push(
      `SP tangent kernel sum, width 1024 / width 256: ${(b / a).toFixed(3)}; NTK-param: ${(ntkB / ntkA).toFixed(3)}`,
    );
    console.log(['NTK case | nets | rel. Frobenius error vs empirical NTK', ...rows].join('\n'));
    expect(b / a).toBeGreaterThan(3.5);
    expect(b / a).toBeLessThan(4.5);
    expect(Math.abs(ntkB / ntkA - 1)).toBeLessThan(0.05);
  });
});
