/**
 * Training's resources: the memory estimate against a real wasm trainer, a
 * net that cannot fit refused before any trainer is built, and threads
 * capped at the cores (with the same table as one thread).
 */
import os from 'node:os';
import { booleanDataset, type FcnSpec, FsbayesError, parseArch, splitBySize } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { resolveConfig, trainSgdTable } from '../src/index.js';
import { wasmTrainerBytes } from '../src/memory.js';
import { WasmLaneTrainer } from '../src/wasm.js';

const ds = booleanDataset({ n: 5 });
const split = splitBySize(ds, 16, 1);
const config = resolveConfig({ batch: 8 });

describe('sgd resources', () => {
  it("wasmTrainerBytes is a real trainer's wasm memory (to the 64 KiB page)", () => {
    const spec = parseArch('fcn:200,200', { inputShape: ds.shape, sigmaB: 1 }) as FcnSpec;
    const w = new WasmLaneTrainer(spec, config, split.train, split.test, { groups: 8, variant: 'simd' });
    const actual = (w as unknown as { ex: { memory: { buffer: ArrayBuffer } } }).ex.memory.buffer.byteLength;
    const estimate = wasmTrainerBytes(spec, config, split.train.m, split.test.m, 8);
    expect(estimate).toBeGreaterThan(10 * 2 ** 20); // the lanes' θ and optimiser state dominate
    expect(actual).toBeLessThanOrEqual(estimate + 65536);
    expect(estimate - actual).toBeLessThan(2 * 65536); // only the static area is rounded up
  });

  it("wasmTrainerBytes is a real CNN trainer's wasm memory (conv buffers, im2col rows), flatten and GAP", () => {
    const points = (m: number) => ({
      inputs: new Float64Array(m * 288).map((_, i) => (i % 7) / 7),
      labels: new Uint8Array(m),
      m,
    });
    const [train, test] = [points(40), points(30)];
    for (const arch of ['cnn:c16k3s1same,c8k5s2same,d40', 'cnn:c12k3,gap,d8']) {
      const spec = parseArch(arch, { inputShape: [12, 12, 2], sigmaB: 1 });
      const w = new WasmLaneTrainer(spec, config, train, test, { groups: 8, variant: 'simd' });
      const actual = (w as unknown as { ex: { memory: { buffer: ArrayBuffer } } }).ex.memory.buffer.byteLength;
      const estimate = wasmTrainerBytes(spec, config, train.m, test.m, 8);
      expect(estimate).toBeGreaterThan(2 ** 20); // conv buffers and im2col rows of 32 points
      expect(actual).toBeLessThanOrEqual(estimate + 65536);
      expect(estimate - actual).toBeLessThan(2 * 65536);
    }
  });

  it('fcn:100000,100000 is refused with the estimate and the limit before any trainer starts', async () => {
    const spec = parseArch('fcn:100000,100000', { inputShape: ds.shape, sigmaB: 1 }) as FcnSpec;
    const engine = { kind: 'wasm' as const, variant: 'simd' as const, groups: 8 };
    for (const e of [undefined, engine]) {
      const err = await trainSgdTable({
        spec,
        config,
        train: split.train,
        test: split.test,
        seed: 1,
        runs: 4,
        engine: e,
      }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(err).toBeInstanceOf(FsbayesError);
      expect((err as FsbayesError).kind).toBe('resource');
      expect((err as FsbayesError).message).toMatch(
        /^training 5→100000→100000→1 .* needs about .*(TiB|GiB).* more than the /,
      );
    }
  });

  it('threads: 1000 trains on one thread per core and gives the one-thread table', async () => {
    const spec = parseArch('fcn:8', { inputShape: ds.shape, sigmaB: 1 }) as FcnSpec;
    const o = { spec, config, train: split.train, test: split.test, seed: 3, runs: 20 };
    const many = await trainSgdTable({ ...o, threads: 1000 });
    const one = await trainSgdTable({ ...o, threads: 1 });
    expect(many.threads).toBe(os.availableParallelism());
    expect(JSON.stringify(many.table.toJSON().functions)).toBe(JSON.stringify(one.table.toJSON().functions));
  });

  it('a run range past the net stream is refused as in the sampler', async () => {
    const spec = parseArch('fcn:8', { inputShape: ds.shape, sigmaB: 1 }) as FcnSpec;
    await expect(
      trainSgdTable({ spec, config, train: split.train, test: split.test, seed: 1, runs: 10, first: 2 ** 53 - 5 }),
    ).rejects.toThrow(/first run 9007199254740987 with runs 10 runs past the end of a seed's net stream/);
  });
});
