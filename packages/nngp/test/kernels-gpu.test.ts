/**
 * The FCN kernel on the GPU path (gpu.js, run here in its CPU mode on the
 * very same generated kernel source) and the float32 CPU model of it, each
 * against the float64 kernel (the wasm layer maps or the reference loop:
 * independent code).
 */
import { Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { createGpuBackend } from '../../core/src/backend/gpu.js';
import { type KernelDevice, kernelDeviceOf } from '../src/kernels/device.js';
import { type FcnKernelParams, fcnKernel } from '../src/kernels/fcn.js';
import { fcnKernelF32Model } from '../src/kernels/index.js';

/** The backend's kernel device (a gpu backend always has one). */
function deviceOf(backend: object): KernelDevice {
  const d = kernelDeviceOf(backend);
  if (!d) throw new Error('the gpu backend has no grid kernels');
  return d;
}

function points(n: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed, 'gpu-kernel-test');
  return Float64Array.from({ length: n * d }, () => 2 * rng.uniform() - 1);
}

/**
 * Largest error relative to the entry's scale √(K_ii K_jj) of the reference
 * (entries near 0 have no meaningful relative error). Square kernels only;
 * cross blocks use the largest |entry|.
 */
function maxRel(a: Float64Array, b: Float64Array): number {
  const n = Math.round(Math.sqrt(b.length));
  const square = n * n === b.length;
  const big = Math.max(...b.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const scale = square ? Math.sqrt(b[Math.floor(i / n) * (n + 1)] * b[(i % n) * (n + 1)]) : big;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  }
  return worst;
}

const cases: FcnKernelParams[] = [
  { hidden: 2, activation: 'relu', sigmaW: 1.4, sigmaB: 0.3, bias: true, ntk: true },
  { hidden: 3, activation: 'step', sigmaW: 1, sigmaB: 1, bias: true, ntk: true },
  { hidden: 1, activation: 'erf', sigmaW: 2, sigmaB: 0, bias: false, ntk: true },
  { hidden: 0, activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true, ntk: true },
];

describe('gpu fcnKernel (gpu.js CPU mode)', async () => {
  const gpu = deviceOf(await createGpuBackend({ mode: 'cpu' }));
  const n = 24;
  const d = 9;
  const X = points(n, d, 1);
  const X2 = points(5, d, 2);

  for (const p of cases) {
    it(`agrees with the float64 kernel: ${p.activation}, ${p.hidden} hidden`, async () => {
      const got = await gpu.fcnKernel(X, n, d, p);
      const want = fcnKernel(X, n, d, p);
      expect(maxRel(got.nngp, want.nngp)).toBeLessThan(2e-6);
      expect(maxRel(got.ntk as Float64Array, want.ntk as Float64Array)).toBeLessThan(2e-5);
      // the diagonal is patched with the exact float64 value
      for (let i = 0; i < n; i++) expect(got.nngp[i * n + i]).toBe(want.nngp[i * n + i]);
    });
  }

  it('computes cross kernels and splits rows into blocks that fit a buffer', async () => {
    const backend = await createGpuBackend({ mode: 'cpu', maxBufferBytes: 4 * 2 * Math.max(n, d) });
    const small = deviceOf(backend);
    const p = cases[0];
    const want = fcnKernel(X, n, d, p, X2, 5);
    const got = await small.fcnKernel(X, n, d, p, X2, 5);
    expect(maxRel(got.nngp, want.nngp)).toBeLessThan(2e-6);
    const sym = await small.fcnKernel(X, n, d, p);
    expect(maxRel(sym.nngp, fcnKernel(X, n, d, p).nngp)).toBeLessThan(2e-6);
    await backend.close();
  });

  it('a zero-variance unit is the constant 0: the all-zero input without bias has a zero row (step, relu)', async () => {
    const Z = X.slice();
    Z.fill(0, 0, d);
    for (const activation of ['step', 'relu'] as const) {
      const p: FcnKernelParams = { hidden: 3, activation, sigmaW: 1.41, sigmaB: 0, bias: false, ntk: true };
      const got = await gpu.fcnKernel(Z, n, d, p);
      const want = fcnKernel(Z, n, d, p);
      for (let j = 0; j < n; j++) {
        expect(got.nngp[j]).toBe(0);
        expect((got.ntk as Float64Array)[j]).toBe(0);
      }
      // the other entries (scale-relative, as maxRel): float32 against float64
      let worst = 0;
      for (let i = 1; i < n; i++)
        for (let j = 1; j < n; j++) {
          const scale = Math.sqrt(want.nngp[i * n + i] * want.nngp[j * n + j]);
          worst = Math.max(worst, Math.abs(got.nngp[i * n + j] - want.nngp[i * n + j]) / scale);
        }
      expect(worst).toBeLessThan(2e-6);
      const model = fcnKernelF32Model(Z, n, d, p);
      for (let j = 0; j < n; j++) expect(model.nngp[j * n]).toBe(0);
    }
  });

  it('names bad shapes', async () => {
    await expect(gpu.fcnKernel(X, n, d + 1, cases[0])).rejects.toThrow(/X must hold n×d = 24×10/);
  });
});

describe('fcnKernelF32Model', () => {
  it('is float32-accurate against float64, with an exact diagonal', () => {
    const n = 30;
    const d = 64;
    const X = points(n, d, 3);
    for (const p of cases) {
      const f32 = fcnKernelF32Model(X, n, d, p);
      const f64 = fcnKernel(X, n, d, p);
      const err = maxRel(f32.nngp, f64.nngp);
      expect(err).toBeLessThan(1e-5);
      // it really rounds: float32 arithmetic differs from float64 somewhere
      expect(err).toBeGreaterThan(1e-9);
      for (let i = 0; i < n; i++) expect(f32.nngp[i * n + i]).toBe(f64.nngp[i * n + i]);
      expect(maxRel(f32.ntk as Float64Array, f64.ntk as Float64Array)).toBeLessThan(2e-5);
    }
  });
});
