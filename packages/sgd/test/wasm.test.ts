/**
 * The float32 SIMD lockstep trainer against the float64 reference: its
 * gradients, its optimiser steps, and whole runs. Needs the wasm build
 * (`pnpm build`).
 */
import { booleanDataset, type FcnSpec, mnistDataset, parseArch, priorParams, Rng, splitBySize } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { type LossName, OPTIMIZERS, type OptimizerName, resolveConfig } from '../src/index.js';
import { FcnNet } from '../src/net.js';
import { createOptimizer, OPTIMIZER_TABLE } from '../src/optimizers.js';
import { orderRng, RunTrainer } from '../src/train.js';
import { WasmLaneTrainer } from '../src/wasm.js';

const ds = booleanDataset({ n: 5 });
const split = splitBySize(ds, 16, 4);
/** Values rounded to float32 (what the lanes hold), kept as f64. */
const f32 = (x: Float64Array) => x.map(Math.fround);

function setup(spec: FcnSpec, optimizer: OptimizerName, loss: LossName, mseTargets: '01' | 'pm1' = '01') {
  const config = resolveConfig({
    optimizer,
    loss,
    mseTargets,
    batch: 6,
    params: optimizer === 'sgd' ? { momentum: 0.9, nesterov: true, weightDecay: 0.01, lrDecay: 0.1 } : {},
  });
  const w = new WasmLaneTrainer(spec, config, split.train, split.test, { groups: 2, variant: 'simd' });
  const thetas = [0, 1, 2, 3].map((l) => f32(priorParams(spec, 5, 10 + l, 1)));
  const orders = [0, 1, 2, 3].map((l) => {
    const o = Int32Array.from({ length: split.train.m }, (_, i) => i);
    return new Rng(9, 'order', l).shuffle(o) as Int32Array;
  });
  thetas.forEach((t, l) => {
    w.loadLane(1, l, t);
    w.setOrder(1, l, orders[l]);
  });
  return { config, w, thetas, orders };
}

/** f64 gradient of the reference net on the same rows and float32-rounded inputs. */
function refGrad(spec: FcnSpec, theta: Float64Array, order: Int32Array, n: number, loss: LossName, t: '01' | 'pm1') {
  const net = new FcnNet(spec, 16);
  const X = f32(split.train.inputs);
  net.forward(theta, X, order, 0, n);
  net.lossGrad(split.train.labels, order, 0, loss, t);
  const g = new Float64Array(net.P);
  net.backward(theta, g);
  return g;
}

const maxAbs = (x: Float64Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('wasm trainer', () => {
  for (const [bias, loss, t] of [
    [true, 'ce', '01'],
    [true, 'mse', '01'],
    [false, 'mse', 'pm1'],
  ] as const) {
    it(`computes the reference gradient in each lane (${bias ? 'bias' : 'no bias'}, ${loss}/${t})`, () => {
      const spec = parseArch('fcn:9,6', { inputShape: ds.shape, sigmaW: 1.2, sigmaB: bias ? 0.8 : 0 }) as FcnSpec;
      const { w, thetas, orders } = setup(spec, 'sgd', loss, t);
      w.raw.gradientOnly(1, 6);
      for (let l = 0; l < 4; l++) {
        const ref = refGrad(spec, thetas[l], orders[l], 6, loss, t);
        expect(maxAbs(ref)).toBeGreaterThan(1e-3);
        const got = w.laneGrad(1, l);
        const diff = got.map((v, k) => v - ref[k]);
        expect(maxAbs(diff)).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref)));
      }
    });
  }

  // every optimiser with a code in the wasm trainer (today sgd, adam, adagrad, rmsprop, adadelta)
  for (const opt of OPTIMIZERS.filter((o) => OPTIMIZER_TABLE[o].wasm !== null)) {
    it(`takes the reference ${opt} steps in each lane`, () => {
      const spec = parseArch('fcn:9,6', { inputShape: ds.shape, sigmaW: 1, sigmaB: 1 }) as FcnSpec;
      const { config, w } = setup(spec, opt, 'ce');
      const P = w.P;
      const refs = [0, 1, 2, 3].map(() => createOptimizer(opt, config.params, P));
      for (let step = 0; step < 3; step++) {
        w.raw.gradientOnly(1, 6);
        const expected = [0, 1, 2, 3].map((l) => {
          const th = w.laneTheta(1, l);
          refs[l].step(th, w.laneGrad(1, l));
          return th;
        });
        w.raw.stepOnly(1);
        for (let l = 0; l < 4; l++) {
          const got = w.laneTheta(1, l);
          const diff = got.map((v, k) => v - expected[l][k]);
          expect(maxAbs(diff)).toBeLessThan(2e-6 * Math.max(1, maxAbs(expected[l])));
        }
      }
    });
  }

  it('gives each run the same result in any lane or group count, and mostly the float64 functions', () => {
    const spec = parseArch('fcn:12,12', { inputShape: ds.shape, sigmaW: 1, sigmaB: 1 }) as FcnSpec;
    const config = resolveConfig({ params: { lr: 0.05 } });
    const theta = priorParams(spec, 2, 0, 20);
    const a = new WasmLaneTrainer(spec, config, split.train, split.test, { groups: 1, variant: 'simd' });
    const b = new WasmLaneTrainer(spec, config, split.train, split.test, { groups: 3, variant: 'simd' });
    const ra = a.trainBatch(2, 0, 20, theta);
    const rb = b.trainBatch(2, 0, 20, theta);
    expect(rb).toEqual(ra);
    const ref = new RunTrainer(spec, config, split.train, split.test);
    let same = 0;
    for (let r = 0; r < 20; r++) {
      const x = ref.run(theta.subarray(r * a.P, (r + 1) * a.P), orderRng(2, r));
      expect(ra.fitted[r]).toBe(x.fitted ? 1 : 0);
      if (ra.bits[r] === x.bits[0]) same++;
    }
    expect(same).toBeGreaterThanOrEqual(18);
  });

  it('skipping inputs that are zero in every lane (sparseInputs) changes no bit, on MNIST and Boolean inputs', () => {
    const mnist = mnistDataset({ trainSize: 40, testSize: 20, seed: 3 });
    const cases = [
      // odd widths and batch: the dense tails beside the sparse blocks, and a last row without a pair
      { data: mnist, arch: 'fcn:23,6', batch: 7, bias: true },
      { data: mnist, arch: 'fcn:16', batch: 8, bias: false },
      { data: split, arch: 'fcn:12,12', batch: 5, bias: true },
    ];
    for (const c of cases) {
      const shape = c.data === split ? ds.shape : [784];
      const spec = parseArch(c.arch, { inputShape: shape, sigmaW: 1.4, sigmaB: 0.3, bias: c.bias }) as FcnSpec;
      const config = resolveConfig({ batch: c.batch, params: { lr: 0.05 }, stop: { maxEpochs: 40 } });
      const theta = priorParams(spec, 4, 0, 12);
      const make = (sparseInputs: boolean) =>
        new WasmLaneTrainer(spec, config, c.data.train, c.data.test, { groups: 2, variant: 'simd', sparseInputs });
      const [dense, sparse] = [make(false), make(true)];
      // one gradient, lane by lane
      for (const w of [dense, sparse])
        for (let l = 0; l < 4; l++) {
          w.loadLane(0, l, theta.subarray(l * w.P, (l + 1) * w.P));
          w.setOrder(
            0,
            l,
            new Rng(5, 'order', l).shuffle(Int32Array.from({ length: c.data.train.m }, (_, i) => i)) as Int32Array,
          );
        }
      dense.raw.gradientOnly(0, c.batch);
      sparse.raw.gradientOnly(0, c.batch);
      for (let l = 0; l < 4; l++) expect(sparse.laneGrad(0, l)).toEqual(dense.laneGrad(0, l));
      // whole runs
      const a = dense.trainBatch(4, 0, 12, theta);
      const b = sparse.trainBatch(4, 0, 12, theta);
      expect(b).toEqual(a);
      expect(a.fitted.some((f) => f === 1)).toBe(true);
    }
  });
});
