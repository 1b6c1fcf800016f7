/**
 * Resources: thread counts are validated and capped at the cores, memory
 * estimates refuse what cannot fit (with the estimate and the limit), the
 * net stream's range is one check, and --test-size is honoured with a mask.
 * Nothing here allocates more than a few MiB: refusals happen before.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { netNormals } from '../src/backend/prior.js';
import { instanceMemoryBytes, WasmInstance, wasmModule } from '../src/backend/wasm-module.js';
import {
  booleanDataset,
  checkMemory,
  checkNetRange,
  chooseThreads,
  FsbayesError,
  formatBytes,
  JsBackend,
  layerMapKernel,
  parseArch,
  samplePriorTable,
  splitByMask,
  WasmBackend,
} from '../src/index.js';
import { usefulThreads } from '../src/resources/threads.js';

/** The error `fn` throws (or the promise rejects with). */
async function errorOf(fn: () => unknown): Promise<FsbayesError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FsbayesError);
    return e as FsbayesError;
  }
  throw new Error('expected an error');
}

describe('threads', () => {
  const cores = os.availableParallelism();

  it('default to the cores, keep a request up to them, cap one above them and say so', () => {
    expect(usefulThreads()).toBe(cores);
    expect(chooseThreads(undefined)).toEqual({ threads: cores });
    expect(chooseThreads(1)).toEqual({ threads: 1, requested: 1 });
    const c = chooseThreads(cores + 998, '--threads');
    expect(c.threads).toBe(cores);
    expect(c.note).toContain(`--threads ${cores + 998} capped at ${cores}`);
  });

  it('refuse anything but a positive integer, naming the value', async () => {
    for (const bad of [0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = await errorOf(() => chooseThreads(bad, '--threads'));
      expect(e.message).toBe(`--threads must be a positive integer, got ${bad}`);
    }
  });

  it('the wasm backend starts at most one worker per core and says it capped', async () => {
    const b = await WasmBackend.create({ threads: 1000 });
    try {
      expect(b.info.threads).toBe(cores);
      expect(b.info.detail).toContain('threads 1000 capped');
    } finally {
      await b.close();
    }
  });
});

describe('checkMemory', () => {
  const limits = { wasm32: 1000, heap: 500, native: 2000 };

  it('passes what fits', () => {
    expect(() =>
      checkMemory(
        't',
        [
          { what: 'w', bytes: 1000, pool: 'wasm32', copies: 2 },
          { what: 'h', bytes: 250, pool: 'heap', copies: 2 },
        ],
        limits,
      ),
    ).not.toThrow();
  });

  it('refuses one wasm memory over 4 GiB-like limit, with the estimate and the limit', async () => {
    const e = await errorOf(() => checkMemory('task X', [{ what: 'instances', bytes: 1001, pool: 'wasm32' }], limits));
    expect(e.kind).toBe('resource');
    expect(e.message).toBe(
      'task X needs about 1001 B of wasm memory (instances: 1001 B), more than the 1000 B one wasm32 memory can address',
    );
  });

  it('adds wasm memories (one per thread) and typed arrays against the native share', async () => {
    const e = await errorOf(() =>
      checkMemory(
        't',
        [
          { what: 'instances', bytes: 900, pool: 'wasm32', copies: 2 },
          { what: 'out', bytes: 201, pool: 'native' },
        ],
        limits,
      ),
    );
    expect(e.message).toContain(
      't needs about 2.0 KiB (instances: 900 B × 2 = 1.8 KiB; out: 201 B), more than the 2.0 KiB allowed for buffers',
    );
  });

  it('adds heap buffers against the heap limit', async () => {
    const e = await errorOf(() => checkMemory('t', [{ what: 'cells', bytes: 300, pool: 'heap', copies: 2 }], limits));
    expect(e.message).toContain('more than the JS heap limit of 500 B');
  });

  it('formats bytes', () => {
    expect([0, 1023, 1536, 2 ** 32, 1.5 * 2 ** 40].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.5 KiB',
      '4.0 GiB',
      '1.5 TiB',
    ]);
  });
});

describe('memory of the prior pass', () => {
  it("instanceMemoryBytes matches a real wasm instance's memory after its largest jobs", () => {
    const spec = parseArch('fcn:64,64', { inputShape: [7], sigmaB: 1 });
    if (spec.kind !== 'fcn') throw new Error('fcn expected');
    const m = 40;
    const { module, variant } = wasmModule('auto');
    const k = new WasmInstance(module, variant);
    k.configure(spec, m, 'f64');
    k.setInputs(new Float64Array(m * 7).fill(0.5));
    k.priorBits(1, 0, 256);
    const P = 7 * 64 + 64 + 64 * 64 + 64 + 64 + 1;
    const nets = Math.floor((8 << 20) / (8 * (P + m))); // one full forward chunk
    k.forward(new Float64Array(nets * P), nets);
    const actual = (k as unknown as { ex: { memory: { buffer: ArrayBuffer } } }).ex.memory.buffer.byteLength;
    const estimate = instanceMemoryBytes(spec, m, 'f64');
    // An upper bound (memory grows by 64 KiB pages), loose by at most the rounded-up static
    // area and the part of a forward chunk that one more net would not fit in.
    expect(actual).toBeLessThanOrEqual(estimate + 65536);
    expect(estimate - actual).toBeLessThan(2 * 65536 + 8 * (P + m));
  });

  it('fcn:100000,100000 is refused by the wasm backend before any worker grows its memory', async () => {
    const spec = parseArch('fcn:100000,100000', { inputShape: [3], sigmaB: 1 });
    const b = await WasmBackend.create({ threads: 1 });
    try {
      const job = { spec, inputs: new Float64Array(8 * 3), m: 8, seed: 1, first: 0, count: 10 };
      const e = await errorOf(() => b.priorFunctions(job));
      expect(e.kind).toBe('resource');
      expect(e.message).toMatch(/needs about 149 GiB of wasm memory .* more than the 4\.0 GiB one wasm32 memory/);
      // the pool is still usable: nothing was sent to it
      const ok = parseArch('fcn:4', { inputShape: [3], sigmaB: 1 });
      expect(await b.priorFunctions({ ...job, spec: ok })).toHaveLength(10);
    } finally {
      await b.close();
    }
  });

  it('and by the js backend (parameters of a stream block) with the RAM share as the limit', async () => {
    const spec = parseArch('fcn:100000,100000', { inputShape: [3], sigmaB: 1 });
    const e = await errorOf(() =>
      new JsBackend().priorFunctions({ spec, inputs: new Float64Array(8 * 3), m: 8, seed: 1, first: 0, count: 10 }),
    );
    expect(e.kind).toBe('resource');
    expect(e.message).toContain('drawing 10 nets of 10000600001 parameters needs about 745 GiB');
    expect(e.message).toContain(`of this machine's ${formatBytes(os.totalmem())} of RAM`);
    expect(() => netNormals(1, 0, 1, 2 ** 40)).toThrow(/needs about 8\.0 TiB/);
  });

  it('an n × n kernel matrix that cannot fit is refused before it is computed', async () => {
    const n = 300_000; // 300,000² float64 = 655 GiB
    const e = await errorOf(() =>
      layerMapKernel(
        new Float64Array(n),
        n,
        1,
        { layers: 1, code: 0, sw2: 1, sb2: 1, ntk: false, what: 'the FCN kernel' },
        undefined,
        undefined,
        () => ({ nngp: new Float64Array(0) }),
      ),
    );
    expect(e.kind).toBe('resource');
    expect(e.message).toContain('the FCN kernel of 300000 × 300000 points needs about 1.3 TiB');
  });
});

describe('the net range', () => {
  const MAX = Number.MAX_SAFE_INTEGER;

  it('accepts ranges ending at 2^53 − 1 and refuses one net more, naming both numbers', async () => {
    expect(() => checkNetRange(MAX - 10, 10)).not.toThrow();
    expect(() => checkNetRange(0, MAX)).not.toThrow();
    const e = await errorOf(() => checkNetRange(MAX - 10, 11, { first: '--first', count: '--samples' }));
    expect(e.message).toContain(`--first ${MAX - 10} with --samples 11 runs past the end`);
    expect((await errorOf(() => checkNetRange(-1, 1))).message).toBe(
      'first net must be a non-negative integer, got -1',
    );
  });

  it('samplePriorTable refuses 9007199254740990 + 10 as the sampler does', async () => {
    const spec = parseArch('fcn:4', { inputShape: [3], sigmaB: 1 });
    const e = await errorOf(() =>
      samplePriorTable({
        backend: new JsBackend(),
        spec,
        inputs: new Float64Array(8 * 3),
        m: 8,
        labels: null,
        seed: 1,
        samples: 10,
        first: 9007199254740990,
      }),
    );
    expect(e.message).toContain('first 9007199254740990 with samples 10 runs past the end');
  });
});

describe('splitByMask with testSize', () => {
  const ds = booleanDataset({ n: 3 });
  const mask = '11000000'; // S = points 0, 1; the other 6 are candidates for E

  it('E is testSize of the points outside S, the same for the same seed', () => {
    const a = splitByMask(ds, mask, { testSize: 3, seed: 7 });
    expect(Array.from(a.trainIndex)).toEqual([0, 1]);
    expect(a.testIndex).toHaveLength(3);
    for (const i of a.testIndex) expect(i).toBeGreaterThanOrEqual(2);
    expect(new Set(a.testIndex).size).toBe(3);
    expect(Array.from(splitByMask(ds, mask, { testSize: 3, seed: 7 }).testIndex)).toEqual(Array.from(a.testIndex));
    expect(a.meta).toMatchObject({ method: 'mask', trainSize: 2, testSize: 3, seed: 7 });
    // without testSize E is every other point, as before
    expect(Array.from(splitByMask(ds, mask).testIndex)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('chooses E uniformly: each candidate in about half of 400 seeds (binomial, 5 sd)', () => {
    const hits = new Array(8).fill(0);
    for (let s = 0; s < 400; s++) for (const i of splitByMask(ds, mask, { testSize: 3, seed: s }).testIndex) hits[i]++;
    expect(hits.slice(0, 2)).toEqual([0, 0]);
    for (const h of hits.slice(2)) expect(Math.abs(h - 200)).toBeLessThan(50);
  });

  it('refuses a testSize larger than the points outside S, and one without a seed', () => {
    expect(() => splitByMask(ds, mask, { testSize: 7, seed: 1 })).toThrow(
      "testSize 7 exceeds the 6 points outside the mask's S (2 of the 8 points of boolean-n3 are in S)",
    );
    expect(() => splitByMask(ds, mask, { testSize: 2 })).toThrow(/needs a seed/);
  });
});
