/**
 * One training run, start to finish: from its initial parameters and its own
 * minibatch-order stream, train until the net classifies all of S correctly
 * (or the epoch cap), then read its function off on E. Float64, plain
 * TypeScript: the reference every faster path is checked against, and the
 * path the worker threads run.
 */
import { type ArchSpec, FsbayesError, Rng, type Seed } from '@fsbayes/core';
import type { SgdConfig } from './config.js';
import { lossThreshold, type SgdNet } from './net.js';
import { createSgdNet } from './nets.js';
import { createOptimizer, optimizerEntry } from './optimizers.js';
import type { Optimizer, WeightBlock } from './updates.js';

/** Points with 0/1 labels: inputs [m × d] row-major. */
export interface LabelledPoints {
  inputs: Float64Array;
  labels: Uint8Array;
  m: number;
}

/** What one run produced. */
export interface RunResult {
  /** Whether the net classified all of S correctly before the epoch cap. */
  fitted: boolean;
  /** Epochs trained until S was first fitted (fractional with a step-wise check); the cap if never. */
  epochs: number;
  /** Its function on E, packed (bit i = prediction on E's point i), ceil(|E|/32) words. */
  bits: Uint32Array;
  /** Hamming distance of that function to E's labels. */
  errors: number;
}

/** The minibatch-order stream of run r: independent of the nets' parameter streams. */
export function orderRng(seed: Seed, run: number): Rng {
  return new Rng(seed, 'sgd-order', run);
}

/** Trains runs one after another on one thread, reusing its buffers. */
export class RunTrainer {
  readonly net: SgdNet;
  readonly opt: Optimizer;
  private readonly theta: Float64Array;
  private readonly grad: Float64Array;
  private readonly order: Int32Array;
  private readonly outS: Float64Array;
  private readonly outE: Float64Array;
  private readonly thr: number;
  private readonly words: number;
  /** The optimiser's rewrite of the prior draw (AGD: orthogonal), if any. */
  private readonly init: ((theta: Float64Array, blocks: readonly WeightBlock[]) => void) | null;

  constructor(
    readonly spec: ArchSpec,
    readonly config: SgdConfig,
    readonly train: LabelledPoints,
    readonly test: LabelledPoints,
  ) {
    if (train.m < 1) throw new FsbayesError('sgd needs a non-empty training set S (give --train-size or --train-mask)');
    if (test.m < 1) throw new FsbayesError('sgd needs a non-empty test set E');
    const batch = Math.min(config.batch, train.m);
    this.net = createSgdNet(spec, Math.max(batch, 64));
    this.opt = createOptimizer(config.optimizer, config.params, this.net.P, this.net.weightBlocks());
    this.init = optimizerEntry(config.optimizer).init;
    this.theta = new Float64Array(this.net.P);
    this.grad = new Float64Array(this.net.P);
    this.order = new Int32Array(train.m);
    this.outS = new Float64Array(train.m);
    this.outE = new Float64Array(test.m);
    this.thr = lossThreshold(config.loss, config.mseTargets);
    this.words = Math.ceil(test.m / 32);
  }

  /** Whether θ classifies every point of S correctly. */
  fitsS(theta: Float64Array): boolean {
    const { inputs, labels, m } = this.train;
    const z = this.net.outputs(theta, inputs, m, this.outS);
    for (let i = 0; i < m; i++) if (z[i] > this.thr !== (labels[i] === 1)) return false;
    return true;
  }

  /** The packed function of θ on E and its errors against E's labels. */
  functionOnE(theta: Float64Array): { bits: Uint32Array; errors: number } {
    const { inputs, labels, m } = this.test;
    const z = this.net.outputs(theta, inputs, m, this.outE);
    const bits = new Uint32Array(this.words);
    let errors = 0;
    for (let i = 0; i < m; i++) {
      const b = z[i] > this.thr;
      if (b) bits[i >>> 5] |= 1 << (i & 31);
      if (b !== (labels[i] === 1)) errors++;
    }
    return { bits, errors };
  }

  /**
   * Train one run from θ₀ (its prior draw; AGD orthogonalises it first) with
   * minibatch order from `rng`. θ₀ is not modified.
   */
  run(theta0: Float64Array, rng: Rng): RunResult {
    const { config, net, opt } = this;
    const theta = this.theta;
    theta.set(theta0.subarray(0, net.P));
    this.init?.(theta, net.weightBlocks());
    opt.reset();
    const mS = this.train.m;
    const batch = Math.min(config.batch, mS);
    const perEpoch = Math.ceil(mS / batch);
    const { checkEvery, epochsAfterFit, maxEpochs } = config.stop;
    const order = this.order;
    let steps = 0;
    let fittedAt = -1;
    const epochStep = (): boolean => {
      // Keras-style epoch: a fresh shuffle, then consecutive minibatches (the last may be short).
      for (let i = 0; i < mS; i++) order[i] = i;
      rng.shuffle(order);
      for (let from = 0; from < mS; from += batch) {
        const n = Math.min(batch, mS - from);
        net.forward(theta, this.train.inputs, order, from, n);
        net.lossGrad(this.train.labels, order, from, config.loss, config.mseTargets);
        net.backward(theta, this.grad);
        opt.step(theta, this.grad);
        steps++;
        if (fittedAt < 0 && checkEvery > 0 && steps % checkEvery === 0 && this.fitsS(theta)) {
          fittedAt = steps;
          return true; // stop at once: the net is trained
        }
      }
      if (fittedAt < 0 && checkEvery === 0 && this.fitsS(theta)) fittedAt = steps;
      return fittedAt >= 0;
    };
    let epoch = 0;
    while (epoch < maxEpochs) {
      epoch++;
      if (epochStep()) break;
    }
    if (fittedAt < 0) {
      return { fitted: false, epochs: epoch, bits: new Uint32Array(this.words), errors: 0 };
    }
    for (let e = 0; e < epochsAfterFit; e++) epochStep();
    const f = this.functionOnE(theta);
    return { fitted: true, epochs: fittedAt / perEpoch, bits: f.bits, errors: f.errors };
  }

  /** Parameters after the last run (for tests: the function really fits S). */
  lastTheta(): Float64Array {
    return this.theta.slice();
  }
}
