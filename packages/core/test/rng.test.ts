import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng/index.js';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.uint32());

describe('Rng', () => {
  it('gives the same bytes for the same seed and stream', () => {
    expect(draw(new Rng(42, 'a', 3), 1000)).toEqual(draw(new Rng(42, 'a', 3), 1000));
  });

  it('derives different, uncorrelated streams from (seed, path)', () => {
    const a = new Rng(1, 'nets', 0);
    const b = new Rng(1, 'nets', 1);
    const c = new Rng(2, 'nets', 0);
    const n = 100_000;
    const xa = Array.from({ length: n }, () => a.uniform());
    const xb = Array.from({ length: n }, () => b.uniform());
    const xc = Array.from({ length: n }, () => c.uniform());
    const corr = (u: number[], v: number[]) => {
      const mu = u.reduce((s, x) => s + x, 0) / n;
      const mv = v.reduce((s, x) => s + x, 0) / n;
      let suv = 0;
      let suu = 0;
      let svv = 0;
      for (let k = 0; k < n; k++) {
        suv += (u[k] - mu) * (v[k] - mv);
        suu += (u[k] - mu) ** 2;
        svv += (v[k] - mv) ** 2;
      }
      return suv / Math.sqrt(suu * svv);
    };
    // |corr| of independent streams is ~N(0, 1/n): 5 sigma = 0.016
    expect(Math.abs(corr(xa, xb))).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(corr(xa, xc))).toBeLessThan(5 / Math.sqrt(n));
    // string and number seeds are different streams
    expect(draw(new Rng('1', 'nets', 0), 4)).not.toEqual(draw(new Rng(1, 'nets', 0), 4));
  });

  it('saves and restores its state exactly', () => {
    const r = new Rng(3, 's');
    draw(r, 777);
    const st = JSON.parse(JSON.stringify(r.state()));
    const ahead = draw(r, 500);
    expect(draw(Rng.fromState(st), 500)).toEqual(ahead);
  });

  it('draws unbiased integers, uniform subsets, and normals with the right moments', () => {
    const r = new Rng(11, 'moments');
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let k = 0; k < n; k++) counts[r.int(6)]++;
    // chi-square with 5 dof; 99.9% quantile is 20.5
    const chi = counts.reduce((s, c) => s + (c - n / 6) ** 2 / (n / 6), 0);
    expect(chi).toBeLessThan(20.5);

    const hits = new Array(10).fill(0);
    for (let k = 0; k < 20_000; k++) for (const j of r.choose(10, 3)) hits[j]++;
    for (const h of hits) expect(Math.abs(h - 6000)).toBeLessThan(5 * Math.sqrt(6000 * 0.7));

    const z = r.fillNormal(new Float64Array(200_000));
    const m1 = z.reduce((s, x) => s + x, 0) / z.length;
    const m2 = z.reduce((s, x) => s + x * x, 0) / z.length;
    const m4 = z.reduce((s, x) => s + x ** 4, 0) / z.length;
    expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(z.length));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / z.length));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / z.length));
  });

  it('rejects bad seeds by name', () => {
    expect(() => new Rng(-1)).toThrow(/got -1/);
    expect(() => new Rng(1.5)).toThrow(/got 1.5/);
    expect(() => new Rng('')).toThrow(/non-empty string/);
    expect(() => new Rng(1).int(0)).toThrow(/got 0/);
  });
});
