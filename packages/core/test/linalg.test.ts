/**
 * Dense linear algebra (`src/linalg`): plain-TS and threaded-wasm paths
 * against independent references (ml-matrix, naive loops), the jitter
 * schedule, sync = async, and bitwise independence of the thread count.
 * Needs `pnpm build` (wasm/build/fsbayes-linalg-*.wasm, dist/linalg/worker.js).
 */
import { CholeskyDecomposition, LuDecomposition, Matrix } from 'ml-matrix';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskyAsync,
  closeLinalg,
  configureLinalg,
  gram,
  gramAsync,
  gramCross,
  gramCrossAsync,
  linalgInfo,
  logDetFromCholesky,
  matmul,
  matmulAsync,
  NotPositiveDefiniteError,
  solveTriangular,
  solveTriangularAsync,
} from '../src/linalg/index.js';

afterAll(async () => {
  configureLinalg({ threads: undefined });
  await closeLinalg();
});

/** Deterministic uniforms in [−0.5, 0.5). */
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

function naiveMatmul(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
      C[i * n + j] = s;
    }
  return C;
}

function transpose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** A random SPD matrix X Xᵀ + shift·I (X n×r). */
function spd(n: number, seed: number, r = n + 3, shift = 0.5): Float64Array {
  const X = rnd(n * r, seed);
  const A = naiveMatmul(X, n, r, transpose(X, n, r), n);
  for (let i = 0; i < n; i++) A[i * n + i] += shift;
  return A;
}

function maxAbs(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbsValue(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** max |L Lᵀ − A| / max |A| and whether L is lower triangular with a positive diagonal. */
function reconstruction(L: Float64Array, A: Float64Array, n: number): number {
  let err = 0;
  for (let i = 0; i < n; i++) {
    expect(L[i * n + i]).toBeGreaterThan(0);
    for (let j = i + 1; j < n; j++) expect(L[i * n + j]).toBe(0);
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += L[i * n + k] * L[j * n + k];
      err = Math.max(err, Math.abs(s - A[i * n + j]));
    }
  }
  return err / maxAbsValue(A);
}

describe('linalg setup', () => {
  it('runs large problems in wasm on the shared-memory pool', () => {
    const info = linalgInfo();
    expect(info.wasm, info.detail).toBe(true);
    expect(info.detail).toMatch(/^wasm simd/);
  });
});

describe('cholesky', () => {
  it('matches ml-matrix and reconstructs A (plain-TS and wasm sizes, edge sizes)', () => {
    for (const n of [1, 2, 5, 33, 67, 130, 261]) {
      const A = spd(n, n);
      const { L, jitter } = cholesky(A, n);
      expect(jitter).toBe(0);
      expect(reconstruction(L, A, n)).toBeLessThan(1e-14);
      const ref = new CholeskyDecomposition(
        new Matrix(Array.from({ length: n }, (_, i) => A.subarray(i * n, i * n + n))),
      ).lowerTriangularMatrix;
      let err = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(L[i * n + j] - ref.get(i, j)));
      expect(err, `n=${n}`).toBeLessThan(1e-12 * Math.sqrt(maxAbsValue(A)));
    }
  });

  it('reads only the lower triangle and leaves A untouched', () => {
    const n = 150;
    const A = spd(n, 7);
    const junk = A.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) junk[i * n + j] = 1e6 * (i - j);
    const before = junk.slice();
    expect(maxAbs(cholesky(junk, n).L, cholesky(A, n).L)).toBe(0);
    expect(maxAbs(junk, before)).toBe(0);
  });

  it('is bitwise independent of the thread count, and async equals sync', async () => {
    const n = 333;
    const A = spd(n, 11);
    const one = cholesky(A, n, { threads: 1 }).L;
    for (const threads of [2, 3]) expect(maxAbs(cholesky(A, n, { threads }).L, one)).toBe(0);
    expect(maxAbs((await choleskyAsync(A, n, { threads: 2 })).L, one)).toBe(0);
    const [a, b] = await Promise.all([choleskyAsync(A, n), choleskyAsync(spd(n, 12), n)]);
    expect(maxAbs(a.L, one)).toBe(0);
    expect(reconstruction(b.L, spd(n, 12), n)).toBeLessThan(1e-14);
  });

  it('adds jitter to a singular matrix (repeated rows) and reports it; jitter 0 names the pivot', async () => {
    for (const n of [24, 300]) {
      const r = 5;
      const X = rnd(n * r, 3);
      for (let k = 0; k < r; k++) X[(n - 1) * r + k] = X[2 * r + k]; // row n−1 repeats row 2
      const A = naiveMatmul(X, n, r, transpose(X, n, r), n); // rank 5
      const res = cholesky(A, n);
      expect(res.jitter).toBeGreaterThan(0);
      let md = 0;
      for (let i = 0; i < n; i++) md += A[i * n + i] / n;
      expect(res.jitter).toBeLessThanOrEqual(1e-2 * md * (1 + 1e-12));
      expect(res.L.every(Number.isFinite)).toBe(true);
      const Aj = A.slice();
      for (let i = 0; i < n; i++) Aj[i * n + i] += res.jitter;
      expect(reconstruction(res.L, Aj, n)).toBeLessThan(1e-13);
      expect((await choleskyAsync(A, n)).jitter).toBe(res.jitter);
      expect(() => cholesky(A, n, { jitter: 0 })).toThrow(NotPositiveDefiniteError);
      expect(() => cholesky(A, n, { jitter: 0 })).toThrow(/pivot 5 /);
      await expect(choleskyAsync(A, n, { jitter: 0 })).rejects.toThrow(/pivot 5 /);
      const forced = cholesky(A, n, { jitter: 1e-3 });
      expect(forced.jitter).toBe(1e-3);
    }
  });

  it('gives up on an indefinite matrix', () => {
    const n = 80;
    const A = spd(n, 5);
    A[10 * n + 10] = -50;
    expect(() => cholesky(A, n)).toThrow(/pivot 10 .*still failing/);
    expect(() => cholesky(A, n, { jitter: -1 })).toThrow(/jitter/);
  });

  it('log-determinant matches an LU determinant', () => {
    const n = 40;
    const A = spd(n, 9, n + 3, 2);
    const lu = new LuDecomposition(new Matrix(Array.from({ length: n }, (_, i) => A.subarray(i * n, i * n + n))));
    expect(logDetFromCholesky(cholesky(A, n).L, n)).toBeCloseTo(Math.log(lu.determinant), 10);
  });
});

describe('solveTriangular', () => {
  const n = 290;
  const A = spd(n, 21);
  const { L } = cholesky(A, n);
  const Lt = transpose(L, n, n);

  it('solves L X = B and Lᵀ X = B (1 and many right-hand sides), B untouched', async () => {
    for (const nrhs of [1, 3, 37]) {
      const B = rnd(n * nrhs, nrhs);
      const keep = B.slice();
      for (const tr of [false, true]) {
        const X = solveTriangular(L, n, B, nrhs, { transpose: tr });
        const R = naiveMatmul(tr ? Lt : L, n, n, X, nrhs);
        expect(maxAbs(R, B), `nrhs ${nrhs} transpose ${tr}`).toBeLessThan(1e-12);
        expect(maxAbs(await solveTriangularAsync(L, n, B, nrhs, { transpose: tr }), X)).toBe(0);
      }
      expect(maxAbs(B, keep)).toBe(0);
    }
  });

  it('solves A x = b through both factors; thread count independent', () => {
    const nrhs = 41;
    const B = rnd(n * nrhs, 4);
    const X = solveTriangular(L, n, solveTriangular(L, n, B, nrhs), nrhs, { transpose: true });
    expect(maxAbs(naiveMatmul(A, n, n, X, nrhs), B)).toBeLessThan(1e-10);
    const one = solveTriangular(L, n, B, nrhs, { threads: 1 });
    expect(maxAbs(solveTriangular(L, n, B, nrhs, { threads: 3 }), one)).toBe(0);
  });
});

describe('gram, gramCross, matmul', () => {
  it('match naive products over edge shapes, small and threaded', async () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 2],
      [7, 1, 9],
      [67, 33, 45],
      [130, 301, 77],
      [257, 260, 130],
      [5, 300, 3001],
    ];
    for (const [m, k, n] of shapes) {
      const A = rnd(m * k, m + k);
      const B = rnd(k * n, n + 1);
      const C = naiveMatmul(A, m, k, B, n);
      const tol = 1e-14 * k;
      expect(maxAbs(matmul(A, m, k, B, n), C), `matmul ${m}×${k}×${n}`).toBeLessThan(tol);
      expect(maxAbs(await matmulAsync(A, m, k, B, n), matmul(A, m, k, B, n))).toBe(0);
      const X2 = transpose(B, k, n); // n×k
      expect(maxAbs(gramCross(A, m, X2, n, k), C), `gramCross ${m}×${n}×${k}`).toBeLessThan(tol);
      expect(maxAbs(await gramCrossAsync(A, m, X2, n, k), gramCross(A, m, X2, n, k))).toBe(0);
      const G = gram(A, m, k);
      expect(maxAbs(G, naiveMatmul(A, m, k, transpose(A, m, k), m)), `gram ${m}×${k}`).toBeLessThan(tol);
      expect(maxAbs(G, transpose(G, m, m))).toBe(0);
      expect(maxAbs(await gramAsync(A, m, k), G)).toBe(0);
    }
  });

  it('are bitwise independent of the thread count', () => {
    const [m, k, n] = [301, 290, 283];
    const A = rnd(m * k, 5);
    const B = rnd(k * n, 6);
    const runs = [1, 2, 3].map((threads) => {
      configureLinalg({ threads });
      return [matmul(A, m, k, B, n), gram(A, m, k), gramCross(A, m, transpose(B, k, n), n, k)];
    });
    configureLinalg({ threads: undefined });
    for (const r of runs.slice(1)) for (let i = 0; i < 3; i++) expect(maxAbs(r[i], runs[0][i])).toBe(0);
  });
});
