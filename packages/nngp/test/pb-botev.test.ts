/**
 * P_B(f|S) by Botev, and every orthant estimator's error, against values
 * they did not produce:
 * - d ≤ 3: closed forms (d = 2: ¼ + asin ρ/2π; d = 3: ⅛ + Σ asin ρᵢⱼ/4π);
 * - d = 5–15 and a 12-point P_B system: scipy's randomised-lattice QMC
 *   (2²⁰ points × 4 seeds) and numpy Monte Carlo (10⁷ draws), on kernels the
 *   numpy script computed itself (fixtures/orthant/boolean-exact.json, made by
 *   scripts/fixtures/orthant_exact.py; constant, simple and random labels);
 * - sums over every function on E (Σ P_B = 1).
 * Agreement is |Δ| ≤ 4·(combined standard error) + a small slack, so a seed
 * change cannot make these flaky in practice.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fcnKernel } from '../src/kernels/fcn.js';
import { orthantLogProb } from '../src/orthant/index.js';
import { botevPosteriorProbabilitiesParallel } from '../src/pb/botev-pool.js';
import { botevPosteriorProbabilities, logPosteriorProbabilities } from '../src/pb/index.js';

interface OrthantCase {
  name: string;
  d: number;
  points: number[];
  labels: number[];
  K: number[];
  logP: number;
  err: number;
  mc?: number;
  mcErr?: number;
}
interface PbCase {
  S: number[];
  E: number[];
  labelsS: number[];
  K: number[];
  logPS: number;
  errS: number;
  functions: { bits: number[]; logPB: number; err: number }[];
  sumPB: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../../fixtures/orthant/boolean-exact.json', import.meta.url), 'utf8'),
) as { orthants: OrthantCase[]; pb: PbCase };

const within = (x: number, exact: number, se: number, slack = 1e-9) =>
  expect(Math.abs(x - exact), `${x} vs ${exact} (se ${se})`).toBeLessThanOrEqual(4 * se + slack);

/** The 3×3 covariance of three Boolean NNGP points, scaled (orthants do not care about scale). */
function threePoints(): { K: Float64Array; C: number[] } {
  const X = Float64Array.from([0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0]);
  const K = fcnKernel(X, 3, 7, { hidden: 2, activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true }).nngp;
  const C = Array.from(K, (v, k) => v / Math.sqrt(K[Math.floor(k / 3) * 4] * K[(k % 3) * 4]));
  return { K, C };
}
/** Correlations of a less correlated, signed 3×3 case. */
const C2 = [1, 0.5, -0.3, 0.5, 1, 0.6, -0.3, 0.6, 1];
const sd = [1, 2, 0.5];
const K2 = Float64Array.from(C2, (c, k) => c * sd[Math.floor(k / 3)] * sd[k % 3]);

const orthant3 = (C: number[], y: number[]) =>
  Math.log(
    0.125 +
      (Math.asin(y[0] * y[1] * C[1]) + Math.asin(y[0] * y[2] * C[2]) + Math.asin(y[1] * y[2] * C[5])) / (4 * Math.PI),
  );
const orthant2 = (rho: number, y: number[]) => Math.log(0.25 + Math.asin(y[0] * y[1] * rho) / (2 * Math.PI));

describe('Botev P_B against closed forms (d ≤ 3)', () => {
  it('|S| = 1, |E| = 2: every function against ⅛ + Σ asin/4π over ½, and Σ P_B = 1', () => {
    for (const { K, C } of [threePoints(), { K: K2, C: C2 }]) {
      for (const yS of [1, -1]) {
        const fns = [0, 1, 2, 3].map((f) => [f & 1, (f >> 1) & 1]);
        const r = botevPosteriorProbabilities(K, 1, [yS], fns, { samples: 20_000, seed: 3 });
        expect(r.logPS).toBeCloseTo(Math.log(0.5), 14); // one point: exact
        expect(r.logPSStderr).toBe(0);
        let sum = 0;
        fns.forEach((b, j) => {
          const exact = orthant3(C, [yS, b[0] ? 1 : -1, b[1] ? 1 : -1]) - Math.log(0.5);
          within(r.logPB[j], exact, r.stderr[j]);
          expect(r.stderr[j]).toBeGreaterThan(0);
          expect(r.stderr[j]).toBeLessThan(0.02);
          // S exact here, so the row's bound is a true upper bound on log P_B
          expect(r.upperBound[j]).toBeGreaterThanOrEqual(exact - 1e-9);
          sum += Math.exp(r.logPB[j]);
        });
        expect(Math.abs(sum - 1)).toBeLessThan(0.02);
      }
    }
  });

  it('|S| = 2, |E| = 1: both terms sampled, against the ratio of the d = 3 and d = 2 closed forms', () => {
    for (const { K, C } of [threePoints(), { K: K2, C: C2 }]) {
      const yS = [1, -1];
      const r = botevPosteriorProbabilities(K, 2, yS, [[1], [0]], { samples: 20_000, seed: 4 });
      within(r.logPS, orthant2(C[1], yS), r.logPSStderr);
      expect(r.logPSUpperBound).toBeGreaterThanOrEqual(orthant2(C[1], yS));
      for (const [j, yE] of [1, -1].entries()) {
        const exact = orthant3(C, [...yS, yE]) - orthant2(C[1], yS);
        within(r.logPB[j], exact, r.stderr[j]);
        expect(r.stderr[j]).toBeGreaterThanOrEqual(r.logPSStderr);
      }
    }
  });
});

describe('orthant estimators against scipy QMC and numpy MC (d = 5–15, Boolean NNGP)', () => {
  const X = new Float64Array(128 * 7);
  for (let i = 0; i < 128; i++) for (let b = 0; b < 7; b++) X[i * 7 + b] = (i >> (6 - b)) & 1;
  const Kall = fcnKernel(X, 128, 7, { hidden: 2, activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true }).nngp;

  it('the fixture: its kernel is ours, its QMC and MC values agree', () => {
    for (const c of fixture.orthants) {
      for (let a = 0; a < c.d; a++)
        for (let b = 0; b < c.d; b++) {
          const mine = Kall[c.points[a] * 128 + c.points[b]];
          expect(Math.abs(mine - c.K[a * c.d + b])).toBeLessThan(1e-12 * Math.abs(mine));
        }
      if (c.mc !== undefined) within(c.mc, c.logP, Math.hypot(c.mcErr as number, c.err));
    }
  });

  for (const c of fixture.orthants) {
    it(`${c.name}: log P = ${c.logP.toFixed(3)}: Botev and Genz within their errors, MC within its interval, EP off by its known bias`, () => {
      const K = Float64Array.from(c.K);
      const botev = orthantLogProb(K, c.d, c.labels, { method: 'botev', seed: 5, samples: 10_000 });
      within(botev.logP, c.logP, Math.hypot(botev.stderr as number, c.err));
      expect(botev.stderr).toBeLessThan(0.02);
      expect(botev.upperBound).toBeGreaterThanOrEqual(c.logP - 4 * c.err);
      const genz = orthantLogProb(K, c.d, c.labels, { method: 'genz', seed: 5 });
      expect(Math.abs(genz.logP - c.logP)).toBeLessThanOrEqual(6 * Math.hypot(genz.stderr as number, c.err) + 1e-6);
      const mc = orthantLogProb(K, c.d, c.labels, { method: 'mc', seed: 5, samples: 100_000 });
      const [lo, hi] = mc.logInterval95 as [number, number];
      // a 95% interval: checked with a margin of its own width, so one seed in twenty cannot fail it
      const w = Number.isFinite(lo) ? hi - lo : 1;
      expect(c.logP).toBeGreaterThanOrEqual(lo - w);
      expect(c.logP).toBeLessThanOrEqual(hi + w);
      const ep = orthantLogProb(K, c.d, c.labels, { method: 'ep' });
      expect(ep.stderr).toBeNull();
      // EP is below the exact value on these kernels: most for constant labels (0.15–0.24 here), little for random ones
      expect(ep.logP - c.logP).toBeLessThan(0.02);
      expect(ep.logP - c.logP).toBeGreaterThan(-0.4);
      if (c.name.endsWith('constant') && c.d >= 10) expect(ep.logP - c.logP).toBeLessThan(-0.1);
    });
  }
});

describe('P_B on a 12-point Boolean system (|S| = 8, |E| = 4, all 16 functions) against QMC', () => {
  const pb = fixture.pb;
  const K = Float64Array.from(pb.K);
  const fns = pb.functions.map((f) => f.bits);

  it('Botev within its error of every exact value; EP P_B measurably off; Σ P_B = 1', () => {
    const r = botevPosteriorProbabilities(K, 8, pb.labelsS, fns, { samples: 10_000, seed: 6 });
    within(r.logPS, pb.logPS, Math.hypot(r.logPSStderr, pb.errS));
    const ep = logPosteriorProbabilities(K, 8, pb.labelsS, fns, { mode: 'joint' });
    let sum = 0;
    let epWorst = 0;
    pb.functions.forEach((f, j) => {
      within(r.logPB[j], f.logPB, Math.hypot(r.stderr[j], f.err), 1e-6);
      expect(r.stderr[j]).toBeLessThan(0.03);
      sum += Math.exp(r.logPB[j]);
      epWorst = Math.max(epWorst, Math.abs(ep.logPB[j] - f.logPB));
    });
    expect(Math.abs(pb.sumPB - 1)).toBeLessThan(1e-3);
    expect(Math.abs(sum - 1)).toBeLessThan(0.03);
    // EP (deterministic) errs by 0.02 on average here, 0.052 at worst, beyond Botev's standard errors (≈ 0.01)
    expect(epWorst).toBeGreaterThan(0.04);
    expect(epWorst).toBeLessThan(0.1);
  });
});

describe('Botev P_B: seeds, threads, independence of the list', () => {
  const pb = fixture.pb;
  const K = Float64Array.from(pb.K);
  const fns = pb.functions.map((f) => f.bits);

  it('same seed, same bytes; another seed, another value within error', () => {
    const a = botevPosteriorProbabilities(K, 8, pb.labelsS, fns.slice(0, 4), { samples: 2000, seed: 1 });
    const b = botevPosteriorProbabilities(K, 8, pb.labelsS, fns.slice(0, 4), { samples: 2000, seed: 1 });
    const c = botevPosteriorProbabilities(K, 8, pb.labelsS, fns.slice(0, 4), { samples: 2000, seed: 2 });
    expect(Array.from(b.logPB)).toEqual(Array.from(a.logPB));
    expect(Array.from(b.stderr)).toEqual(Array.from(a.stderr));
    for (let j = 0; j < 4; j++) {
      expect(c.logPB[j]).not.toBe(a.logPB[j]);
      expect(Math.abs(c.logPB[j] - a.logPB[j])).toBeLessThan(4 * Math.hypot(a.stderr[j], c.stderr[j]));
    }
  });

  it('a function has the same value whatever else is listed, in any order, on any number of threads', async () => {
    const o = { samples: 500, samplesS: 5000, seed: 9 };
    const all = botevPosteriorProbabilities(K, 8, pb.labelsS, fns, o);
    const rev = botevPosteriorProbabilities(K, 8, pb.labelsS, [...fns].reverse().slice(0, 5), o);
    for (let j = 0; j < 5; j++) expect(rev.logPB[j]).toBe(all.logPB[15 - j]);
    const par = await botevPosteriorProbabilitiesParallel(K, 8, pb.labelsS, fns, { ...o, threads: 2 });
    expect(Array.from(par.logPB)).toEqual(Array.from(all.logPB));
    expect(Array.from(par.stderr)).toEqual(Array.from(all.stderr));
    expect(Array.from(par.upperBound)).toEqual(Array.from(all.upperBound));
    const cold = botevPosteriorProbabilities(K, 8, pb.labelsS, fns, { ...o, warmStart: 'none' });
    // the warm start moves only the Newton path: the same saddle point to the solve's tolerance
    for (let j = 0; j < 16; j++) expect(Math.abs(cold.logPB[j] - all.logPB[j])).toBeLessThan(1e-6);
  });

  it('exact cases: a test point repeating a training point with the other label has P_B = 0; repeats only give P_B = 1', () => {
    const { K: K3 } = threePoints();
    // S = points 0, 1; E = point 1 again (a repeat) and point 2
    const idx = [0, 1, 1, 2];
    const K4 = Float64Array.from({ length: 16 }, (_, k) => K3[idx[Math.floor(k / 4)] * 3 + idx[k % 4]]);
    const r = botevPosteriorProbabilities(
      K4,
      2,
      [1, -1],
      [
        [0, 1],
        [1, 1],
      ],
      { samples: 2000 },
    );
    expect(r.logPB[0]).toBeGreaterThan(Number.NEGATIVE_INFINITY);
    expect(r.logPB[1]).toBe(Number.NEGATIVE_INFINITY);
    expect(r.exact[1]).toBe(1);
    expect(r.stderr[1]).toBe(0);
    expect(r.warnings.join(' ')).toMatch(/1 of 2 functions have P_B = 0 exactly/);
    const idx2 = [0, 1, 1];
    const K5 = Float64Array.from({ length: 9 }, (_, k) => K3[idx2[Math.floor(k / 3)] * 3 + idx2[k % 3]]);
    const r2 = botevPosteriorProbabilities(K5, 2, [1, -1], [[0], [1]], { samples: 2000 });
    expect(Array.from(r2.logPB)).toEqual([0, Number.NEGATIVE_INFINITY]);
  });

  it('refuses bad input before sampling', () => {
    expect(() => botevPosteriorProbabilities(K, 8, pb.labelsS, [[0, 1]], {})).toThrow(/2 bits, E has 4/);
    expect(() => botevPosteriorProbabilities(K, 8, pb.labelsS, fns, { samples: 1 })).toThrow(/samples .* ≥ 2, got 1/);
    expect(() => botevPosteriorProbabilities(K, 8, pb.labelsS.slice(1), fns)).toThrow(/8 points but 7 labels/);
  });
});
