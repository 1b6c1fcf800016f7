/**
 * The fast flatten CNN kernel (`cnn.ts`: core's threaded wasm conv-map
 * engine) against the float64 reference loop (`reference.ts`, window sums in
 * one chain instead of separably): NNGP and NTK, symmetric and cross blocks,
 * SAME/VALID, strides, dense layers after the flatten, every closed-form
 * activation; bitwise independence of the thread count and sync = async;
 * repeated inputs give repeated rows; the memory refusal names the size;
 * `kernelMatrix` dispatches here. (Monte Carlo of the same specs:
 * `kernels-cnn-mc.test.ts`.)
 */
import {
  type Activation,
  type CnnSpec,
  checkMemory,
  closeLinalg,
  configureLinalg,
  convMapKernel,
  convMapKernelAsync,
  convMapNeeds,
  type MemoryLimits,
  Rng,
} from '@fsbayes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { convMapParams } from '../src/kernels/cnn.js';
import { closedForm } from '../src/kernels/dual.js';
import { kernelMatrix } from '../src/kernels/index.js';
import { cnnReference } from '../src/kernels/reference.js';
import type { KernelKind } from '../src/kernels/types.js';
import { cnn } from './helpers.js';

afterAll(async () => {
  configureLinalg({ threads: undefined, wasm: true });
  await closeLinalg();
});

function images(n: number, shape: [number, number, number], seed: number): Float64Array {
  const r = new Rng(seed, 'kernels-cnn-fast', 'images');
  const X = new Float64Array(n * shape[0] * shape[1] * shape[2]);
  for (let k = 0; k < X.length; k++) X[k] = r.normal();
  return X;
}

/** The wasm path only: a reference that throws proves the engine ran. */
const noReference = () => {
  throw new Error('the fast path fell back to the reference');
};

function fast(spec: CnnSpec, X: Float64Array, n: number, kind: KernelKind, Y?: Float64Array, m?: number) {
  const r = convMapKernel(X, n, convMapParams(spec, kind), Y, m, noReference);
  return kind === 'ntk' ? (r.ntk as Float64Array) : r.nngp;
}

function reference(spec: CnnSpec, X: Float64Array, n: number, kind: KernelKind, Y?: Float64Array, m?: number) {
  const r = { act: closedForm(spec.activation), sw2: spec.sigmaW ** 2, sb2: spec.bias ? spec.sigmaB ** 2 : 0 };
  const k = cnnReference(spec, r, { X, n }, Y ? { X: Y, n: m as number } : null, kind === 'ntk');
  return kind === 'ntk' ? (k.ntk as Float64Array) : k.nngp;
}

/** max |a − b| / max |b|. */
function relMax(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < b.length; k++) {
    num = Math.max(num, Math.abs(a[k] - b[k]));
    den = Math.max(den, Math.abs(b[k]));
  }
  return num / den;
}

const SHAPE: [number, number, number] = [12, 11, 2];
type Conv = [number, number, number, 'SAME' | 'VALID'];
const CASES: [string, Conv[], number[], Activation, boolean][] = [
  [
    'c3k3same,c2k2s2valid relu',
    [
      [3, 3, 1, 'SAME'],
      [2, 2, 2, 'VALID'],
    ],
    [],
    'relu',
    true,
  ],
  [
    'c4k3s2same,c4k2same,d5 erf nobias',
    [
      [4, 3, 2, 'SAME'],
      [4, 2, 1, 'SAME'],
    ],
    [5],
    'erf',
    false,
  ],
  [
    'c3k5same,c3k2same,c3k5valid,c3k2same,d4,d4 step',
    [
      [3, 5, 1, 'SAME'],
      [3, 2, 1, 'SAME'],
      [3, 5, 1, 'VALID'],
      [3, 2, 1, 'SAME'],
    ],
    [4, 4],
    'step',
    true,
  ],
  ['c2k4s3valid,d3 relu nobias', [[2, 4, 3, 'VALID']], [3], 'relu', false],
];

describe('fast flatten CNN kernel = the reference loop (1e-12)', () => {
  // large enough for the wasm path (a reference that throws guards it)
  const n = 25;
  const m = 9;
  const X = images(n, SHAPE, 1);
  const Y = images(m, SHAPE, 2);
  for (const [name, convs, hidden, act, bias] of CASES) {
    it(name, () => {
      const spec = cnn(SHAPE, convs, 'flatten', hidden, act, bias);
      for (const kind of ['nngp', 'ntk'] as const) {
        const sym = fast(spec, X, n, kind);
        expect(relMax(sym, reference(spec, X, n, kind))).toBeLessThan(1e-12);
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(sym[i * n + j]).toBe(sym[j * n + i]);
        const cross = fast(spec, X, n, kind, Y, m);
        expect(relMax(cross, reference(spec, X, n, kind, Y, m))).toBeLessThan(1e-12);
      }
    });
  }

  it('a repeated input gives a repeated row, its diagonal included', () => {
    const spec = cnn(SHAPE, CASES[0][1], 'flatten', [3], 'relu', true);
    const d = SHAPE[0] * SHAPE[1] * SHAPE[2];
    const Z = X.slice();
    Z.copyWithin(6 * d, 2 * d, 3 * d);
    for (const kind of ['nngp', 'ntk'] as const) {
      const K = fast(spec, Z, n, kind);
      for (let j = 0; j < n; j++) expect(K[6 * n + j]).toBe(K[2 * n + j]);
      // a cross block with the same input on both sides: the pair gives the input's own record
      const C = fast(spec, Z, n, kind, Z, n);
      for (let j = 0; j < n; j++) expect(C[j * n + j]).toBe(K[j * n + j]);
    }
  });
});

describe('threads', () => {
  it('bitwise independent of the thread count; async equals sync', async () => {
    const shape: [number, number, number] = [10, 10, 1];
    const n = 48;
    const X = images(n, shape, 3);
    const spec = cnn(
      shape,
      [
        [3, 3, 1, 'SAME'],
        [3, 2, 1, 'VALID'],
      ],
      'flatten',
      [4],
      'relu',
      true,
    );
    const p = convMapParams(spec, 'ntk');
    const runs = [1, 2, 3].map((threads) => {
      configureLinalg({ threads });
      return convMapKernel(X, n, p, undefined, undefined, noReference);
    });
    configureLinalg({ threads: undefined });
    const asyncRun = await convMapKernelAsync(X, n, p, undefined, undefined, noReference);
    for (const r of [...runs.slice(1), asyncRun]) {
      expect(Buffer.from(r.nngp.buffer).equals(Buffer.from(runs[0].nngp.buffer))).toBe(true);
      expect(
        Buffer.from((r.ntk as Float64Array).buffer).equals(Buffer.from((runs[0].ntk as Float64Array).buffer)),
      ).toBe(true);
    }
  });
});

describe('a cross block of few rows and many columns (column blocks across threads)', () => {
  it('agrees with the reference and is bitwise independent of the thread count', () => {
    const shape: [number, number, number] = [10, 10, 1];
    const spec = cnn(
      shape,
      [
        [3, 3, 1, 'SAME'],
        [3, 2, 1, 'VALID'],
      ],
      'flatten',
      [4],
      'relu',
      true,
    );
    const X = images(3, shape, 6);
    const Y = images(151, shape, 7);
    const runs = [1, 2].map((threads) => {
      configureLinalg({ threads });
      return fast(spec, X, 3, 'ntk', Y, 151);
    });
    configureLinalg({ threads: undefined });
    expect(Buffer.from(runs[1].buffer).equals(Buffer.from(runs[0].buffer))).toBe(true);
    expect(relMax(runs[0], reference(spec, X, 3, 'ntk', Y, 151))).toBeLessThan(1e-12);
  });
});

describe('kernelMatrix dispatch and memory', () => {
  it('kernelMatrix sends flatten CNN blocks to the fast kernel (same bits as cnnKernel)', () => {
    const spec = cnn(SHAPE, CASES[1][1], 'flatten', [5], 'erf', false);
    const X = images(11, SHAPE, 4);
    const K = kernelMatrix(spec, X, 11, undefined, undefined, { kind: 'ntk' });
    expect(Buffer.from(K.buffer).equals(Buffer.from(fast(spec, X, 11, 'ntk').buffer))).toBe(true);
  });

  it('states its memory: 10,000 MNIST images fit, 30,000 are refused naming the size', () => {
    const spec = cnn(
      [28, 28, 1],
      [
        [32, 5, 1, 'SAME'],
        [32, 2, 1, 'SAME'],
        [32, 5, 1, 'SAME'],
        [32, 2, 1, 'SAME'],
      ],
      'flatten',
      [],
      'relu',
    );
    const p = convMapParams(spec, 'nngp');
    const limits: MemoryLimits = { wasm32: 2 ** 32, heap: 2 ** 32, native: 64 * 2 ** 30 };
    const ok = convMapNeeds(10_000, undefined, p);
    // 800 MB of kernel plus 4 layers × 784 variances for each image
    const wasm = ok[0].bytes;
    expect(wasm).toBeGreaterThan(8e8 + 1e4 * 4 * 784 * 8);
    expect(wasm).toBeLessThan(1.2e9);
    checkMemory('ok', ok, limits);
    expect(() =>
      checkMemory('the CNN kernel of 30000 × 30000 points', convMapNeeds(30_000, undefined, p), limits),
    ).toThrow(/the CNN kernel of 30000 × 30000 points needs about .* wasm memory/);
  });

  it('kernelMatrix refuses a CNN NTK too large for wasm memory before computing, naming the size', () => {
    // 16384² entries (the most kernelMatrix returns), K and Θ: 4 GiB, plus the records
    const spec = cnn([2, 2, 1], [[4, 2, 1, 'SAME']], 'flatten', [], 'relu');
    const n = 16_384;
    const X = new Float64Array(n * 4).fill(0.5);
    expect(() => kernelMatrix(spec, X, n, undefined, undefined, { kind: 'ntk' })).toThrow(
      /the CNN kernel of 16384 × 16384 points needs about 4\.0 GiB of wasm memory \(the wasm memory \(the kernel and the NTK/,
    );
  });

  it('global average pooling at 28×28 is refused above its budget, pointing to Monte Carlo', () => {
    const spec = cnn(
      [28, 28, 1],
      [
        [8, 5, 1, 'SAME'],
        [8, 2, 1, 'SAME'],
      ],
      'gap',
      [],
      'relu',
    );
    const X = images(200, [28, 28, 1], 5);
    expect(() => kernelMatrix(spec, X, 200)).toThrow(
      /global average pooling of 200 × 200 28×28 images.*monteCarloKernel/,
    );
  });
});
