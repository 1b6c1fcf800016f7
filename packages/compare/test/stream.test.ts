/**
 * The streaming comparison (tables read in key order, one pass, no Map)
 * against the in-memory one (sources aligned by key through Maps): two
 * independent computations of the same statistics.
 */
import { createProvenance, FunctionTable, functionTableSource, Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { compareSources } from '../src/metrics/compare.js';
import { compareTableStreams } from '../src/metrics/stream.js';
import { rankPlot } from '../src/plots/charts.js';
import { tableSource } from '../src/sources.js';

/** A table of `n` draws from a skewed law over `k` functions on m points (some functions only one side sees). */
function table(seed: number, m: number, k: number, n: number, labels: Uint8Array): FunctionTable {
  const rng = new Rng(seed, 'stream-compare');
  const t = new FunctionTable(m, labels, createProvenance({ spec: { m }, dataset: 'd', seeds: [seed], backend: 'js' }));
  const keys = Array.from({ length: k }, (_, i) => {
    const r = new Rng(i, 'pool'); // the same pool of functions on every side
    return Uint32Array.from({ length: (m + 31) >>> 5 }, () => r.uint32() >>> 0);
  });
  for (let j = 0; j < n; j++) {
    const u = rng.uniform();
    t.add(keys[Math.floor(k * u * u * (seed % 2 ? 1 : u))]);
  }
  return t;
}

describe('compareTableStreams', () => {
  const labels = Uint8Array.from({ length: 45 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
  const tables = [
    table(1, 45, 3000, 20000, labels),
    table(2, 45, 3000, 15000, labels),
    table(3, 45, 800, 9000, labels),
  ];
  const names = ['a', 'b', 'c'];

  for (const unseen of ['smooth', 'common', 'strict'] as const) {
    it(`agrees with the in-memory comparison (unseen: ${unseen})`, async () => {
      const opts = { minCount: 3, topK: 12, unseen, alpha: 0.5 };
      const mem = compareSources(
        tables.map((t, i) => tableSource(names[i], t)),
        { ...opts, bootstrap: 0 },
      );
      const str = await compareTableStreams(
        tables.map((t, i) => ({ name: names[i], source: functionTableSource(t, 777) })),
        opts,
      );
      expect(str.sources).toEqual(mem.sources);
      expect(str.options).toEqual(mem.options);
      expect(str.pairs).toHaveLength(3);
      str.pairs.forEach((p, q) => {
        const e = mem.pairs[q];
        for (const k of ['a', 'b', 'n', 'support', 'topShared', 'ci'] as const) expect(p[k]).toEqual(e[k]);
        for (const k of [
          'pearsonLog',
          'spearman',
          'kl',
          'klReverse',
          'js',
          'tv',
          'hellinger',
          'topMassOverlap',
          'massOnlyA',
          'massOnlyB',
          'massDroppedA',
          'massDroppedB',
          'klMassLeftOutA',
          'klMassLeftOutB',
        ] as const) {
          const [x, y] = [p[k], e[k]];
          if (!Number.isFinite(y)) expect(x).toBe(y);
          else expect(Math.abs(x - y), `${k}: ${x} vs ${y}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(y)));
        }
      });
      if (unseen === 'strict') expect(str.pairs[0].kl).toBe(Number.POSITIVE_INFINITY);
    });
  }

  it('refuses tables on different E, naming them', async () => {
    const other = table(
      4,
      45,
      10,
      100,
      Uint8Array.from({ length: 45 }, () => 0),
    );
    await expect(
      compareTableStreams([
        { name: 'a', source: functionTableSource(tables[0]) },
        { name: 'z', source: functionTableSource(other) },
      ]),
    ).rejects.toThrow(/a and z have different labels on E/);
  });
});

describe('rankPlot of runs', () => {
  it('draws the same figure from runs of equal values as from the values', () => {
    const values = [0.4, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0, Number.NaN];
    const runs = [
      { value: 0.05, count: 4 },
      { value: 0.4, count: 1 },
      { value: 0.1, count: 3 },
      { value: 0.025, count: 2 },
      { value: 0, count: 5 },
    ];
    const a = rankPlot({ title: 't', series: [{ name: 'A', values }] }).toSVG();
    const b = rankPlot({ title: 't', series: [{ name: 'A', runs }] }).toSVG();
    expect(b).toBe(a);
    expect(a).toContain('A (10)');
  });
});
