/**
 * Kernels off the CPU: kernelMatrixAsync through a device (the core gpu
 * backend in gpu.js's CPU mode here), and what float32 kernels cost EP.
 */
import { booleanDataset, parseArch, splitBySize } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { createGpuBackend } from '../../core/src/backend/gpu.js';
import {
  fcnKernelF32Model,
  kernelDeviceOf,
  kernelMatrix,
  kernelMatrixAsync,
  logMarginalLikelihood,
} from '../src/index.js';

describe('kernelMatrixAsync on a device', () => {
  const split = splitBySize(booleanDataset({ n: 7 }), 32, 1);
  const X = split.train.inputs;
  const n = split.train.m;
  const spec = parseArch('fcn:40,40', { inputShape: [7], sigmaW: 1, sigmaB: 1 });
  const y = Int8Array.from(split.train.labels, (l) => (l ? 1 : -1));

  it('matches the float64 kernel to float32 accuracy (NNGP and NTK)', async () => {
    const gpu = await createGpuBackend({ mode: 'cpu' });
    const device = kernelDeviceOf(gpu);
    expect(device).not.toBeNull();
    for (const kind of ['nngp', 'ntk'] as const) {
      const got = await kernelMatrixAsync(spec, X, n, undefined, undefined, { kind, device });
      const want = kernelMatrix(spec, X, n, undefined, undefined, { kind });
      for (let i = 0; i < n * n; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(2e-6 * Math.abs(want[i]));
    }
    await gpu.close();
  });

  it('without a device is exactly kernelMatrix', async () => {
    const got = await kernelMatrixAsync(spec, X, n);
    expect(got).toEqual(kernelMatrix(spec, X, n));
  });

  it('float32 kernels move EP log P(S) by far less than EP’s own bias (documented: ~5e-6 nats here)', () => {
    const p = { hidden: 2, activation: 'relu' as const, sigmaW: 1, sigmaB: 1, bias: true };
    const k64 = kernelMatrix(spec, X, n);
    const k32 = fcnKernelF32Model(X, n, 7, p).nngp;
    const a = logMarginalLikelihood(k64, n, y).logPS;
    const b = logMarginalLikelihood(k32, n, y).logPS;
    expect(Math.abs(a - b)).toBeLessThan(1e-4);
    expect(a).not.toBe(b);
  });
});
