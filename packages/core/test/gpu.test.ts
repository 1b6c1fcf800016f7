/**
 * The gpu.js backend. This machine has no GPU, so the programs run in gpu.js's
 * CPU mode (the same generated program sources as on the GPU, float32 outputs)
 * and are checked against the float64 reference; the real-GPU constructor
 * must reject with a message naming what it tried.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { forwardReference } from '../src/arch/forward.js';
import { paramLayout, paramScales } from '../src/arch/params.js';
import type { Activation, FcnSpec } from '../src/arch/spec.js';
import { createGpuBackend } from '../src/backend/gpu.js';
import { priorParams } from '../src/backend/index.js';
import { Rng } from '../src/rng/index.js';

function fcn(inputDim: number, hidden: number[], activation: Activation, sigmaB = 0): FcnSpec {
  return { kind: 'fcn', inputDim, hidden, activation, sigmaW: 1.5, sigmaB, bias: sigmaB !== 0 };
}

/** Prior parameters made here (θ = scale ⊙ z), independent of the backend's sampler. */
function params(spec: FcnSpec, nets: number, seed: number): Float64Array {
  const layout = paramLayout(spec);
  const scale = paramScales(layout);
  const rng = new Rng(seed, 'gpu-test');
  const p = new Float64Array(nets * layout.size);
  for (let k = 0; k < p.length; k++) p[k] = scale[k % layout.size] * rng.normal();
  return p;
}

function inputs(m: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed, 'gpu-test-x');
  const x = new Float64Array(m * d);
  for (let k = 0; k < x.length; k++) x[k] = 2 * rng.uniform() - 1;
  return x;
}

/** The 2^d Boolean cube in ±1, input i has bit k of i as coordinate k. */
function cube(d: number): Float64Array {
  const m = 2 ** d;
  const x = new Float64Array(m * d);
  for (let i = 0; i < m; i++) for (let k = 0; k < d; k++) x[i * d + k] = (i >> k) & 1 ? 1 : -1;
  return x;
}

/** max |a − b| / max |b| per net (outputs are O(1); relative to the net's scale). */
function maxRelErr(a: Float64Array, b: Float64Array, nets: number, m: number): number {
  let worst = 0;
  for (let n = 0; n < nets; n++) {
    let scale = 0;
    let err = 0;
    for (let i = 0; i < m; i++) {
      scale = Math.max(scale, Math.abs(b[n * m + i]));
      err = Math.max(err, Math.abs(a[n * m + i] - b[n * m + i]));
    }
    worst = Math.max(worst, err / Math.max(scale, 1e-30));
  }
  return worst;
}

/** Check packed bits against reference pre-activations; flips allowed only near zero. */
function checkBits(words: Uint32Array, ref: Float64Array, nets: number, m: number, tol: number): number {
  const wpn = Math.ceil(m / 32);
  let flips = 0;
  for (let n = 0; n < nets; n++) {
    let scale = 0;
    for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(ref[n * m + i]));
    for (let i = 0; i < m; i++) {
      const bit = (words[n * wpn + (i >>> 5)] >>> (i & 31)) & 1;
      const want = ref[n * m + i] > 0 ? 1 : 0;
      if (bit !== want) {
        flips++;
        expect(Math.abs(ref[n * m + i])).toBeLessThan(tol * scale);
      }
    }
    // padding bits past m are zero
    if (m % 32 !== 0) expect(words[n * wpn + wpn - 1] >>> (m % 32)).toBe(0);
  }
  return flips;
}

describe('gpu backend (gpu.js cpu mode stand-in)', () => {
  it('loads gpu.js (a missing gpu.js is a failure, not a skip)', () => {
    const gjs = createRequire(import.meta.url)('gpu.js') as { GPU: unknown };
    expect(typeof gjs.GPU).toBe('function');
  });

  it('reports its info and rejects f64 and non-FCN specs', async () => {
    await expect(createGpuBackend({ mode: 'cpu', precision: 'f64' })).rejects.toThrow(/f64.*float32/);
    const be = await createGpuBackend({ mode: 'cpu' });
    try {
      expect(be.info).toEqual({
        name: 'gpu',
        precision: 'f32',
        threads: 1,
        detail: 'gpu.js cpu (CPU stand-in, not a GPU)',
      });
      expect(be.supports(fcn(7, [40, 40], 'relu'))).toBe(true);
      const cnn = {
        kind: 'cnn',
        inputShape: [8, 8, 1],
        convs: [{ channels: 2, kernel: [3, 3], stride: [1, 1], padding: 'VALID' }],
        pooling: 'gap',
        hidden: [],
        activation: 'relu',
        sigmaW: 1,
        sigmaB: 0,
        bias: false,
      } as const;
      expect(be.supports(cnn as never)).toBe(false);
      await expect(be.forward(cnn as never, new Float64Array(100), 1, new Float64Array(64), 1)).rejects.toThrow(
        /only fully connected/,
      );
      await expect(be.forward(fcn(3, [4], 'relu'), new Float64Array(3), 1, new Float64Array(6), 2)).rejects.toThrow(
        /1 nets need 16 parameters, got 3/,
      );
    } finally {
      await be.close();
    }
  });

  const cases: [string, FcnSpec, number, number][] = [
    ['relu 7→40→40→1, bias', fcn(7, [40, 40], 'relu', 1), 6, 128],
    ['erf 5→16→8→1, bias', fcn(5, [16, 8], 'erf', 0.5), 5, 37],
    ['tanh 4→12→1, no bias', fcn(4, [12], 'tanh'), 4, 20],
    ['step 6→10→10→1, bias', fcn(6, [10, 10], 'step', 1), 5, 33],
    ['perceptron 9→1, bias', fcn(9, [], 'relu', 1), 7, 50],
  ];
  for (const [name, spec, nets, m] of cases) {
    for (const tile of [4, 1] as const) {
      it(`forward matches the float64 reference: ${name}, tile ${tile}`, async () => {
        // maxBatch 2 forces several batches and a zero-padded last one
        const be = await createGpuBackend({ mode: 'cpu', maxBatch: 2, tile });
        try {
          const p = params(spec, nets, 11);
          const x = m === 128 ? cube(7) : inputs(m, spec.inputDim, 12);
          const ref = forwardReference(spec, p, nets, x, m);
          const out = await be.forward(spec, p, nets, x, m);
          expect(out).toBeInstanceOf(Float64Array);
          expect(out.length).toBe(nets * m);
          expect(maxRelErr(out, ref, nets, m)).toBeLessThan(1e-5);
          expect(be.stats).toMatchObject({ nets, batchNets: 2, batches: Math.ceil(nets / 2) });
          const words = await be.functionBits(spec, p, nets, x, m);
          expect(checkBits(words, ref, nets, m, 1e-5)).toBeLessThanOrEqual(1);
        } finally {
          await be.close();
        }
      });
    }
  }

  it('packs sign bits like priorFunctions (words per net, bit i&31 of word i>>>5)', async () => {
    const be = await createGpuBackend({ mode: 'cpu', maxBatch: 3 });
    try {
      for (const [spec, nets, m] of [
        [fcn(7, [40, 40], 'relu', 1), 7, 128],
        [fcn(5, [9], 'erf', 0.3), 4, 45],
        [fcn(3, [], 'tanh', 1), 3, 8],
        [fcn(6, [10, 10], 'step', 1), 4, 64],
      ] as [FcnSpec, number, number][]) {
        const p = params(spec, nets, 5);
        const x = m === 128 ? cube(7) : inputs(m, spec.inputDim, 6);
        const ref = forwardReference(spec, p, nets, x, m);
        const words = await be.functionBits(spec, p, nets, x, m);
        expect(words.length).toBe(nets * Math.ceil(m / 32));
        const flips = checkBits(words, ref, nets, m, 1e-5);
        expect(flips).toBeLessThanOrEqual(1);
      }
    } finally {
      await be.close();
    }
  });

  it('takes float32 parameters as they are', async () => {
    const spec = fcn(7, [20], 'relu', 1);
    const p64 = params(spec, 3, 2);
    const be = await createGpuBackend({ mode: 'cpu' });
    try {
      const x = cube(7);
      const a = await be.forward(spec, Float32Array.from(p64) as unknown as Float64Array, 3, x, 128);
      const b = await be.forward(spec, p64, 3, x, 128);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(be.stats?.batches).toBe(1);
    } finally {
      await be.close();
    }
  });

  it('priorFunctions evaluates the canonical prior sampler’s nets', async () => {
    const spec = fcn(7, [16, 16], 'relu', 1);
    const m = 128;
    const x = cube(7);
    const be = await createGpuBackend({ mode: 'cpu', maxBatch: 4 });
    try {
      const job = { spec, inputs: x, m, seed: 3, first: 5, count: 10 };
      const words = await be.priorFunctions(job);
      const p = priorParams(spec, 3, 5, 10);
      const ref = forwardReference(spec, p, 10, x, m);
      expect(words.length).toBe(10 * 4);
      expect(checkBits(words, ref, 10, m, 1e-5)).toBeLessThanOrEqual(1);
      // the same nets in other batches give the same bits
      const tail = await be.priorFunctions({ ...job, first: 9, count: 6 });
      expect(Array.from(tail)).toEqual(Array.from(words.subarray(4 * 4)));
    } finally {
      await be.close();
    }
  });

  it('times its programs alone (programTime, for benchmarks)', async () => {
    const be = await createGpuBackend({ mode: 'cpu' });
    try {
      const t = await be.programTime(fcn(5, [8, 8], 'erf', 1), 20, 3, 2);
      expect(t.batchNets).toBe(3);
      expect(t.ms).toBeGreaterThan(0);
      expect(t.netsPerSec).toBeCloseTo((2 * 3) / (t.ms / 1000), 6);
      expect(be.batchSize(fcn(784, [128, 128], 'relu'), 1000, 1e9)).toBe(Math.floor(2 ** 28 / (4 * 128 * 1008)));
    } finally {
      await be.close();
    }
  });

  it('without a mode, rejects when there is no GPU, naming what it tried', async () => {
    let message = '';
    try {
      const be = await createGpuBackend();
      // a machine with a real GPU: it must then be a hardware webgpu/GL adapter
      expect(be.info.detail).toMatch(/^gpu\.js (webgpu|headlessgl) /);
      expect(be.info.detail).not.toMatch(/software|cpu/i);
      await be.close();
      return;
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^gpu backend: no GPU: /);
    expect(message).toMatch(/gpu\.js webgpu: /);
    expect(message).toMatch(/headless-gl: /);
    // the explicit webgpu mode does not look for GL, and never runs on the CPU either
    await expect(createGpuBackend({ mode: 'webgpu' })).rejects.toThrow(/^gpu backend: no webgpu: gpu\.js webgpu: /);
  });
});
