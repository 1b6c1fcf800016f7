/**
 * P_B by 'lowrank' (the joint EP with S sites moving through a Woodbury
 * update) against the joint EP on S ∪ E_f computed from scratch (O(n³) per
 * sweep, no shared code beyond the site update and log Z formula), against
 * the exact reduction, and against 'conditional' where the cap stops it short.
 */
import { mnistDataset, parseArch, Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { epClassify } from '../src/ep/index.js';
import { kernelMatrix } from '../src/kernels/index.js';
import { defaultMaxActiveS, logPosteriorProbabilities } from '../src/pb/index.js';
import { reluNngp } from './helpers.js';

const X7 = new Float64Array(128 * 7);
for (let i = 0; i < 128; i++) for (let b = 0; b < 7; b++) X7[i * 7 + b] = (i >> (6 - b)) & 1;
const K7 = reluNngp(X7, 128, 7, 2, 1, 1);
function booleanKernel(idx: number[]): Float64Array {
  const n = idx.length;
  const K = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) K[a * n + b] = K7[idx[a] * 128 + idx[b]];
  return K;
}
/** S as in pb.test.ts: 32 inputs, target 0011… */
const S = [
  0, 6, 7, 9, 18, 19, 21, 30, 36, 41, 43, 45, 46, 47, 48, 56, 61, 67, 68, 71, 72, 74, 75, 80, 83, 87, 90, 101, 104, 111,
  113, 116,
];
const yS = S.map((i) => (i & 2 ? 1 : -1));
const tight = { tol: 1e-9 };

describe("P_B 'lowrank'", () => {
  it('Boolean system, |E| = 96 (all other inputs): equals the joint EP from scratch to 1e−7, at the fixed point', () => {
    const E = Array.from({ length: 128 }, (_, i) => i).filter((i) => !S.includes(i));
    const K = booleanKernel([...S, ...E]);
    const rng = new Rng(2, 'test-fns');
    // the target itself, and the target with 4 and 48 bits flipped (low probability: P_B ≈ e^−60)
    const fns = [0, 4, 48].map((k) => {
      const f = Uint8Array.from(E, (i) => (i & 2 ? 1 : 0));
      const idx = E.map((_, j) => j);
      rng.shuffle(idx);
      for (let j = 0; j < k; j++) f[idx[j]] ^= 1;
      return f;
    });
    const r = logPosteriorProbabilities(K, 32, yS, fns, { mode: 'lowrank', ep: tight });
    expect(r.mode).toBe('lowrank');
    const logPS = epClassify(booleanKernel(S), 32, yS, tight).logZ;
    for (const [k, f] of fns.entries()) {
      const cold = epClassify(K, 128, [...yS, ...Array.from(f, (b) => (b ? 1 : -1))], tight);
      expect(Math.abs(r.logPB[k] - (cold.logZ - logPS))).toBeLessThan(1e-7);
      expect(r.frozenKL?.[k]).toBe(0);
    }
    expect(r.logPB[2]).toBeLessThan(-40);
    expect(r.converged).toBe(true);
    expect(r.methodError).toMatch(/lowrank vs joint/);
  });

  it('onSweepS sees the sweeps of EP on S only: as many as EP on S alone takes, not the per-function sweeps', () => {
    const K = booleanKernel([...S, 1, 2, 3]);
    const fns = [Uint8Array.of(0, 1, 1), Uint8Array.of(1, 0, 0)];
    for (const mode of ['joint', 'lowrank'] as const) {
      const seen: number[] = [];
      logPosteriorProbabilities(K, 32, yS, fns, { mode, ep: tight, onSweepS: (s) => seen.push(s.iteration) });
      const alone = epClassify(booleanKernel(S), 32, yS, tight);
      expect(seen, mode).toEqual(Array.from({ length: alone.iterations }, (_, i) => i + 1));
    }
  });

  it("'auto' is 'joint' (the same bits) when |S| ≤ max(256, 4|E|), 'lowrank' above", () => {
    const K = booleanKernel([...S, 1, 2, 3]);
    const fns = [Uint8Array.of(0, 1, 1), Uint8Array.of(1, 0, 0)];
    const auto = logPosteriorProbabilities(K, 32, yS, fns);
    const joint = logPosteriorProbabilities(K, 32, yS, fns, { mode: 'joint' });
    expect(auto.mode).toBe('joint');
    expect(Array.from(auto.logPB)).toEqual(Array.from(joint.logPB));
    expect(auto.methodError).toMatch(/reference/);
    expect(defaultMaxActiveS(3)).toBe(256);
    expect(defaultMaxActiveS(100)).toBe(400);
    const low = logPosteriorProbabilities(K, 32, yS, fns, { lowRank: { maxActiveS: 8 } });
    expect(low.mode).toBe('lowrank');
  });

  describe('MNIST, |S| = 150, |E| = 20, the cap at 16 S sites', () => {
    const split = mnistDataset({ trainSize: 150, testSize: 20, seed: 7 });
    const spec = parseArch('fcn:128,128', { inputShape: split.train.shape, sigmaW: 1.41, sigmaB: 0.1 });
    const X = new Float64Array(170 * 784);
    X.set(split.train.inputs);
    X.set(split.test.inputs, 150 * 784);
    const K = kernelMatrix(spec, X, 170);
    const ySm = Array.from(split.train.labels, (l) => (l ? 1 : -1));
    const truth = Uint8Array.from(split.test.labels);
    const flipped = truth.map((b, i) => (i % 2 ? 1 - b : b)); // half of E flipped: a low-probability function

    it('stops short of the fixed point, says so (frozenKL, a warning), and errs by less than 0.25 × frozenKL', () => {
      const fns = [truth, flipped];
      const joint = logPosteriorProbabilities(K, 150, ySm, fns, { mode: 'joint' });
      const low = logPosteriorProbabilities(K, 150, ySm, fns, { mode: 'lowrank', lowRank: { maxActiveS: 16 } });
      const cond = logPosteriorProbabilities(K, 150, ySm, fns, { mode: 'conditional' });
      for (let k = 0; k < 2; k++) {
        const kl = low.frozenKL?.[k] ?? 0;
        expect(kl).toBeGreaterThan(0);
        const err = low.logPB[k] - joint.logPB[k];
        expect(Math.abs(err)).toBeLessThan(0.25 * kl);
      }
      // on the low-probability function it is much closer to joint than 'conditional' is
      expect(Math.abs(low.logPB[1] - joint.logPB[1])).toBeLessThan(0.3 * Math.abs(cond.logPB[1] - joint.logPB[1]));
      expect(low.warnings.join('\n')).toMatch(/stopped at the cap of 16 moving S sites/);
      // with room for every S site it is the joint EP again
      const all = logPosteriorProbabilities(K, 150, ySm, fns, { mode: 'lowrank', ep: tight });
      const jointTight = logPosteriorProbabilities(K, 150, ySm, fns, { mode: 'joint', ep: tight });
      for (let k = 0; k < 2; k++) expect(Math.abs(all.logPB[k] - jointTight.logPB[k])).toBeLessThan(1e-7);
    });
  });

  it('the exact reduction comes first: a contradicted repeat is P_B = 0 exactly, an agreeing one adds nothing', () => {
    const K = booleanKernel([...S.slice(0, 8), S[3], 1]); // E = (copy of S[3], input 1)
    const yS8 = yS.slice(0, 8);
    const agree = yS8[3] > 0 ? 1 : 0;
    const r = logPosteriorProbabilities(K, 8, yS8, [Uint8Array.of(agree, 0), Uint8Array.of(1 - agree, 0)], {
      mode: 'lowrank',
      ep: tight,
    });
    const alone = logPosteriorProbabilities(booleanKernel([...S.slice(0, 8), 1]), 8, yS8, [Uint8Array.of(0)], {
      mode: 'joint',
      ep: tight,
    });
    expect(Math.abs(r.logPB[0] - alone.logPB[0])).toBeLessThan(1e-8);
    expect(r.logPB[1]).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(r.exact)).toEqual([0, 1]);
  });
});
