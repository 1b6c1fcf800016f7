/**
 * Backends against the independent float64 reference (`forwardReference`):
 * wasm f64/f32 forward passes, prior-function bits of wasm vs js, thread-count
 * independence, the float32 sign-flip rate, and backend selection.
 * Needs `pnpm build` (the wasm module and dist/backend/worker.js).
 */

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { forwardReference } from '../src/arch/forward.js';
import { paramLayout } from '../src/arch/params.js';
import type { Activation, ArchSpec, CnnSpec, FcnSpec } from '../src/arch/spec.js';
import {
  autoBackendFor,
  type Backend,
  getBackend,
  JsBackend,
  listBackends,
  priorParams,
  WasmBackend,
} from '../src/backend/index.js';
import { planChunks } from '../src/backend/wasm.js';
import { fmaSupport, WasmInstance, wasmModule } from '../src/backend/wasm-module.js';
import { Rng } from '../src/rng/rng.js';
import { countDiffBits, relErr, useWasmBackends } from './backend-helpers.js';

function fcn(
  inputDim: number,
  hidden: number[],
  activation: Activation,
  bias = true,
  sigmaW = 1.3,
  sigmaB = 0.7,
): FcnSpec {
  return { kind: 'fcn', inputDim, hidden, activation, sigmaW, sigmaB, bias };
}

function booleanInputs(n: number): Float64Array {
  const m = 2 ** n;
  const x = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) x[i * n + k] = (i >> (n - 1 - k)) & 1;
  return x;
}

function randomInputs(m: number, d: number, seed: number): Float64Array {
  const r = new Rng(seed, 'test-inputs');
  return Float64Array.from({ length: m * d }, () => 2 * r.uniform() - 1);
}

function signBits(pre: Float64Array, nets: number, m: number): Uint32Array {
  const words = Math.ceil(m / 32);
  const out = new Uint32Array(nets * words);
  for (let j = 0; j < nets; j++)
    for (let i = 0; i < m; i++) if (pre[j * m + i] > 0) out[j * words + (i >>> 5)] |= 1 << (i & 31);
  return out;
}

/** Shapes exercising the wasm module's edges: odd widths, perceptron, no bias, deep, fan-in > the 256 block, m = 37. */
const CASES: { name: string; spec: FcnSpec; m: number; inputs: Float64Array }[] = [
  {
    name: '7→40→40→1 relu, Boolean inputs',
    spec: fcn(7, [40, 40], 'relu', true, 1, 1),
    m: 128,
    inputs: booleanInputs(7),
  },
  ...(['relu', 'erf', 'tanh', 'step'] as const).map((a) => ({
    name: `5→13→6→1 ${a}, m=37`,
    spec: fcn(5, [13, 6], a),
    m: 37,
    inputs: randomInputs(37, 5, 1),
  })),
  { name: 'perceptron 6→1, m=37', spec: fcn(6, [], 'relu'), m: 37, inputs: randomInputs(37, 6, 2) },
  {
    name: 'no bias 4→9→3→5→1 tanh, m=33',
    spec: fcn(4, [9, 3, 5], 'tanh', false),
    m: 33,
    inputs: randomInputs(33, 4, 3),
  },
  { name: 'no bias 3→7→1 step, m=8', spec: fcn(3, [7], 'step', false), m: 8, inputs: booleanInputs(3) },
  {
    name: 'fan-in 300 (k-blocked) 300→17→1 erf, m=21',
    spec: fcn(300, [17], 'erf'),
    m: 21,
    inputs: randomInputs(21, 300, 4),
  },
  { name: 'one input, m=1', spec: fcn(2, [5], 'relu'), m: 1, inputs: Float64Array.of(0.3, -0.8) },
];

const cnn: CnnSpec = {
  kind: 'cnn',
  inputShape: [4, 4, 1],
  convs: [{ channels: 2, kernel: [2, 2], stride: [1, 1], padding: 'VALID' }],
  pooling: 'flatten',
  hidden: [3],
  activation: 'relu',
  sigmaW: 1,
  sigmaB: 0.5,
  bias: true,
};

const wasm = useWasmBackends();
const js = new JsBackend();

describe('wasm forward vs the float64 reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const nets = 12;
      const theta = priorParams(c.spec, 11, 250, nets);
      const want = forwardReference(c.spec, theta, nets, c.inputs, c.m);
      const f64 = await wasm.w64.forward(c.spec, theta, nets, c.inputs, c.m);
      expect(relErr(f64, want)).toBeLessThan(1e-12);
      const f32 = await wasm.w32.forward(c.spec, theta, nets, c.inputs, c.m);
      if (c.spec.activation === 'step' && c.spec.hidden.length > 0) {
        // A hidden pre-activation within f32 rounding of 0 flips a step unit: allow rare outliers.
        let bad = 0;
        for (let i = 0; i < want.length; i++) if (Math.abs(f32[i] - want[i]) > 1e-5 * (Math.abs(want[i]) + 1)) bad++;
        expect(bad).toBeLessThanOrEqual(Math.ceil(0.005 * want.length));
      } else {
        expect(relErr(f32, want)).toBeLessThan(1e-5);
      }
    });
  }

  it('the reference runs wide layers in chunks of inputs (2^20 values): chunk edges change nothing (vs wasm f64)', async () => {
    // a 3000-wide hidden layer: 349 inputs per chunk, so 400 inputs are two chunks
    const spec = fcn(7, [3000], 'erf');
    const X = randomInputs(400, 7, 9);
    const theta = priorParams(spec, 4, 0, 2);
    const want = await wasm.w64.forward(spec, theta, 2, X, 400);
    expect(relErr(forwardReference(spec, theta, 2, X, 400), want)).toBeLessThan(1e-12);
  });

  it('handles zero nets and rejects bad shapes', async () => {
    const spec = fcn(3, [4], 'relu');
    expect(await wasm.w32.forward(spec, new Float64Array(0), 0, randomInputs(5, 3, 1), 5)).toHaveLength(0);
    await expect(wasm.w32.forward(spec, new Float64Array(10), 1, randomInputs(5, 3, 1), 5)).rejects.toThrow(
      /parameters/,
    );
    await expect(wasm.w32.forward(spec, priorParams(spec, 1, 0, 1), 1, new Float64Array(7), 5)).rejects.toThrow(
      /inputs/,
    );
  });
});

describe('sampling inside the wasm module is the canonical stream', () => {
  it('θ drawn by the wasm module equal priorParams bit for bit (across a block boundary)', () => {
    const spec = fcn(5, [13, 6], 'tanh');
    const { module, variant } = wasmModule('auto');
    const k = new WasmInstance(module, variant);
    k.configure(spec, 37, 'f64');
    const got = k.priorThetas('s', 240, 40);
    const want = priorParams(spec, 's', 240, 40);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
});

describe('priorFunctions: wasm vs js', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const job = { spec: c.spec, inputs: c.inputs, m: c.m, seed: 3, first: 200, count: 90 };
      const ref = await js.priorFunctions(job);
      expect(ref).toHaveLength(90 * Math.ceil(c.m / 32));
      // js bits are the signs of the reference forward pass on priorParams
      const pre = forwardReference(c.spec, priorParams(c.spec, 3, 200, 90), 90, c.inputs, c.m);
      expect(ref).toEqual(signBits(pre, 90, c.m));
      expect(await wasm.w64.priorFunctions(job)).toEqual(ref);
      const f32 = await wasm.w32.priorFunctions(job);
      expect(countDiffBits(f32, ref)).toBeLessThanOrEqual(Math.ceil(0.002 * 90 * c.m));
      // f32 sampling + evaluation = f32 evaluation of priorParams (same rounded parameters)
      const viaForward = signBits(
        await wasm.w32.forward(c.spec, priorParams(c.spec, 3, 200, 90), 90, c.inputs, c.m),
        90,
        c.m,
      );
      expect(f32).toEqual(viaForward);
    });
  }

  it('does not depend on the thread count (f32 and f64, many chunkings)', async () => {
    const c = CASES[0];
    for (const [first, count] of [
      [100, 700],
      [0, 20],
      [1000, 3],
      [255, 2],
    ]) {
      const job = { spec: c.spec, inputs: c.inputs, m: c.m, seed: 'threads', first, count };
      expect(await wasm.w32.priorFunctions(job)).toEqual(await wasm.w32one.priorFunctions(job));
      expect(await wasm.w64.priorFunctions(job)).toEqual(await wasm.w64one.priorFunctions(job));
    }
    // and a big odd-sized job
    const job = { spec: c.spec, inputs: c.inputs, m: c.m, seed: 77, first: 37, count: 1500 };
    expect(await wasm.w32.priorFunctions(job)).toEqual(await wasm.w32one.priorFunctions(job));
  });

  it('plans block-aligned chunks, cut inside blocks only for small jobs', () => {
    expect(planChunks(0, 1024, 2)).toEqual([0, 1, 2, 3].map((b) => ({ at: b * 256, n: 256 })));
    expect(planChunks(100, 300, 2)).toEqual([
      { at: 0, n: 156 },
      { at: 156, n: 144 },
    ]);
    expect(planChunks(0, 100, 2)).toEqual([
      { at: 0, n: 50 },
      { at: 50, n: 50 },
    ]);
    expect(planChunks(5, 3, 4)).toEqual([{ at: 0, n: 3 }]);
  });

  it('returns an empty array for zero nets; rejects specs beyond the module and bad jobs', async () => {
    const c = CASES[1];
    expect(
      await wasm.w32.priorFunctions({ spec: c.spec, inputs: c.inputs, m: c.m, seed: 1, first: 0, count: 0 }),
    ).toHaveLength(0);
    const deep = fcn(
      2,
      Array.from({ length: 65 }, () => 2),
      'relu',
    );
    await expect(
      wasm.w32.priorFunctions({ spec: deep, inputs: randomInputs(3, 2, 1), m: 3, seed: 1, first: 0, count: 2 }),
    ).rejects.toThrow(/fully connected nets of ≤ 64 hidden layers/);
    await expect(
      wasm.w32.priorFunctions({ spec: c.spec, inputs: c.inputs, m: c.m, seed: 1, first: -1, count: 2 }),
    ).rejects.toThrow(/first/);
    await expect(
      wasm.w32.priorFunctions({ spec: c.spec, inputs: new Float64Array(3), m: c.m, seed: 1, first: 0, count: 2 }),
    ).rejects.toThrow(/inputs/);
  });
});

describe('float32 is harmless for prior functions (measured)', () => {
  it('7→40→40→1 relu σw=σb=1 on the 128 Boolean inputs: f32 flips < 1e-4 of function bits', async () => {
    const spec = fcn(7, [40, 40], 'relu', true, 1, 1);
    const inputs = booleanInputs(7);
    const nets = 8192;
    const theta = priorParams(spec, 2024, 0, nets);
    const ref = signBits(forwardReference(spec, theta, nets, inputs, 128), nets, 128);
    const f32 = signBits(await wasm.w32.forward(spec, theta, nets, inputs, 128), nets, 128);
    const flips = countDiffBits(f32, ref);
    const fraction = flips / (nets * 128);
    const netsChanged = Array.from({ length: nets }, (_, j) =>
      [0, 1, 2, 3].some((w) => f32[j * 4 + w] !== ref[j * 4 + w]),
    ).filter(Boolean).length;
    console.log(
      `f32 vs f64 reference: ${flips} of ${nets * 128} function bits differ (${fraction.toExponential(2)}); ` +
        `${netsChanged} of ${nets} functions changed`,
    );
    expect(fraction).toBeLessThan(1e-4);
  });
});

describe('wasm builds (FMA and plain SIMD)', () => {
  it('both builds match the reference and the js bits inside pool workers', async () => {
    const variants = fmaSupport().ok ? (['simd', 'fma'] as const) : (['simd'] as const);
    for (const variant of variants) {
      const b = await WasmBackend.create({ threads: 1, precision: 'f64', variant });
      expect(b.variant).toBe(variant);
      expect(b.info.detail).toBe(`wasm ${variant === 'fma' ? 'simd+fma' : 'simd'} f64, 1 thread`);
      for (const c of [CASES[0], CASES[3]]) {
        const theta = priorParams(c.spec, 5, 0, 6);
        expect(
          relErr(await b.forward(c.spec, theta, 6, c.inputs, c.m), forwardReference(c.spec, theta, 6, c.inputs, c.m)),
        ).toBeLessThan(1e-12);
        const job = { spec: c.spec, inputs: c.inputs, m: c.m, seed: 8, first: 0, count: 40 };
        expect(await b.priorFunctions(job)).toEqual(await js.priorFunctions(job));
      }
      await b.close();
    }
  });

  it('a fresh worker thread enables relaxed SIMD by itself (V8 flag set at runtime)', async () => {
    const url = new URL('../dist/backend/wasm-module.js', import.meta.url).href;
    const code = `import(${JSON.stringify(url)}).then((k) => {
      require('node:worker_threads').parentPort.postMessage({ variant: k.wasmModule('auto').variant });
    });`;
    const w = new Worker(code, { eval: true });
    const msg = await new Promise<{ variant: string }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(msg.variant).toBe(wasmModule('auto').variant);
  });
});

describe('CNNs and backend selection', () => {
  it('js runs CNNs (bits = signs of the reference); so does wasm (cnn-wasm.test.ts)', async () => {
    const inputs = randomInputs(5, 16, 9);
    const bits = await js.priorFunctions({ spec: cnn, inputs, m: 5, seed: 4, first: 10, count: 7 });
    const pre = forwardReference(cnn, priorParams(cnn, 4, 10, 7), 7, inputs, 5);
    expect(bits).toEqual(signBits(pre, 7, 5));
    expect(js.supports(cnn)).toBe(true);
    expect(wasm.w32.supports(cnn)).toBe(true);
    expect(wasm.w32.supports(CASES[0].spec)).toBe(true);
    expect(paramLayout(cnn).size).toBeGreaterThan(0);
  });

  it('autoBackendFor: wasm for FCN and CNN, js beyond the module', () => {
    expect(autoBackendFor(CASES[0].spec)).toBe('wasm');
    expect(autoBackendFor(cnn)).toBe('wasm');
    const deep: ArchSpec = fcn(
      2,
      Array.from({ length: 65 }, () => 2),
      'relu',
    );
    expect(autoBackendFor(deep)).toBe('js');
  });

  it('getBackend: info, auto, js, unknown names', async () => {
    expect(wasm.w32.info).toMatchObject({ name: 'wasm', precision: 'f32', threads: 2 });
    expect(wasm.w64one.info).toMatchObject({ name: 'wasm', precision: 'f64', threads: 1 });
    expect(wasm.w32.info.detail).toMatch(/^wasm simd(\+fma)? f32, 2 threads$/);
    const auto = await getBackend('auto', { threads: 1 });
    expect(auto.info.name).toBe('wasm');
    expect(auto.info.precision).toBe('f32');
    await auto.close();
    await expect(auto.priorFunctions({ ...CASES[0], seed: 1, first: 0, count: 1 })).rejects.toThrow(/closed/);
    expect((await getBackend('js')).info).toMatchObject({ name: 'js', precision: 'f64', threads: 1 });
    await expect(getBackend('nope' as 'js')).rejects.toThrow(/unknown backend/);
    await expect(WasmBackend.create({ threads: 0 })).rejects.toThrow(/threads/);
  });

  it('gpu: a backend or a clear "gpu backend unavailable" error; listBackends says which', async () => {
    let gpu: Backend | undefined;
    try {
      gpu = await getBackend('gpu');
    } catch (e) {
      expect((e as Error).message).toMatch(/^gpu backend unavailable: /);
    }
    if (gpu) {
      expect(gpu.info.name).toBe('gpu');
      await gpu.close();
    }
    const list = await listBackends();
    expect(list.map((b) => b.name)).toEqual(['js', 'wasm', 'gpu']);
    expect(list[0].available).toBe(true);
    expect(list[1].available).toBe(true);
    expect(list[2].available).toBe(gpu !== undefined);
  }, 120_000);
});
