/**
 * The wasm lockstep trainer on CNNs against the float64 reference
 * (`CnnNet`, itself checked by finite differences in cnn.test.ts): each
 * lane's gradient on SAME/VALID, strided, flattened and pooled nets; whole
 * runs (the same function on most runs, the same bits in any group count
 * and over 1 or 2 threads); and a CNN whose conv covers the whole image
 * trained exactly (bit for bit) as the FCN it equals, in f32 too.
 */
import { type CnnSpec, type FcnSpec, mnistDataset, parseArch, priorParams, Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { CnnNet } from '../src/cnn-net.js';
import { chooseEngine, type LossName, resolveConfig, trainSgdTable } from '../src/index.js';
import { orderRng, RunTrainer } from '../src/train.js';
import { WasmLaneTrainer } from '../src/wasm.js';

const f32 = (x: Float64Array) => x.map(Math.fround);
const maxAbs = (x: Float64Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

// 8×8 digits keep these fast: MNIST cropped to its centre (rows/cols 10..17), one channel.
const mnist = mnistDataset({ trainSize: 40, testSize: 24, seed: 5 });
function crop(p: { inputs: Float64Array; labels: Uint8Array; m: number }) {
  const inputs = new Float64Array(p.m * 64);
  for (let i = 0; i < p.m; i++)
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) inputs[i * 64 + y * 8 + x] = p.inputs[i * 784 + (y + 10) * 28 + (x + 10)];
  return { inputs, labels: p.labels, m: p.m };
}
const train = crop(mnist.train);
const test = crop(mnist.test);
const shape = [8, 8, 1];

const specs: { arch: string; bias: boolean; loss: LossName }[] = [
  { arch: 'cnn:c4k3s2same,d6', bias: true, loss: 'ce' },
  { arch: 'cnn:c3k3,c4k2s2same,gap', bias: true, loss: 'mse' },
  { arch: 'cnn:c4k4s3same,c3k1,d5,d3', bias: false, loss: 'ce' },
  { arch: 'cnn:c5k2x3s1x2valid,gap,d4', bias: true, loss: 'ce' },
];

describe('wasm trainer on CNNs', () => {
  for (const c of specs)
    it(`computes the float64 reference gradient in each lane: ${c.arch}, ${c.bias ? 'bias' : 'no bias'}, ${c.loss}`, () => {
      const spec = parseArch(c.arch, { inputShape: shape, sigmaW: 1.4, sigmaB: c.bias ? 0.3 : 0 }) as CnnSpec;
      const config = resolveConfig({ batch: 7, loss: c.loss });
      const w = new WasmLaneTrainer(spec, config, train, test, { groups: 2, variant: 'simd' });
      const ref = new CnnNet(spec, 8);
      const X = f32(train.inputs);
      for (let l = 0; l < 4; l++) {
        w.loadLane(1, l, f32(priorParams(spec, 3, l, 1)));
        const order = new Rng(4, 'order', l).shuffle(Int32Array.from({ length: train.m }, (_, i) => i)) as Int32Array;
        w.setOrder(1, l, order);
      }
      w.raw.gradientOnly(1, 7);
      for (let l = 0; l < 4; l++) {
        const theta = w.laneTheta(1, l);
        const order = new Rng(4, 'order', l).shuffle(Int32Array.from({ length: train.m }, (_, i) => i)) as Int32Array;
        ref.forward(theta, X, order, 0, 7);
        ref.lossGrad(train.labels, order, 0, config.loss, config.mseTargets);
        const g = new Float64Array(ref.P);
        ref.backward(theta, g);
        expect(maxAbs(g)).toBeGreaterThan(1e-3);
        const diff = w.laneGrad(1, l).map((v, k) => v - g[k]);
        expect(maxAbs(diff)).toBeLessThan(2e-5 * Math.max(1, maxAbs(g)));
      }
    });

  it('trains whole runs: same bits in any group count, mostly the float64 functions, any thread count', async () => {
    const spec = parseArch('cnn:c4k3s2same,d8', { inputShape: shape, sigmaW: 1.4, sigmaB: 0.3 }) as CnnSpec;
    const config = resolveConfig({ batch: 8, params: { lr: 0.05 }, stop: { maxEpochs: 300 } });
    const runs = 16;
    const theta = priorParams(spec, 6, 0, runs);
    const a = new WasmLaneTrainer(spec, config, train, test, { groups: 1, variant: 'simd' });
    const b = new WasmLaneTrainer(spec, config, train, test, { groups: 3, variant: 'simd' });
    const ra = a.trainBatch(6, 0, runs, theta);
    expect(b.trainBatch(6, 0, runs, theta)).toEqual(ra);
    const ref = new RunTrainer(spec, config, train, test);
    let same = 0;
    let fitted = 0;
    for (let r = 0; r < runs; r++) {
      const x = ref.run(theta.subarray(r * a.P, (r + 1) * a.P), orderRng(6, r));
      if (ra.fitted[r] === (x.fitted ? 1 : 0) && ra.bits[r] === x.bits[0]) same++;
      fitted += ra.fitted[r];
    }
    expect(fitted).toBeGreaterThanOrEqual(12);
    expect(same).toBeGreaterThanOrEqual(runs - 3);
    const { engine } = chooseEngine(spec, config, 'wasm');
    const one = await trainSgdTable({ spec, config, train, test, seed: 6, runs: 24, threads: 1, engine });
    const two = await trainSgdTable({ spec, config, train, test, seed: 6, runs: 24, threads: 2, engine, jobSize: 5 });
    expect(two.state).toEqual(one.state);
    expect(two.table.entries()).toEqual(one.table.entries());
  });

  it('a CNN whose conv covers the whole image trains bit for bit as the FCN it equals', () => {
    const cnn = parseArch('cnn:c6k8,d5', { inputShape: shape, sigmaW: 1.2, sigmaB: 0.5 }) as CnnSpec;
    const fcn = parseArch('fcn:6,5', { inputShape: [64], sigmaW: 1.2, sigmaB: 0.5 }) as FcnSpec;
    const config = resolveConfig({ optimizer: 'adam', batch: 6, stop: { maxEpochs: 200 } });
    const theta = priorParams(fcn, 2, 0, 12);
    const opts = { groups: 2, variant: 'simd', sparseInputs: false } as const;
    const x = new WasmLaneTrainer(cnn, config, train, test, opts).trainBatch(2, 0, 12, theta);
    const y = new WasmLaneTrainer(fcn, config, train, test, opts).trainBatch(2, 0, 12, theta);
    expect(x.fitted.some((f) => f === 1)).toBe(true);
    expect(x).toEqual(y);
  });
});
