/**
 * The wasm CNN forward pass (im2col + the dense SIMD kernel) against the
 * independent float64 reference (`forwardReference`, `convLayer`): f64
 * pre-activations to 1e-12 and prior-function bits equal to the js backend's;
 * f32 within f32 rounding except where a pre-activation is tiny; parameters
 * drawn inside the module equal `priorParams` bit for bit; results
 * independent of the thread count and of how images are grouped.
 * Needs `pnpm build` (the wasm module and dist/backend/worker.js).
 */
import { describe, expect, it } from 'vitest';
import { forwardReference } from '../src/arch/forward.js';
import { type Activation, type CnnSpec, type ConvLayer, forwardMacs } from '../src/arch/spec.js';
import { autoBackendFor, JsBackend, priorParams } from '../src/backend/index.js';
import { CNN_GROUP_BYTES, cnnLayout } from '../src/backend/wasm-cnn.js';
import { instanceMemoryBytes, WasmInstance, wasmModule } from '../src/backend/wasm-module.js';
import { PRIOR_CHUNK, priorChunk } from '../src/prior/sample.js';
import { Rng } from '../src/rng/rng.js';
import { countDiffBits, relErr, useWasmBackends } from './backend-helpers.js';

function conv(channels: number, k: number | [number, number], s: number | [number, number], padding: 'SAME' | 'VALID') {
  const kernel: [number, number] = typeof k === 'number' ? [k, k] : k;
  const stride: [number, number] = typeof s === 'number' ? [s, s] : s;
  return { channels, kernel, stride, padding } satisfies ConvLayer;
}

function cnn(
  inputShape: [number, number, number],
  convs: ConvLayer[],
  pooling: 'flatten' | 'gap',
  hidden: number[],
  activation: Activation,
  bias = true,
): CnnSpec {
  return { kind: 'cnn', inputShape, convs, pooling, hidden, activation, sigmaW: 1.4, sigmaB: bias ? 0.6 : 0, bias };
}

function images(m: number, shape: [number, number, number], seed: number): Float64Array {
  const r = new Rng(seed, 'cnn-test-inputs');
  return Float64Array.from({ length: m * shape[0] * shape[1] * shape[2] }, () => 2 * r.uniform() - 1);
}

/** Specs covering the module's paths: SAME with stride (odd and even sizes), VALID, non-square kernels and strides, gap and flatten, dense tails, every activation, bias and none, several channels in. */
const CASES: { name: string; spec: CnnSpec; m: number }[] = [
  { name: 'c4k3 gap d6 relu, 9x9x1', spec: cnn([9, 9, 1], [conv(4, 3, 1, 'VALID')], 'gap', [6], 'relu'), m: 13 },
  {
    name: 'c5k3 + c6k3s2same, gap, relu (SAME with stride, odd size)',
    spec: cnn([9, 9, 2], [conv(5, 3, 1, 'VALID'), conv(6, 3, 2, 'SAME')], 'gap', [], 'relu'),
    m: 11,
  },
  {
    name: 'c3k2x3s1x2same + c5k3 flatten d7 d4 tanh, 8x10x3',
    spec: cnn([8, 10, 3], [conv(3, [2, 3], [1, 2], 'SAME'), conv(5, 3, 1, 'VALID')], 'flatten', [7, 4], 'tanh'),
    m: 9,
  },
  {
    name: 'c7k4s2same (even size, even kernel) flatten erf, no bias',
    spec: cnn([10, 10, 1], [conv(7, 4, 2, 'SAME')], 'flatten', [5], 'erf', false),
    m: 6,
  },
  {
    name: 'c6k5 + c6k2 flatten d9 step (the paper shape, small)',
    spec: cnn([12, 12, 1], [conv(6, 5, 1, 'VALID'), conv(6, 2, 1, 'VALID')], 'flatten', [9], 'step'),
    m: 7,
  },
  {
    name: 'three convs, 1x1 kernel, stride 3 VALID, gap, no bias, relu',
    spec: cnn(
      [11, 11, 2],
      [conv(4, 1, 1, 'VALID'), conv(9, 3, 3, 'VALID'), conv(5, 2, 1, 'SAME')],
      'gap',
      [3],
      'relu',
      false,
    ),
    m: 5,
  },
  {
    name: 'one image, kernel = image (1x1 output)',
    spec: cnn([5, 5, 2], [conv(3, 5, 1, 'VALID')], 'flatten', [], 'relu'),
    m: 1,
  },
];

const wasm = useWasmBackends();
const js = new JsBackend();

describe('wasm CNN forward vs the float64 reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const nets = 6;
      const X = images(c.m, c.spec.inputShape, 1);
      const theta = priorParams(c.spec, 21, 300, nets);
      const want = forwardReference(c.spec, theta, nets, X, c.m);
      expect(wasm.w64.supports(c.spec)).toBe(true);
      expect(relErr(await wasm.w64.forward(c.spec, theta, nets, X, c.m), want)).toBeLessThan(1e-12);
      const f32 = await wasm.w32.forward(c.spec, theta, nets, X, c.m);
      if (c.spec.activation === 'step') {
        // A hidden pre-activation within f32 rounding of 0 flips a step unit: allow rare outliers.
        let bad = 0;
        for (let i = 0; i < want.length; i++) if (Math.abs(f32[i] - want[i]) > 1e-5 * (Math.abs(want[i]) + 1)) bad++;
        expect(bad).toBeLessThanOrEqual(Math.ceil(0.02 * want.length));
      } else {
        expect(relErr(f32, want)).toBeLessThan(1e-5);
      }
    });
  }
});

describe('wasm CNN prior functions', () => {
  for (const c of CASES) {
    it(`${c.name}: f64 bits = js bits; f32 bits differ only rarely`, async () => {
      const X = images(c.m, c.spec.inputShape, 2);
      const job = { spec: c.spec, inputs: X, m: c.m, seed: 5, first: 250, count: 40 };
      const ref = await js.priorFunctions(job);
      expect(await wasm.w64.priorFunctions(job)).toEqual(ref);
      const f32 = await wasm.w32.priorFunctions(job);
      expect(countDiffBits(f32, ref)).toBeLessThanOrEqual(Math.ceil(0.01 * 40 * c.m));
    });
  }

  it('θ drawn inside the module equal priorParams bit for bit (across a block boundary)', () => {
    const spec = CASES[2].spec;
    const { module, variant } = wasmModule('auto');
    const k = new WasmInstance(module, variant);
    k.configure(spec, 9, 'f64');
    const got = k.priorThetas('s', 240, 30);
    const want = priorParams(spec, 's', 240, 30);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it('does not depend on the thread count (f32 and f64)', async () => {
    const c = CASES[1];
    const X = images(c.m, c.spec.inputShape, 3);
    for (const [first, count] of [
      [100, 300],
      [0, 20],
      [255, 2],
    ]) {
      const job = { spec: c.spec, inputs: X, m: c.m, seed: 'threads', first, count };
      expect(await wasm.w32.priorFunctions(job)).toEqual(await wasm.w32one.priorFunctions(job));
      expect(await wasm.w64.priorFunctions(job)).toEqual(await wasm.w64one.priorFunctions(job));
    }
  });

  it('images in several groups (a big layer) give the same functions as the reference', async () => {
    // second layer: im2col 360 rows + 8 outputs × 12·12 positions × 8 bytes > CNN_GROUP_BYTES: one image per group
    const spec = cnn([24, 24, 1], [conv(40, 3, 1, 'SAME'), conv(8, 3, 2, 'SAME')], 'gap', [4], 'relu');
    expect((360 + 8) * 144 * 8).toBeGreaterThan(CNN_GROUP_BYTES);
    const L = cnnLayout(spec, 5, 'f64', 0);
    expect([L.G, L.groups]).toEqual([1, 5]);
    const X = images(5, spec.inputShape, 4);
    const theta = priorParams(spec, 2, 0, 3);
    expect(relErr(await wasm.w64.forward(spec, theta, 3, X, 5), forwardReference(spec, theta, 3, X, 5))).toBeLessThan(
      1e-12,
    );
  });
});

describe('prior chunks are sized by work (progress on big nets)', () => {
  it('small nets: PRIOR_CHUNK; a CNN on many images: whole 256-net blocks, at least one per thread', () => {
    const small = CASES[0].spec;
    expect(priorChunk(small, 13)).toBe(PRIOR_CHUNK);
    // c16k3,c16k3s2same,gap,d64: ~0.49M multiply-adds per net and image
    const big = cnn([28, 28, 1], [conv(16, 3, 1, 'VALID'), conv(16, 3, 2, 'SAME')], 'gap', [64], 'relu');
    expect(forwardMacs(big)).toBe(26 * 26 * 16 * 9 + 13 * 13 * 16 * 144 + 16 * 64 + 64);
    // 20 images: 2^33 multiply-adds are 880 nets, 3 whole blocks; 200 images: less than a block, so one
    expect(priorChunk(big, 20)).toBe(768);
    expect(priorChunk(big, 200)).toBe(256);
    // a whole number of blocks per thread: 2 threads get 2 blocks (not 3), 4 threads get 4 (not 1)
    expect(priorChunk(big, 20, 2)).toBe(512);
    expect(priorChunk(big, 200, 4)).toBe(1024);
    expect(priorChunk(small, 13, 3)).toBe(PRIOR_CHUNK);
  });
});

describe('CNNs in the wasm backend: selection, memory, bad input', () => {
  it('auto picks wasm for CNNs; memory is estimated from the layout', () => {
    const spec = CASES[0].spec;
    expect(autoBackendFor(spec)).toBe('wasm');
    expect(instanceMemoryBytes(spec, 13, 'f64')).toBeGreaterThan(instanceMemoryBytes(spec, 13, 'f32'));
    const tooDeep = cnn(
      [9, 9, 1],
      Array.from({ length: 17 }, () => conv(1, 1, 1, 'VALID')),
      'gap',
      [],
      'relu',
    );
    expect(wasm.w32.supports(tooDeep)).toBe(false);
    expect(autoBackendFor(tooDeep)).toBe('js');
  });

  it('refuses a job whose wasm memory cannot fit, before compute', async () => {
    // 20,000 images of 64x64x3 through c64k3: the first im2col matrix alone is ~60 GB
    const spec = cnn([64, 64, 3], [conv(64, 3, 1, 'SAME')], 'gap', [], 'relu');
    const m = 20_000;
    const X = new Float64Array(m * 64 * 64 * 3);
    await expect(wasm.w32.priorFunctions({ spec, inputs: X, m, seed: 1, first: 0, count: 1 })).rejects.toThrow(
      /wasm memory per thread/,
    );
  });

  it('refuses a CNN whose f32 forward pass would overflow, before compute (f64 and the js reference run it)', async () => {
    const c = CASES[1];
    const spec = { ...c.spec, sigmaW: 1e16 };
    const X = images(c.m, spec.inputShape, 6);
    const job = { spec, inputs: X, m: c.m, seed: 1, first: 0, count: 8 };
    await expect(wasm.w32.priorFunctions(job)).rejects.toThrow(/the f32 forward pass of σ_w = 1\d+.* would overflow/);
    expect(await wasm.w64.priorFunctions(job)).toEqual(await js.priorFunctions(job));
  });

  it('rejects inputs of the wrong size', async () => {
    const c = CASES[0];
    await expect(
      wasm.w32.priorFunctions({ spec: c.spec, inputs: new Float64Array(5), m: c.m, seed: 1, first: 0, count: 2 }),
    ).rejects.toThrow(/inputs/);
  });
});
