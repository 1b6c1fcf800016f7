/**
 * The fast flatten CNN kernel (core's wasm conv-map engine) against
 * Monte-Carlo nets of the same spec (`monteCarloKernel`, the canonical prior
 * streams, the `features` estimator), entry by entry within a multiple of
 * the estimate's own standard error. The fast kernel is computed on more
 * images than the nets see (so that the block is large enough for wasm; a
 * reference that throws proves it ran) and compared on the first few.
 *
 * One conv layer: E[f f'] is exactly the infinite-width kernel at any channel
 * count (given the input the pre-activations are exactly Gaussian), so the
 * tolerance is the standard error alone. Two conv layers: the first layer's
 * width biases the kernel by O(1/channels); 512 channels there, and an
 * allowance of 2% of the entry on top.
 */
import { type CnnSpec, closeLinalg, convMapKernel, Rng } from '@fsbayes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { convMapParams } from '../src/kernels/cnn.js';
import { monteCarloKernel } from '../src/kernels/montecarlo.js';
import { cnn } from './helpers.js';

afterAll(async () => {
  await closeLinalg();
});

const SHAPE: [number, number, number] = [6, 6, 2];
const D = SHAPE[0] * SHAPE[1] * SHAPE[2];
const N = 40;
const NI = 4;
const r = new Rng(3, 'kernels-cnn-mc', 'images');
const X = Float64Array.from({ length: N * D }, () => r.normal());

/** The fast kernel's first NI×NI block. */
function fastBlock(spec: CnnSpec): Float64Array {
  const K = convMapKernel(X, N, convMapParams(spec, 'nngp'), undefined, undefined, () => {
    throw new Error('the fast path fell back to the reference');
  }).nngp;
  const B = new Float64Array(NI * NI);
  for (let i = 0; i < NI; i++) for (let j = 0; j < NI; j++) B[i * NI + j] = K[i * N + j];
  return B;
}

async function check(spec: CnnSpec, draws: number, z: number, bias: number): Promise<void> {
  const want = fastBlock(spec);
  const mc = await monteCarloKernel(spec, X.subarray(0, NI * D), NI, undefined, undefined, {
    draws,
    seed: 5,
    estimator: 'features',
  });
  const se = mc.stderr as Float64Array;
  for (let k = 0; k < NI * NI; k++) {
    expect(se[k]).toBeGreaterThan(0);
    expect(Math.abs(mc.kernel[k] - want[k])).toBeLessThanOrEqual(z * se[k] + bias * Math.abs(want[k]));
  }
}

describe('fast CNN kernel vs Monte-Carlo nets (6×6×2 images)', () => {
  it('one conv (k3 SAME, 256 channels), flatten, relu: within 5 standard errors', async () => {
    await check(cnn(SHAPE, [[256, 3, 1, 'SAME']], 'flatten', []), 32, 5, 0);
  });
  it('one conv (k3 stride 2 VALID, 256 channels), flatten, erf, no bias: within 5 standard errors', async () => {
    await check(cnn(SHAPE, [[256, 3, 2, 'VALID']], 'flatten', [], 'erf', false), 32, 5, 0);
  });
  it('two convs (k3 SAME 512, k2 SAME 32), flatten, relu: within 5 standard errors + 2%', async () => {
    const spec = cnn(
      SHAPE,
      [
        [512, 3, 1, 'SAME'],
        [32, 2, 1, 'SAME'],
      ],
      'flatten',
      [],
    );
    await check(spec, 32, 5, 0.02);
  });
});
