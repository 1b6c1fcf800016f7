/**
 * Every metric on hand-made tables, with the answers worked out by hand
 * (the arithmetic is in the comments and in the expected expressions).
 */
import { FunctionTable, Rng } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import {
  checkCompatible,
  compareSources,
  expectedTestError,
  hellingerDistance,
  histogram2d,
  jointCSV,
  jointTable,
  jsDivergence,
  klDivergence,
  pairStats,
  pbSource,
  pearson,
  percentileInterval,
  spearman,
  tableSource,
  topMassOverlap,
  totalVariation,
} from '../src/index.js';
import { AliasTable, resampleCounts } from '../src/metrics/bootstrap.js';
import { averageRanks } from '../src/metrics/correlation.js';
import { alignPair } from '../src/metrics/pair.js';

/** A table on m = 4 points from {key: count}; keys are one hex digit (4 bits). */
function table(counts: Record<string, number>, labels: number[] | null = null): FunctionTable {
  const t = new FunctionTable(4, labels ? Uint8Array.from(labels) : null);
  for (const [k, c] of Object.entries(counts)) t.add(k, c);
  return t;
}

// A: '0' 6, '1' 3, '3' 1 (total 10); B: '0' 5, '1' 4, 'f' 1 (total 10).
// On the union ('0', '1', '3', 'f'): p = (.6, .3, .1, 0), q = (.5, .4, 0, .1).
const p = [0.6, 0.3, 0.1, 0];
const q = [0.5, 0.4, 0, 0.1];
const A = () => tableSource('A', table({ 0: 6, 1: 3, 3: 1 }, [0, 0, 0, 0]));
const B = () => tableSource('B', table({ 0: 5, 1: 4, f: 1 }, [0, 0, 0, 0]));

describe('divergences on aligned arrays', () => {
  it('TV = ½ Σ|p − q| = ½ (.1 + .1 + .1 + .1) = 0.2', () => {
    expect(totalVariation(p, q)).toBeCloseTo(0.2, 12);
  });
  it('Hellinger = √(1 − Σ√(pq)) = √(1 − √.30 − √.12) = 0.325373', () => {
    expect(hellingerDistance(p, q)).toBeCloseTo(Math.sqrt(1 - Math.sqrt(0.3) - Math.sqrt(0.12)), 12);
    expect(hellingerDistance(p, q)).toBeCloseTo(0.325373, 6);
  });
  it('JS with m = (.55, .35, .05, .05)', () => {
    const js =
      0.5 * (0.6 * Math.log(0.6 / 0.55) + 0.3 * Math.log(0.3 / 0.35) + 0.1 * Math.log(0.1 / 0.05)) +
      0.5 * (0.5 * Math.log(0.5 / 0.55) + 0.4 * Math.log(0.4 / 0.35) + 0.1 * Math.log(0.1 / 0.05));
    expect(jsDivergence(p, q)).toBeCloseTo(js, 12);
    expect(js).toBeCloseTo(0.07517, 5);
    // disjoint supports: JS = ln 2, TV = Hellinger = 1
    expect(jsDivergence([1, 0], [0, 1])).toBeCloseTo(Math.LN2, 12);
    expect(totalVariation([1, 0], [0, 1])).toBe(1);
    expect(hellingerDistance([1, 0], [0, 1])).toBe(1);
  });
  it('KL is infinite when q misses a function p has, finite otherwise', () => {
    expect(klDivergence(p, q)).toBe(Number.POSITIVE_INFINITY);
    // KL((.5,.5) ‖ (.25,.75)) = .5 ln 2 + .5 ln(2/3)
    expect(klDivergence([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.5 * Math.LN2 + 0.5 * Math.log(2 / 3), 12);
    expect(klDivergence(p, p)).toBe(0);
  });
});

describe('correlations', () => {
  it('Pearson of x = 1..4, y = (2, 4, 5, 9): sxy = 11, sxx = 5, syy = 26, r = 11/√130', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(130), 12);
  });
  it('Spearman with ties: ranks (1, 2.5, 2.5, 4) vs (1, 3, 2, 4), ρ = 4.5/√22.5', () => {
    expect(Array.from(averageRanks([1, 2, 2, 3]))).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });
  it('NaN when constant or fewer than 2 points', () => {
    expect(pearson([1], [2])).toBeNaN();
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('top-k mass overlap', () => {
  const keys = ['0', '1', '3', 'f'];
  it('k = 1: both tops are "0", min(.6, .5) = .5', () => {
    expect(topMassOverlap(p, q, 1, keys)).toEqual({ mass: 0.5, shared: 1, k: 1 });
  });
  it('k = 2 and 3: shared {"0", "1"}, .5 + .3 = .8 = 1 − TV', () => {
    expect(topMassOverlap(p, q, 2, keys).mass).toBeCloseTo(0.8, 12);
    expect(topMassOverlap(p, q, 3, keys)).toMatchObject({ shared: 2 });
    expect(topMassOverlap(p, q, 3, keys).mass).toBeCloseTo(0.8, 12);
  });
});

describe('pair statistics on two tables', () => {
  it('union support, TV/JS/Hellinger on the union, unseen mass on each side', () => {
    const s = pairStats(alignPair(A(), B()), { minCount: 1, topK: 2 });
    expect(s.support).toBe(4);
    expect(s.tv).toBeCloseTo(0.2, 12);
    expect(s.hellinger).toBeCloseTo(Math.sqrt(1 - Math.sqrt(0.3) - Math.sqrt(0.12)), 12);
    expect(s.topMassOverlap).toBeCloseTo(0.8, 12);
    expect(s.massOnlyA).toBeCloseTo(0.1, 12); // '3'
    expect(s.massOnlyB).toBeCloseTo(0.1, 12); // 'f'
    expect([s.massDroppedA, s.massDroppedB]).toEqual([0, 0]);
    expect(s.n).toBe(2); // '0' and '1' are seen by both
  });
  it('KL smooth: counts + ½ over 4 functions, (6.5, 3.5, 1.5, .5)/12 vs (5.5, 4.5, .5, 1.5)/12', () => {
    const s = pairStats(alignPair(A(), B()), { unseen: 'smooth', alpha: 0.5 });
    const kl =
      (6.5 * Math.log(6.5 / 5.5) + 3.5 * Math.log(3.5 / 4.5) + 1.5 * Math.log(1.5 / 0.5) + 0.5 * Math.log(0.5 / 1.5)) /
      12;
    expect(s.kl).toBeCloseTo(kl, 12);
    const rev =
      (5.5 * Math.log(5.5 / 6.5) + 4.5 * Math.log(4.5 / 3.5) + 0.5 * Math.log(0.5 / 1.5) + 1.5 * Math.log(1.5 / 0.5)) /
      12;
    expect(s.klReverse).toBeCloseTo(rev, 12);
  });
  it('KL common: on {"0", "1"}, (2/3, 1/3) vs (5/9, 4/9), with .1 of each side left out', () => {
    const s = pairStats(alignPair(A(), B()), { unseen: 'common' });
    expect(s.kl).toBeCloseTo((2 / 3) * Math.log(1.2) + (1 / 3) * Math.log(0.75), 12);
    expect(s.klMassLeftOutA).toBeCloseTo(0.1, 12);
    expect(s.klMassLeftOutB).toBeCloseTo(0.1, 12);
  });
  it('KL strict: infinite', () => {
    expect(pairStats(alignPair(A(), B()), { unseen: 'strict' }).kl).toBe(Number.POSITIVE_INFINITY);
  });
  it('correlations over functions seen ≥ minCount times by both', () => {
    // A: '0' 8, '1' 4, '3' 2, '7' 1; B: '0' 6, '1' 6, '3' 2, 'f' 1. minCount 2 keeps '0', '1', '3'.
    // ln P_A = (3, 2, 1)·ln 2 + c; ln P_B = (ln 6, ln 6, ln 2) + c'.
    // dx = (1, 0, −1) ln 2, dy = (1, 1, −2) ln 3 / 3: r = ln2 ln3 / √(2 ln²2 · ⅔ ln²3) = √3/2.
    // Ranks (3, 2, 1) vs (2.5, 2.5, 1): sxy = 1.5, sxx = 2, syy = 1.5, ρ = 1.5/√3 = √3/2.
    const a = tableSource('A', table({ 0: 8, 1: 4, 3: 2, 7: 1 }));
    const b = tableSource('B', table({ 0: 6, 1: 6, 3: 2, f: 1 }));
    const s = pairStats(alignPair(a, b), { minCount: 2 });
    expect(s.n).toBe(3);
    expect(s.pearsonLog).toBeCloseTo(Math.sqrt(3) / 2, 12);
    expect(s.spearman).toBeCloseTo(Math.sqrt(3) / 2, 12);
    expect(pairStats(alignPair(a, b), { minCount: 3 }).n).toBe(2); // '3' drops out
  });
});

describe('a table against a P_B file', () => {
  // P_B lists '0' (.4), '1' (.2), '3' (.1): Σ = .7, renormalised (4/7, 2/7, 1/7).
  const pbJson = {
    format: 'fsbayes.pb',
    formatVersion: 1,
    nE: 4,
    functions: [
      { key: '0', logPB: Math.log(0.4), errors: 0 },
      { key: '1', logPB: Math.log(0.2), errors: 1 },
      { key: '3', logPB: Math.log(0.1), errors: 2 },
    ],
  };
  it('reads the file, keeps Σ P_B as given, and expected error renormalises: (0·.4 + 1·.2 + 2·.1)/(.7·4) = 1/7', () => {
    const pb = pbSource('P_B', pbJson);
    expect(pb.massListed).toBeCloseTo(0.7, 12);
    expect(pb.ones).toEqual([0, 1, 2]);
    expect(expectedTestError(pb)).toBeCloseTo(1 / 7, 12);
  });
  it('support = the listed functions; the table mass on unlisted ones is dropped and reported', () => {
    // T: '0' 5, '1' 3, '7' 2 (total 10). On {'0','1','3'}: (5, 3, 0)/8, dropped 2/10.
    // TV = ½(|5/8 − 4/7| + |3/8 − 2/7| + 1/7) = ½(3 + 5 + 8)/56 = 1/7.
    const t = tableSource('T', table({ 0: 5, 1: 3, 7: 2 }));
    const s = pairStats(alignPair(t, pbSource('P_B', pbJson)), { unseen: 'smooth', alpha: 0.5 });
    expect(s.support).toBe(3);
    expect(s.massDroppedA).toBeCloseTo(0.2, 12);
    expect(s.massDroppedB).toBeCloseTo(0, 12);
    expect(s.tv).toBeCloseTo(1 / 7, 12);
    expect(s.massOnlyB).toBeCloseTo(1 / 7, 12);
    // smooth only the table: (5.5, 3.5, .5)/9.5 against (4, 2, 1)/7
    const a = [5.5 / 9.5, 3.5 / 9.5, 0.5 / 9.5];
    const b = [4 / 7, 2 / 7, 1 / 7];
    expect(s.kl).toBeCloseTo(
      a.reduce((acc, x, i) => acc + x * Math.log(x / b[i]), 0),
      12,
    );
  });
  it('rejects bad files naming the field', () => {
    expect(() => pbSource('P', { ...pbJson, format: 'x' }, 'pb.json')).toThrow(
      /pb\.json: format must be "fsbayes\.pb"/,
    );
    expect(() => pbSource('P', { ...pbJson, functions: [{ key: 'zz', logPB: -1 }] }, 'pb.json')).toThrow(
      /functions\[0\]\.key/,
    );
    expect(() => pbSource('P', { ...pbJson, functions: [{ key: '0', logPB: null }] }, 'pb.json')).toThrow(
      /functions\[0\]\.logPB: must be a finite number, got null/,
    );
  });
  it('checkCompatible: a different labelling shows up as disagreeing test errors', () => {
    const labelled = tableSource('T', table({ 0: 5, 1: 3 }, [1, 0, 0, 0])); // err('0') = 1, not 0
    expect(() => checkCompatible([labelled, pbSource('P_B', pbJson)])).toThrow(
      /disagree on the test error of function 0/,
    );
  });
});

describe('compatibility', () => {
  it('names what differs: m, labels, duplicate names', () => {
    const t5 = new FunctionTable(5);
    t5.add('00', 1);
    expect(() => checkCompatible([A(), tableSource('C', t5)])).toThrow(
      /C has functions on \|E\| = 5 points but A on 4/,
    );
    const other = tableSource('C', table({ 0: 1 }, [0, 1, 0, 0]));
    expect(() => checkCompatible([A(), other])).toThrow(/different labels on E \(first at point 1: 0 vs 1\)/);
    expect(() => checkCompatible([A(), A()])).toThrow(/both named "A"/);
    expect(() => checkCompatible([A(), B()])).not.toThrow();
  });
});

describe('expected test error', () => {
  it('table: (6·0 + 3·1 + 1·2)/(10·4) = 0.125 with labels 0000 (errors = ones)', () => {
    expect(expectedTestError(A())).toBeCloseTo(0.125, 12);
    expect(expectedTestError(tableSource('U', table({ 0: 1 })))).toBeNull();
  });
});

describe('bootstrap', () => {
  it('alias table draws with the right frequencies (1:2:7, 100k draws, within 1%)', () => {
    const alias = new AliasTable([1, 2, 7]);
    const c = resampleCounts(alias, 100_000, new Rng(1, 'test'));
    expect(c[0] + c[1] + c[2]).toBe(100_000);
    expect(c[0] / 1e5).toBeCloseTo(0.1, 2);
    expect(c[2] / 1e5).toBeCloseTo(0.7, 2);
  });
  it('percentile interval of 1..101 at 90%: the 6th and 96th values', () => {
    const v = Array.from({ length: 101 }, (_, i) => i + 1);
    const ci = percentileInterval(v, 0.9);
    expect(ci.lo).toBeCloseTo(6, 10);
    expect(ci.hi).toBeCloseTo(96, 10);
    expect(ci.finite).toBe(101);
    expect(percentileInterval([Number.POSITIVE_INFINITY], 0.9).finite).toBe(0);
  });
  it('compareSources: every statistic gets an interval; the same seed gives the same numbers', () => {
    const a = tableSource('A', table({ 0: 60, 1: 30, 3: 10 }, [0, 0, 0, 0]));
    const b = tableSource('B', table({ 0: 50, 1: 40, f: 10 }, [0, 0, 0, 0]));
    const r1 = compareSources([a, b], { bootstrap: 50, seed: 3, minCount: 1 });
    const r2 = compareSources([a, b], { bootstrap: 50, seed: 3, minCount: 1 });
    expect(r1).toEqual(r2);
    const ci = r1.pairs[0].ci!;
    expect(ci.tv.finite).toBe(50);
    expect(ci.tv.lo).toBeLessThanOrEqual(ci.tv.hi);
    expect(ci.tv.lo).toBeGreaterThan(0);
    expect(r1.sources[0].meanTestErrorCi!.finite).toBe(50);
    expect(r1.sources[0].meanTestError).toBeCloseTo((30 + 20) / 400, 12);
    const r3 = compareSources([a, b], { bootstrap: 50, seed: 4, minCount: 1 });
    expect(r3.pairs[0].ci!.tv).not.toEqual(ci.tv);
    expect(compareSources([a, b], { bootstrap: 0 }).pairs[0].ci).toBeNull();
  });
});

describe('2-D histogram', () => {
  // points (x, y): (.1,.1) (.2,.8) (.9,.9) (.6,.15) (.7,.2); 2 bins on [0, 1]:
  // row 0 (y < .5): x-bin 0 once, x-bin 1 twice; row 1: once each.
  const x = [0.1, 0.2, 0.9, 0.6, 0.7];
  const y = [0.1, 0.8, 0.9, 0.15, 0.2];
  it('counts[row = y bin][col = x bin]', () => {
    const h = histogram2d(x, y, { bins: 2, range: [0, 1], normalize: 'none' });
    expect(h.counts).toEqual([
      [1, 2],
      [1, 1],
    ]);
    expect(h.xEdges).toEqual([0, 0.5, 1]);
  });
  it('row-normalised: (1/3, 2/3) and (1/2, 1/2); column-normalised: (1/2, 2/3) over (1/2, 1/3)', () => {
    expect(histogram2d(x, y, { bins: 2, range: [0, 1] }).values).toEqual([
      [1 / 3, 2 / 3],
      [0.5, 0.5],
    ]);
    expect(histogram2d(x, y, { bins: 2, range: [0, 1], normalize: 'column' }).values).toEqual([
      [0.5, 2 / 3],
      [0.5, 1 / 3],
    ]);
  });
});

describe('joint table', () => {
  it('the union, most probable first, unseen as 0 for tables and empty for P_B', () => {
    const pb = pbSource('P_B', {
      format: 'fsbayes.pb',
      formatVersion: 1,
      nE: 4,
      functions: [{ key: '1', logPB: Math.log(0.5), errors: 1 }],
    });
    const rows = jointTable([A(), B(), pb]);
    expect(rows.map((r) => r.key)).toEqual(['0', '1', '3', 'f']);
    expect(rows[1].p).toEqual([0.3, 0.4, 0.5]);
    expect(rows[2].p).toEqual([0.1, 0, null]);
    const csv = jointCSV([A(), B(), pb], rows, 4).split('\n');
    expect(csv[0]).toBe('key,bits,ones,errors,lz,count_A,p_A,log10p_A,count_B,p_B,log10p_B,p_P_B,log10p_P_B');
    expect(csv[3].startsWith('0x3,b0011,2,2,')).toBe(true);
    expect(csv[3].endsWith(',1,0.1,-1,0,0,-inf,,')).toBe(true);
  });
});
