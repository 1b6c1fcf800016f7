/**
 * The hand-written backward pass against central finite differences of the
 * loss, where the loss is computed independently (core's float64
 * `forwardReference` plus the loss formula written out in finite-diff.ts).
 */
import { type Activation, type FcnSpec, paramLayout, Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import type { LossName } from '../src/index.js';
import { FcnNet } from '../src/net.js';
import { referenceLoss as lossOf, worstFiniteDifferenceGap } from './finite-diff.js';

const cases: { act: Activation; bias: boolean; hidden: number[]; loss: LossName; t: '01' | 'pm1' }[] = [
  { act: 'relu', bias: true, hidden: [5, 4], loss: 'ce', t: '01' },
  { act: 'relu', bias: true, hidden: [5, 4], loss: 'mse', t: '01' },
  { act: 'relu', bias: false, hidden: [6, 3, 4], loss: 'mse', t: 'pm1' },
  { act: 'tanh', bias: true, hidden: [5, 4], loss: 'ce', t: '01' },
  { act: 'erf', bias: true, hidden: [4], loss: 'mse', t: 'pm1' },
  { act: 'tanh', bias: false, hidden: [], loss: 'ce', t: '01' },
];

describe('backward pass', () => {
  for (const c of cases) {
    it(`matches finite differences: ${c.act}, ${c.bias ? 'bias' : 'no bias'}, [${c.hidden}], ${c.loss}/${c.t}`, () => {
      const spec: FcnSpec = {
        kind: 'fcn',
        inputDim: 3,
        hidden: c.hidden,
        activation: c.act,
        sigmaW: 1.3,
        sigmaB: 0.7,
        bias: c.bias,
      };
      const rng = new Rng(7, 'test', c.act, c.hidden.length, c.loss);
      const P = paramLayout(spec).size;
      const theta = new Float64Array(P).map(() => rng.normal());
      const n = 5;
      const X = new Float64Array(n * 3).map(() => rng.normal());
      const y = Uint8Array.from({ length: n }, (_, i) => i % 2);
      const net = new FcnNet(spec, 8);
      net.forward(theta, X, null, 0, n);
      const L = net.lossGrad(y, null, 0, c.loss, c.t);
      expect(L).toBeCloseTo(lossOf(spec, theta, X, y, c.loss, c.t), 12);
      const g = new Float64Array(P);
      net.backward(theta, g);
      const worst = worstFiniteDifferenceGap((th) => lossOf(spec, th, X, y, c.loss, c.t), theta, g);
      expect(worst).toBeLessThan(1e-5);
      // every layer's weights (and biases) get a non-trivial gradient somewhere
      expect(g.some((v) => v !== 0)).toBe(true);
    });
  }

  it('refuses the step activation', () => {
    const spec: FcnSpec = {
      kind: 'fcn',
      inputDim: 2,
      hidden: [3],
      activation: 'step',
      sigmaW: 1,
      sigmaB: 1,
      bias: true,
    };
    expect(() => new FcnNet(spec, 4)).toThrow(/step/);
  });
});
