/**
 * Update rules against values worked out by hand (the arithmetic is in the
 * comments): θ₀ = (1, −2), then two steps with g₁ = (0.5, −1), g₂ = (0.25, 0.5).
 * AGD against its defining identities.
 */
import { Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { defaultParams, type OptimizerName, type OptimizerParams, resolveConfig } from '../src/index.js';
import { createOptimizer } from '../src/optimizers.js';
import { agdEta, agdInit } from '../src/updates.js';

function twoSteps(name: OptimizerName, p: Partial<OptimizerParams>): number[][] {
  const opt = createOptimizer(name, { ...defaultParams(name), ...p }, 2);
  const theta = Float64Array.from([1, -2]);
  const after: number[][] = [];
  for (const g of [
    [0.5, -1],
    [0.25, 0.5],
  ]) {
    opt.step(theta, Float64Array.from(g));
    after.push([...theta]);
  }
  return after;
}

describe('optimiser steps by hand', () => {
  it('sgd: θ ← θ − ηg', () => {
    // 1 − 0.1·0.5 = 0.95, then 0.95 − 0.1·0.25 = 0.925; −2 + 0.1 = −1.9, then −1.9 − 0.05 = −1.95
    const [a, b] = twoSteps('sgd', { lr: 0.1 });
    expect(a[0]).toBeCloseTo(0.95, 14);
    expect(a[1]).toBeCloseTo(-1.9, 14);
    expect(b[0]).toBeCloseTo(0.925, 14);
    expect(b[1]).toBeCloseTo(-1.95, 14);
  });
  it('sgd with momentum 0.9', () => {
    // v₁ = −0.05 → 0.95; v₂ = 0.9·(−0.05) − 0.025 = −0.07 → 0.88. Coord 2: v₁ = 0.1 → −1.9; v₂ = 0.09 − 0.05 = 0.04 → −1.86
    const [a, b] = twoSteps('sgd', { lr: 0.1, momentum: 0.9 });
    expect(a).toEqual([expect.closeTo(0.95, 14), expect.closeTo(-1.9, 14)]);
    expect(b).toEqual([expect.closeTo(0.88, 14), expect.closeTo(-1.86, 14)]);
  });
  it('sgd with Nesterov momentum 0.9', () => {
    // step 1: θ += 0.9·(−0.05) − 0.05 = −0.095 → 0.905; step 2: v₂ = −0.07, θ += 0.9·(−0.07) − 0.025 = −0.088 → 0.817
    const [a, b] = twoSteps('sgd', { lr: 0.1, momentum: 0.9, nesterov: true });
    expect(a[0]).toBeCloseTo(0.905, 14);
    expect(b[0]).toBeCloseTo(0.817, 14);
  });
  it('sgd with weight decay 0.01 and lr decay 0.5', () => {
    // step 1: g = 0.5 + 0.01·1 = 0.51, η = 0.1 → 0.949; step 2: η = 0.1/1.5, g = 0.25 + 0.00949 → 0.949 − 0.25949/15 = 0.93170067
    const [a, b] = twoSteps('sgd', { lr: 0.1, weightDecay: 0.01, lrDecay: 0.5 });
    expect(a[0]).toBeCloseTo(0.949, 14);
    expect(b[0]).toBeCloseTo(0.949 - 0.25949 / 15, 14);
  });
  it('adam (η 0.1)', () => {
    // step 1: m̂ = g, v̂ = g² → θ = 1 − 0.1·0.5/(0.5 + 1e-8) ≈ 0.9
    // step 2: m = 0.9·0.05 + 0.1·0.25 = 0.07, m̂ = 0.07/0.19; v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225, v̂ = v/0.001999
    const [a, b] = twoSteps('adam', { lr: 0.1 });
    expect(a[0]).toBeCloseTo(0.900000002, 9);
    expect(a[1]).toBeCloseTo(-1.900000001, 8);
    expect(b[0]).toBeCloseTo(0.9 - (0.1 * (0.07 / 0.19)) / Math.sqrt(0.00031225 / 0.001999), 8);
  });
  it('adagrad (η 0.1)', () => {
    // G = 0.25 → 1 − 0.1·0.5/0.5 = 0.9; G = 0.3125 → 0.9 − 0.025/√0.3125 = 0.85527864
    const [a, b] = twoSteps('adagrad', { lr: 0.1 });
    expect(a[0]).toBeCloseTo(0.9, 9);
    expect(b[0]).toBeCloseTo(0.8552786404500042, 9);
  });
  it('rmsprop (η 0.01, ρ 0.9)', () => {
    // s = 0.1·0.25 = 0.025 → 1 − 0.005/√0.025 = 0.96837722; s = 0.0225 + 0.00625 = 0.02875 → −0.0025/√0.02875
    const [a, b] = twoSteps('rmsprop', { lr: 0.01 });
    expect(a[0]).toBeCloseTo(0.9683772233983162, 6);
    expect(b[0]).toBeCloseTo(0.9536330277828265, 6);
  });
  it('adadelta (η 1, ρ 0.95, ε 1e-6)', () => {
    // E[g²] = 0.05·0.25 = 0.0125; Δ = −√1e-6/√(0.0125 + 1e-6)·0.5 = −0.004471957
    const [a] = twoSteps('adadelta', {});
    expect(a[0]).toBeCloseTo(1 - (0.001 / Math.sqrt(0.012501)) * 0.5, 12);
  });
});

describe('AGD', () => {
  it('η(G) = ln((1 + √(1+4G))/2): η(0) = 0, η(2) = ln 2', () => {
    expect(agdEta(0)).toBe(0);
    expect(agdEta(2)).toBeCloseTo(Math.LN2, 14);
  });

  it('initialises semi-orthogonal weights scaled by √(out/in)', () => {
    const blocks = [
      { offset: 0, out: 3, in: 5 },
      { offset: 15, out: 4, in: 3 },
    ];
    const rng = new Rng(3, 'agd-init-test');
    const theta = Float64Array.from({ length: 27 }, () => rng.normal());
    agdInit(theta, blocks);
    for (const b of blocks) {
      const W = (o: number, i: number) => theta[b.offset + o * b.in + i];
      // out ≤ in: W Wᵀ = (out/in) I; out > in: Wᵀ W = (out/in) I
      const short = Math.min(b.out, b.in);
      for (let u = 0; u < short; u++)
        for (let v = 0; v < short; v++) {
          let s = 0;
          for (let k = 0; k < Math.max(b.out, b.in); k++) s += b.out <= b.in ? W(u, k) * W(v, k) : W(k, u) * W(k, v);
          expect(s).toBeCloseTo(u === v ? b.out / b.in : 0, 12);
        }
    }
  });

  it('steps each layer by (η/L)·√(out/in) in Frobenius norm, with η from G', () => {
    const blocks = [
      { offset: 0, out: 2, in: 2 },
      { offset: 4, out: 1, in: 2 },
    ];
    const opt = createOptimizer('agd', resolveConfig({ optimizer: 'agd' }).params, 6, blocks);
    const theta = new Float64Array(6);
    // ‖∇W₁‖_F = √(9+16) = 5, √(2/2) = 1; ‖∇W₂‖_F = √(0.36+0.64) = 1, √(1/2); G = (5 + √½)/2
    const g = Float64Array.from([3, 0, 0, 4, 0.6, 0.8]);
    opt.step(theta, g);
    const G = (5 + Math.SQRT1_2) / 2;
    const eta = Math.log((1 + Math.sqrt(1 + 4 * G)) / 2);
    const n1 = Math.hypot(theta[0], theta[1], theta[2], theta[3]);
    const n2 = Math.hypot(theta[4], theta[5]);
    expect(n1).toBeCloseTo(eta / 2, 12);
    expect(n2).toBeCloseTo((eta / 2) * Math.SQRT1_2, 12);
    expect(theta[0] / theta[3]).toBeCloseTo(3 / 4, 12); // along −∇W₁
    expect(theta[0]).toBeLessThan(0);
  });

  it('refuses nets with biases', () => {
    expect(() => createOptimizer('agd', defaultParams('agd'), 7, [{ offset: 0, out: 2, in: 3 }])).toThrow(/sigma-b 0/);
  });
});

describe('config', () => {
  it('names bad values', () => {
    expect(() => resolveConfig({ batch: 0 })).toThrow(/batch must be a positive integer, got 0/);
    expect(() => resolveConfig({ params: { lr: -1 } })).toThrow(/lr must be a positive number, got -1/);
    expect(() => resolveConfig({ optimizer: 'lbfgs' as OptimizerName })).toThrow(/unknown optimizer 'lbfgs'/);
  });
});
