/**
 * The float64 CNN net and trainer: its hand-written backward pass against
 * central finite differences of a loss computed independently (core's
 * `forwardReference` of the spec plus the loss written out here), and a CNN
 * whose one conv covers the whole image (VALID) — the same parameters, prior
 * draws and arithmetic as a dense layer — trained side by side with the FCN
 * it equals: the same tables, bit for bit.
 */
import {
  type Activation,
  type CnnSpec,
  type ConvLayer,
  type FcnSpec,
  forwardReference,
  paramLayout,
  Rng,
} from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { CnnNet } from '../src/cnn-net.js';
import { type LossName, resolveConfig, trainSgdTable } from '../src/index.js';
import { createSgdNet } from '../src/nets.js';

function lossOf(spec: CnnSpec, theta: Float64Array, X: Float64Array, y: Uint8Array, loss: LossName, t: '01' | 'pm1') {
  const n = y.length;
  const z = forwardReference(spec, theta, 1, X, n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (loss === 'ce') {
      // −log σ(z) for y = 1, −log(1 − σ(z)) for y = 0, as softplus of ∓z (stable at large logits)
      const u = y[i] === 1 ? -z[i] : z[i];
      s += Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
    } else {
      const target = t === '01' ? y[i] : 2 * y[i] - 1;
      s += (z[i] - target) ** 2;
    }
  }
  return s / n;
}

const conv = (channels: number, k: [number, number], s: [number, number], padding: 'SAME' | 'VALID'): ConvLayer => ({
  channels,
  kernel: k,
  stride: s,
  padding,
});

interface Case {
  name: string;
  act: Activation;
  bias: boolean;
  shape: [number, number, number];
  convs: ConvLayer[];
  pooling: 'flatten' | 'gap';
  hidden: number[];
  loss: LossName;
  t: '01' | 'pm1';
}

const cases: Case[] = [
  {
    name: 'relu, SAME stride 2, flatten, dense 3, ce',
    act: 'relu',
    bias: true,
    shape: [5, 4, 2],
    convs: [conv(3, [3, 3], [2, 2], 'SAME')],
    pooling: 'flatten',
    hidden: [3],
    loss: 'ce',
    t: '01',
  },
  {
    name: 'tanh, no bias, two VALID convs, gap, mse ±1',
    act: 'tanh',
    bias: false,
    shape: [6, 5, 1],
    convs: [conv(3, [2, 2], [1, 1], 'VALID'), conv(2, [3, 2], [1, 2], 'VALID')],
    pooling: 'gap',
    hidden: [],
    loss: 'mse',
    t: 'pm1',
  },
  {
    name: 'erf, 3x2 kernel stride 2x1 SAME then 1x1, gap, dense 4,3, mse 0/1',
    act: 'erf',
    bias: true,
    shape: [5, 6, 2],
    convs: [conv(3, [3, 2], [2, 1], 'SAME'), conv(2, [1, 1], [1, 1], 'SAME')],
    pooling: 'gap',
    hidden: [4, 3],
    loss: 'mse',
    t: '01',
  },
  {
    name: 'relu, even kernel SAME (uneven padding), stride 3, flatten, ce',
    act: 'relu',
    bias: true,
    shape: [7, 7, 1],
    convs: [conv(2, [4, 4], [3, 3], 'SAME'), conv(2, [2, 2], [1, 1], 'SAME')],
    pooling: 'flatten',
    hidden: [2],
    loss: 'ce',
    t: '01',
  },
];

describe('CNN backward pass', () => {
  for (const c of cases) {
    it(`matches central finite differences: ${c.name}`, () => {
      const spec: CnnSpec = {
        kind: 'cnn',
        inputShape: c.shape,
        convs: c.convs,
        pooling: c.pooling,
        hidden: c.hidden,
        activation: c.act,
        sigmaW: 1.3,
        sigmaB: 0.7,
        bias: c.bias,
      };
      const rng = new Rng(11, 'test-cnn', c.name);
      const P = paramLayout(spec).size;
      const theta = new Float64Array(P).map(() => rng.normal() * 0.8);
      const n = 4;
      const d = c.shape[0] * c.shape[1] * c.shape[2];
      const X = new Float64Array(n * d).map(() => rng.normal());
      const y = Uint8Array.from({ length: n }, (_, i) => (i * 3) % 2);
      const net = new CnnNet(spec, 6);
      const z = net.forward(theta, X, null, 0, n);
      const ref = forwardReference(spec, theta, 1, X, n);
      for (let i = 0; i < n; i++) expect(z[i]).toBeCloseTo(ref[i], 12);
      const L = net.lossGrad(y, null, 0, c.loss, c.t);
      expect(L).toBeCloseTo(lossOf(spec, theta, X, y, c.loss, c.t), 12);
      const g = new Float64Array(P);
      net.backward(theta, g);
      const h = 1e-6;
      let worst = 0;
      for (let k = 0; k < P; k++) {
        const tp = theta.slice();
        tp[k] += h;
        const tm = theta.slice();
        tm[k] -= h;
        const fd = (lossOf(spec, tp, X, y, c.loss, c.t) - lossOf(spec, tm, X, y, c.loss, c.t)) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - g[k]) / Math.max(1e-3, Math.abs(fd)));
      }
      expect(worst).toBeLessThan(1e-5);
      // every tensor gets a non-trivial gradient somewhere
      for (const t of paramLayout(spec).tensors)
        expect(
          g.subarray(t.offset, t.offset + t.size).some((v) => v !== 0),
          t.name,
        ).toBe(true);
    });
  }

  it('a minibatch of rows picked by index is the same as those rows in order', () => {
    const spec: CnnSpec = {
      kind: 'cnn',
      inputShape: [4, 4, 1],
      convs: [conv(2, [3, 3], [1, 1], 'SAME')],
      pooling: 'gap',
      hidden: [3],
      activation: 'relu',
      sigmaW: 1,
      sigmaB: 1,
      bias: true,
    };
    const rng = new Rng(5, 'idx');
    const P = paramLayout(spec).size;
    const theta = new Float64Array(P).map(() => rng.normal());
    const X = new Float64Array(6 * 16).map(() => rng.normal());
    const idx = Int32Array.from([4, 1, 5]);
    const picked = new Float64Array(3 * 16);
    idx.forEach((r, i) => {
      picked.set(X.subarray(r * 16, (r + 1) * 16), i * 16);
    });
    const a = Array.from(createSgdNet(spec, 4).forward(theta, X, idx, 0, 3).subarray(0, 3));
    const b = Array.from(forwardReference(spec, theta, 1, picked, 3));
    expect(a).toEqual(b);
  });
});

describe('a CNN whose conv covers the whole image trains exactly as the FCN it equals', () => {
  // [3, 4, 2] images: conv c6k3x4valid gives one position of 6 channels; its weights [6, 3, 4, 2] are the
  // dense [6 × 24] matrix of an FCN on the flattened image, with the same fan-in, prior scale and summation order.
  const shape: [number, number, number] = [3, 4, 2];
  const prior = { activation: 'relu' as Activation, sigmaW: 1.2, sigmaB: 0.5, bias: true };
  const cnn: CnnSpec = {
    kind: 'cnn',
    inputShape: shape,
    convs: [conv(6, [3, 4], [1, 1], 'VALID')],
    pooling: 'flatten',
    hidden: [5],
    ...prior,
  };
  const fcn: FcnSpec = { kind: 'fcn', inputDim: 24, hidden: [6, 5], ...prior };
  const rng = new Rng(3, 'equiv');
  const points = (m: number) => {
    const inputs = new Float64Array(m * 24).map(() => (rng.uniform() < 0.5 ? 0 : rng.normal()));
    // a label the nets can learn: the sign of a fixed linear form
    const labels = Uint8Array.from({ length: m }, (_, i) => {
      let s = 0;
      for (let k = 0; k < 24; k++) s += inputs[i * 24 + k] * Math.cos(k);
      return s > 0 ? 1 : 0;
    });
    return { inputs, labels, m };
  };
  const train = points(20);
  const test = points(30);

  it('same layout and prior draws', () => {
    const a = paramLayout(cnn);
    const b = paramLayout(fcn);
    expect(a.size).toBe(b.size);
    expect(a.tensors.map((t) => [t.offset, t.size, t.std])).toEqual(b.tensors.map((t) => [t.offset, t.size, t.std]));
  });

  for (const optimizer of ['sgd', 'adam'] as const)
    it(`${optimizer}: the same table, epochs and test errors`, async () => {
      const config = resolveConfig({ optimizer, batch: 6, params: { lr: optimizer === 'sgd' ? 0.05 : 0.01 } });
      const run = (spec: CnnSpec | FcnSpec) =>
        trainSgdTable({ spec, config, train, test, seed: 9, runs: 12, threads: 1, engine: { kind: 'js' } });
      const [a, b] = [await run(cnn), await run(fcn)];
      expect(a.state.fitted).toBeGreaterThan(6);
      expect(a.state).toEqual(b.state);
      expect(a.table.entries()).toEqual(b.table.entries());
    });
});
