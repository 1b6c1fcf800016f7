/**
 * The TypeScript twin of the canonical Gaussian stream (`backend/normals.ts`)
 * against the wasm kernels it replaces where the wasm build is missing: the
 * same normals bit for bit on the same seed (tails and wedges included), the
 * same prior functions from the js backend, and its exp/log port against
 * V8's Math (within an ulp). Needs the wasm build (the reference).
 */
import seedrandom from 'seedrandom';
import { afterEach, describe, expect, it } from 'vitest';
import type { FcnSpec } from '../src/arch/spec.js';
import { getBackend, JsBackend, NET_BLOCK, netNormals, priorParams } from '../src/backend/index.js';
import { TsNormals } from '../src/backend/normals.js';
import { configureNormals, normalSource } from '../src/backend/prior.js';
import { WasmInstance, wasmModule } from '../src/backend/wasm-module.js';
import { wasmExp, wasmLog } from '../src/math/wasm-libm.js';
import { Rng, streamKey } from '../src/rng/rng.js';

type Xor = ReturnType<typeof seedrandom.xor4096> & { state(): { X: number[]; i: number; w: number } };

/** Index of the first double whose bits differ, or −1. */
function firstBitDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, 2 * a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, 2 * b.length);
  for (let k = 0; k < ua.length; k++) if (ua[k] !== ub[k]) return k >> 1;
  return -1;
}

const R = 3.654152885361009;

afterEach(() => configureNormals({ wasm: true }));

describe('TypeScript canonical stream', () => {
  it('its xor4096 gives seedrandom int32 outputs', () => {
    for (const key of [streamKey(1, ['nets', 0]), 'mid']) {
      const g = seedrandom.xor4096(key, { state: true }) as Xor;
      if (key === 'mid') for (let j = 0; j < 77; j++) g.int32();
      const s = g.state();
      const t = new TsNormals();
      t.seedState({ X: Int32Array.from(s.X), i: s.i, w: s.w | 0 });
      const got = Int32Array.from({ length: 3000 }, () => t.nextU32() | 0);
      expect(got).toEqual(Int32Array.from({ length: 3000 }, () => g.int32()));
    }
  });

  it('gives the wasm ziggurat’s normals bit for bit (2 million draws, tails and wedges included)', () => {
    const { module, variant } = wasmModule('simd');
    const k = new WasmInstance(module, variant);
    const t = new TsNormals();
    let tails = 0;
    for (const [seed, block, offset] of [
      [1, 0, 0],
      [2024, 3, 7],
      ['abc', 11, 255],
    ] as const) {
      const n = 700_000;
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      k.seedBlock(seed, block, offset, 2001);
      k.normalsInto(a, 0, n);
      t.seedBlock(seed, block, offset, 2001);
      t.normalsInto(b, 0, n);
      const at = firstBitDiff(a, b);
      expect(at, `seed ${seed} block ${block}: first difference at normal ${at}`).toBe(-1);
      for (const z of a) if (Math.abs(z) > R) tails++;
    }
    // ~2.6e-4 of normals come from the tail (the log path): hundreds were compared. About 1% of
    // attempts go to a wedge test (the exp path), some 20,000 here.
    expect(tails).toBeGreaterThan(300);
  });

  it('netNormals and priorParams are the same with and without the wasm kernels', () => {
    const P = 41;
    const withWasm = netNormals(5, NET_BLOCK - 7, 20, P);
    expect(normalSource()).toBeInstanceOf(WasmInstance);
    configureNormals({ wasm: false });
    expect(normalSource()).toBeInstanceOf(TsNormals);
    const without = netNormals(5, NET_BLOCK - 7, 20, P);
    expect(firstBitDiff(withWasm, without)).toBe(-1);
    // and net 0 of block 1 is the head of new Rng(5, 'nets', 1)'s stream
    const t = new TsNormals();
    t.seedState(new Rng(5, 'nets', 1).xorState());
    const head = new Float64Array(P);
    t.normalsInto(head, 0, P);
    expect(firstBitDiff(head, without.subarray(7 * P, 8 * P))).toBe(-1);
    const spec: FcnSpec = {
      kind: 'fcn',
      inputDim: 7,
      hidden: [40, 40],
      activation: 'relu',
      sigmaW: 1,
      sigmaB: 1,
      bias: true,
    };
    const th = priorParams(spec, 3, 0, 4);
    configureNormals({ wasm: true });
    expect(firstBitDiff(th, priorParams(spec, 3, 0, 4))).toBe(-1);
  });

  it('the js backend without wasm gives the wasm f64 backend’s prior functions', async () => {
    const n = 7;
    const m = 2 ** n;
    const inputs = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) inputs[i * n + j] = (i >> (n - 1 - j)) & 1;
    const spec: FcnSpec = {
      kind: 'fcn',
      inputDim: n,
      hidden: [40, 40],
      activation: 'relu',
      sigmaW: 1,
      sigmaB: 1,
      bias: true,
    };
    const job = { spec, inputs, m, seed: 11, first: 250, count: 64 };
    const wasm = await getBackend('wasm', { threads: 1, precision: 'f64' });
    try {
      const ref = await wasm.priorFunctions(job);
      configureNormals({ wasm: false });
      expect(await new JsBackend().priorFunctions(job)).toEqual(ref);
    } finally {
      await wasm.close();
    }
  });
});

describe('exp and log as the wasm kernels compute them', () => {
  /** Distance in ulps between two finite doubles of the same sign. */
  function ulps(a: number, b: number): number {
    const f = new Float64Array([a, b]);
    const i = new BigInt64Array(f.buffer);
    return Number(i[0] > i[1] ? i[0] - i[1] : i[1] - i[0]);
  }

  it('agree with V8 within one ulp over the range the ziggurat uses and beyond', () => {
    const rng = new Rng(1, 'test', 'libm');
    let worst = 0;
    for (let k = 0; k < 50_000; k++) {
      const x = -745 * rng.uniform() + 709 * rng.uniform();
      worst = Math.max(worst, ulps(wasmExp(x), Math.exp(x)));
      const y = 2 ** (2100 * rng.uniform() - 1070) * (1 + rng.uniform());
      worst = Math.max(worst, ulps(wasmLog(y), Math.log(y)));
      const near1 = 0.93 + 0.14 * rng.uniform();
      worst = Math.max(worst, ulps(wasmLog(near1), Math.log(near1)));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('special values', () => {
    expect(wasmExp(0)).toBe(1);
    expect(wasmExp(1e-300)).toBe(1);
    expect(wasmExp(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(wasmExp(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(wasmExp(800)).toBe(Number.POSITIVE_INFINITY);
    expect(wasmExp(-800)).toBe(0);
    expect(Number.isNaN(wasmExp(Number.NaN))).toBe(true);
    expect(wasmExp(-740)).toBe(Math.exp(-740)); // subnormal result
    expect(wasmLog(1)).toBe(0);
    expect(wasmLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(wasmLog(-0)).toBe(Number.NEGATIVE_INFINITY);
    expect(wasmLog(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(wasmLog(-1))).toBe(true);
    expect(Number.isNaN(wasmLog(Number.NaN))).toBe(true);
    expect(ulps(wasmLog(5e-324), Math.log(5e-324))).toBeLessThanOrEqual(1);
    expect(ulps(wasmLog(Math.E), 1)).toBeLessThanOrEqual(1);
  });
});
