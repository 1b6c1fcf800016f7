/**
 * Whole runs: recorded functions come from nets that really fit S (checked
 * with core's independent float64 forward pass), runs start from the
 * sampler's prior draw, AGD trains a depth-4 net untuned, and tables repeat
 * exactly (same seed, any thread count, resumed, or sharded and merged).
 */
import {
  booleanDataset,
  type FcnSpec,
  FunctionTable,
  forwardReference,
  parseArch,
  priorParams,
  shardRange,
  splitBySize,
} from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { chooseEngine, openSgdPool, resolveConfig, type SgdConfigInput, trainSgdTable } from '../src/index.js';
import { FcnNet } from '../src/net.js';
import { orderRng, RunTrainer } from '../src/train.js';
import { agdInit } from '../src/updates.js';

const ds = booleanDataset({ n: 5 });
const split = splitBySize(ds, 16, 1);
const spec = parseArch('fcn:12,12', { inputShape: ds.shape, sigmaW: 1, sigmaB: 1 }) as FcnSpec;
const base = { spec, train: split.train, test: split.test, seed: 1 };

function table(cfg: SgdConfigInput, extra: Partial<Parameters<typeof trainSgdTable>[0]> = {}) {
  return trainSgdTable({ ...base, config: resolveConfig(cfg), runs: 24, threads: 1, ...extra });
}

describe('runs', () => {
  it('records only functions of nets that fit S, read off on E', () => {
    const tr = new RunTrainer(spec, resolveConfig({ params: { lr: 0.05 } }), split.train, split.test);
    for (let r = 0; r < 6; r++) {
      const res = tr.run(priorParams(spec, 1, r, 1), orderRng(1, r));
      expect(res.fitted).toBe(true);
      const theta = tr.lastTheta();
      const zS = forwardReference(spec, theta, 1, split.train.inputs, split.train.m);
      zS.forEach((z, i) => {
        expect(z > 0 ? 1 : 0).toBe(split.train.labels[i]);
      });
      const zE = forwardReference(spec, theta, 1, split.test.inputs, split.test.m);
      let errors = 0;
      zE.forEach((z, i) => {
        const bit = z > 0 ? 1 : 0;
        expect((res.bits[i >>> 5] >>> (i & 31)) & 1).toBe(bit);
        if (bit !== split.test.labels[i]) errors++;
      });
      expect(res.errors).toBe(errors);
    }
  });

  it('run r starts from net r of the seed’s stream, also across a 256-net block boundary', async () => {
    const config = resolveConfig({ stop: { maxEpochs: 3 }, params: { lr: 0.05 } });
    const r = await trainSgdTable({ ...base, config, first: 250, runs: 10, threads: 1 });
    const tr = new RunTrainer(spec, config, split.train, split.test);
    const expected = new FunctionTable(split.test.m, split.test.labels);
    let notFitted = 0;
    for (let k = 250; k < 260; k++) {
      const res = tr.run(priorParams(spec, 1, k, 1), orderRng(1, k));
      if (res.fitted) expected.add(res.bits);
      else notFitted++;
    }
    expect(r.table.toJSON()).toEqual(expected.toJSON());
    expect(r.state.notFitted).toBe(notFitted);
    expect(r.state.fitted + r.state.notFitted).toBe(10);
    expect(notFitted).toBeGreaterThan(0); // 3 epochs are too few for some: they are counted, not recorded
    expect(r.table.total).toBe(r.state.fitted);
  });

  it('same seed, same table; the thread count does not matter', async () => {
    const a = await table({ optimizer: 'adam' });
    const b = await table({ optimizer: 'adam' });
    expect(JSON.stringify(a.table.toJSON())).toBe(JSON.stringify(b.table.toJSON()));
    const ex = await openSgdPool(2, { spec, config: resolveConfig({ optimizer: 'adam' }), ...split });
    try {
      const c = await table({ optimizer: 'adam' }, { pool: ex, jobSize: 3 });
      expect(JSON.stringify(c.table.toJSON())).toBe(JSON.stringify(a.table.toJSON()));
      expect(c.state).toEqual(a.state);
    } finally {
      await ex.close();
    }
    const other = await trainSgdTable({
      ...base,
      seed: 2,
      config: resolveConfig({ optimizer: 'adam' }),
      runs: 24,
      threads: 1,
    });
    expect(JSON.stringify(other.table.toJSON())).not.toBe(JSON.stringify(a.table.toJSON()));
  });

  it('resumed equals uninterrupted; shards merged equal the whole', async () => {
    const cfg = { optimizer: 'rmsprop', params: { lr: 0.01 } } as SgdConfigInput;
    const whole = await table(cfg);
    const part = await table(cfg, { stopAfter: 10, jobSize: 4 });
    expect(part.state.done).toBe(10);
    // through JSON, as a checkpoint file holds them
    const resume = {
      state: JSON.parse(JSON.stringify(part.state)),
      table: FunctionTable.fromJSON(JSON.parse(JSON.stringify(part.table.toJSON()))),
    };
    const resumed = await table(cfg, { resume, jobSize: 5 });
    expect(JSON.stringify(resumed.table.toJSON())).toBe(JSON.stringify(whole.table.toJSON()));
    expect(resumed.state).toEqual(whole.state);
    const merged = new FunctionTable(split.test.m, split.test.labels);
    for (const i of [1, 2, 3]) {
      const { first, count } = shardRange(24, { index: i, count: 3 });
      merged.merge((await table(cfg, { first, runs: count })).table);
    }
    expect(JSON.stringify(merged.toJSON())).toBe(JSON.stringify(whole.table.toJSON()));
  });

  it('checkpointing: the first checkpoint follows one small job, not a 1024-run wasm job; a stop request ends at a job', async () => {
    const config = resolveConfig({ params: { lr: 0.05 }, stop: { maxEpochs: 2 } });
    const { engine } = chooseEngine(spec, config);
    expect(engine.kind).toBe('wasm'); // whose default job for 4096 runs on one thread is 1024 runs
    const at: number[] = [];
    const r = await trainSgdTable({
      ...base,
      config,
      runs: 4096,
      threads: 1,
      engine,
      stopAfter: 100,
      checkpointSeconds: 0,
      onCheckpoint: (st) => at.push(st.done),
    });
    expect(at[0]).toBe(32);
    expect(r.state.done).toBe(100);
    // SIGINT/SIGTERM: the driver's flag stops the run after the job at the front, with a consistent state
    let asked = 0;
    const stopped = await trainSgdTable({
      ...base,
      config,
      runs: 4096,
      threads: 1,
      engine,
      shouldStop: () => ++asked > 1,
    });
    expect(stopped.state.done).toBe(2 * 1024);
    expect(stopped.state.fitted + stopped.state.notFitted).toBe(stopped.state.done);
    expect(stopped.table.total).toBe(stopped.state.fitted);
  });

  it('a step-wise fit check finds the fit no later than the epoch-end check', () => {
    const byEpoch = new RunTrainer(spec, resolveConfig({ params: { lr: 0.05 } }), split.train, split.test);
    const bySteps = new RunTrainer(
      spec,
      resolveConfig({ params: { lr: 0.05 }, stop: { checkEvery: 1 } }),
      split.train,
      split.test,
    );
    for (let r = 0; r < 4; r++) {
      const a = byEpoch.run(priorParams(spec, 1, r, 1), orderRng(1, r));
      const b = bySteps.run(priorParams(spec, 1, r, 1), orderRng(1, r));
      expect(b.fitted).toBe(true);
      expect(b.epochs).toBeLessThanOrEqual(a.epochs);
      expect(b.epochs * 2).toBe(Math.round(b.epochs * 2)); // |S| = 16, batch 8: 2 steps per epoch
      const z = forwardReference(spec, bySteps.lastTheta(), 1, split.train.inputs, split.train.m);
      z.forEach((v, i) => {
        expect(v > 0 ? 1 : 0).toBe(split.train.labels[i]);
      });
    }
  });

  it('extra epochs after the fit: the wasm and js engines agree', async () => {
    const config = resolveConfig({ params: { lr: 0.05 }, stop: { epochsAfterFit: 5 } });
    const js = await trainSgdTable({ ...base, config, runs: 12, threads: 1 });
    const wasm = await trainSgdTable({
      ...base,
      config,
      runs: 12,
      threads: 1,
      engine: { kind: 'wasm', variant: 'simd', groups: 2 },
    });
    expect(wasm.state.fitted).toBe(js.state.fitted);
    expect(wasm.table.entries()).toEqual(js.table.entries());
  });

  it('AGD lowers the loss of a depth-4 net with no tuning', () => {
    const d7 = booleanDataset({ n: 7 });
    const s7 = splitBySize(d7, 64, 2);
    const deep = parseArch('fcn:32,32,32', { inputShape: d7.shape, sigmaW: 1, sigmaB: 0 }) as FcnSpec;
    const config = resolveConfig({ optimizer: 'agd', batch: 8, stop: { maxEpochs: 30 } });
    const tr = new RunTrainer(deep, config, s7.train, s7.test);
    const loss = (theta: Float64Array) => {
      const net = new FcnNet(deep, 64);
      net.forward(theta, s7.train.inputs, null, 0, 64);
      return net.lossGrad(s7.train.labels, null, 0, 'ce', '01');
    };
    const theta0 = priorParams(deep, 1, 0, 1);
    const init = theta0.slice();
    // the loss at AGD's own (orthogonal) initialisation
    agdInit(init, tr.net.weightBlocks());
    expect(tr.run(theta0, orderRng(1, 0)).fitted).toBe(true);
    const after = loss(tr.lastTheta());
    expect(after).toBeLessThan(0.5 * loss(init));
  });
});
