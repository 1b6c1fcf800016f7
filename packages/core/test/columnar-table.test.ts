import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyOf, wordsFor } from '../src/bits.js';
import {
  ColumnarTable,
  capacityFor,
  compareKeys,
  createProvenance,
  FunctionTable,
  mergeSorted,
  type PackedBatch,
  PackedCounter,
  sortRowsByKey,
} from '../src/functions/index.js';
import { Rng } from '../src/rng/index.js';
import { drawFunctions, functionPool } from './columnar-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-columnar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL_M = [1, 5, 31, 32, 33, 64, 100, 128];

/** The function table of `n` packed functions, by the Map-of-keys implementation. */
function reference(m: number, labels: Uint8Array | null, packed: Uint32Array, n: number): FunctionTable {
  const t = new FunctionTable(m, labels);
  t.addBatch(packed, n);
  return t;
}

describe('key order', () => {
  it('compareKeys orders packed functions as their hex keys compare', () => {
    const rng = new Rng(1, 'order');
    for (const m of ALL_M) {
      const w = wordsFor(m);
      const pool = functionPool(rng, m, 60);
      for (let t = 0; t < 300; t++) {
        const a = rng.int(60) * w;
        const b = rng.int(60) * w;
        // Clear the padding first: compareKeys takes canonical (padding 0) functions.
        const ka = keyOf(pool, m, a);
        const kb = keyOf(pool, m, b);
        const pa = Uint32Array.from(pool.subarray(a, a + w));
        const pb = Uint32Array.from(pool.subarray(b, b + w));
        if (m % 32) {
          pa[w - 1] &= 2 ** (m % 32) - 1;
          pb[w - 1] &= 2 ** (m % 32) - 1;
        }
        const want = ka < kb ? -1 : ka > kb ? 1 : 0;
        expect(Math.sign(compareKeys(pa, 0, pb, 0, w)), `m = ${m}: ${ka} vs ${kb}`).toBe(want);
      }
    }
  });

  it('sortRowsByKey sorts rows as the keys sort (large buckets, shared prefixes, small ones)', () => {
    const rng = new Rng(2, 'sort');
    for (const [m, k] of [
      [7, 100],
      [64, 5000],
      [128, 20000],
      [100, 3],
    ] as const) {
      const w = wordsFor(m);
      const pool = functionPool(rng, m, k);
      if (m % 32) for (let i = 0; i < k; i++) pool[i * w + w - 1] &= 2 ** (m % 32) - 1;
      // Distinct rows only (the order is total on distinct keys).
      const seen = new Set<string>();
      const rows: number[] = [];
      for (let i = 0; i < k; i++) {
        const key = keyOf(pool, m, i * w);
        if (!seen.has(key)) {
          seen.add(key);
          rows.push(i);
        }
      }
      const perm = Uint32Array.from(rows);
      sortRowsByKey(pool, w, perm, perm.length);
      const got = Array.from(perm, (r) => keyOf(pool, m, r * w));
      expect(got).toEqual([...seen].sort());
    }
  });
});

describe('PackedCounter', () => {
  it('grows by doubling up to its largest capacity, then reports full without changing', () => {
    const m = 40;
    const w = wordsFor(m);
    const c = new PackedCounter(m, 64, 16);
    const fn = new Uint32Array(w);
    const caps: number[] = [];
    let added = 0;
    for (let i = 0; ; i++) {
      fn[0] = i * 2654435761;
      fn[1] = i & 0xff;
      if (!c.add(fn, 0, 1)) break;
      added++;
      if (caps[caps.length - 1] !== c.capacity) caps.push(c.capacity);
    }
    expect(caps).toEqual([16, 32, 64]);
    expect(added).toBe(48); // 3/4 of 64
    expect(c.size).toBe(48);
    // A known function still counts when full; the refused one was not stored.
    fn[0] = 0;
    fn[1] = 0;
    expect(c.add(fn, 0, 5)).toBe(true);
    const all = [...c.sorted(1000)];
    expect(all[0].length).toBe(48);
    expect(all[0].counts.reduce((s, x) => s + x, 0)).toBe(48 + 5);
  });

  it('capacityFor keeps the growth peak within the budget and uses it', () => {
    for (const w of [1, 2, 4, 32]) {
      for (const budget of [600, 5000, 1e6, 2 ** 30, 3e9]) {
        const cap = capacityFor(budget, w);
        const slot = 4 * w + 8;
        expect(cap & (cap - 1)).toBe(0);
        if (cap > 16) expect(cap * slot + (cap / 2) * slot).toBeLessThanOrEqual(budget);
        expect(2 * cap * slot + cap * slot).toBeGreaterThan(budget);
      }
    }
    // The default 2 GiB holds 2^25 slots of 128-bit functions: 25M of them before a spill.
    expect(capacityFor(2 ** 31, 4)).toBe(2 ** 25);
  });

  it('counts exactly what a Map of keys counts, ignoring padding bits', () => {
    const rng = new Rng(3, 'counter');
    for (const m of ALL_M) {
      const w = wordsFor(m);
      const packed = drawFunctions(rng, functionPool(rng, m, 500), w, 3000);
      const c = new PackedCounter(m, 2 ** 12, 16);
      for (let i = 0; i < 3000; i++) expect(c.add(packed, i * w, 1)).toBe(true);
      const ref = reference(m, null, packed, 3000);
      const rows = [...c.sorted(97)];
      const got: [string, number][] = [];
      for (const b of rows) for (let r = 0; r < b.length; r++) got.push([keyOf(b.keys, m, r * w), b.counts[r]]);
      const want = ref
        .entries()
        .map((e) => [e.key, e.count] as [string, number])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));
      expect(got).toEqual(want);
    }
  });
});

describe('mergeSorted', () => {
  it('merges sorted streams into one sorted stream, summing equal functions across batch edges', async () => {
    const m = 70;
    const w = wordsFor(m);
    const rng = new Rng(4, 'merge');
    const pool = functionPool(rng, m, 300);
    const streams: PackedBatch[][] = [];
    const all = new FunctionTable(m);
    for (let s = 0; s < 5; s++) {
      const n = 50 + rng.int(400);
      const packed = drawFunctions(rng, pool, w, n);
      all.addBatch(packed, n);
      const c = new PackedCounter(m, 2 ** 12);
      for (let i = 0; i < n; i++) c.add(packed, i * w, 1);
      streams.push([...c.sorted(1 + rng.int(40))]);
    }
    streams.push([]); // an empty stream
    const out: [string, number][] = [];
    for await (const b of mergeSorted(streams, w, 7)) {
      expect(b.length).toBeLessThanOrEqual(7);
      for (let r = 0; r < b.length; r++) out.push([keyOf(b.keys, m, r * w), b.counts[r]]);
    }
    const want = all
      .entries()
      .map((e) => [e.key, e.count] as [string, number])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(out).toEqual(want);
  });
});

describe('ColumnarTable', () => {
  const labelsOf = (rng: Rng, m: number) => Uint8Array.from({ length: m }, () => rng.int(2));

  it('holds the same functions and counts as FunctionTable on random data, with and without spills', async () => {
    const rng = new Rng(5, 'columnar');
    for (const m of [5, 33, 128]) {
      const w = wordsFor(m);
      const labels = labelsOf(rng, m);
      const packed = drawFunctions(rng, functionPool(rng, m, 2000), w, 20000);
      const ref = reference(m, labels, packed, 20000);
      const prov = createProvenance({ spec: { m }, dataset: 'x', seeds: [m], backend: 'js' });
      ref.provenance = prov;
      const inMemory = new ColumnarTable(m, labels, prov);
      // Batches of uneven size, as a sampler delivers them.
      for (let at = 0; at < 20000; ) {
        const n = Math.min(20000 - at, 1 + rng.int(3000));
        inMemory.addBatch(packed.subarray(at * w), n);
        at += n;
      }
      expect(inMemory.spilledRuns).toBe(0);
      expect(inMemory.inMemory).toBe(ref.distinct);
      const spilling = new ColumnarTable(m, labels, prov, { memoryBytes: 3000, tmpDir: dir, batchRows: 50 });
      spilling.addBatch(packed, 20000);
      // m = 5 has only 32 functions: they fit; the others spill many runs.
      expect(spilling.spilledRuns).toBeGreaterThanOrEqual(m === 5 ? 0 : 3);
      expect(spilling.total).toBe(20000);
      for (const t of [inMemory, spilling]) expect((await t.toFunctionTable()).toJSON()).toEqual(ref.toJSON());
      inMemory.close();
      spilling.close();
    }
  });

  it('single adds by words or key, with counts, equal the FunctionTable', async () => {
    const t = new ColumnarTable(4, Uint8Array.from([0, 1, 1, 0]), null, { memoryBytes: 600, tmpDir: dir });
    const ref = new FunctionTable(4, Uint8Array.from([0, 1, 1, 0]));
    for (const [fn, c] of [
      ['6', 3],
      ['e', 1],
      ['9', 1],
      ['6', 2],
      ['0', 2 ** 40 + 1],
    ] as const) {
      t.add(fn, c);
      ref.add(fn, c);
    }
    t.add(Uint32Array.of(0b1001 | 0xf0), 4); // padding bits ignored: key 9
    ref.add('9', 4);
    expect((await t.toFunctionTable()).toJSON()).toEqual(ref.toJSON());
    expect(() => t.add('6', 0)).toThrow(/count must be a positive integer, got 0/);
    expect(() => t.add('66')).toThrow(/hex digits/);
    expect(() => t.add(new Uint32Array(2))).toThrow(/has 1 words, got 2/);
    expect(() => t.addBatch(new Uint32Array(2), 3)).toThrow(/need 3 words, got 2/);
  });

  it('spilled runs live in a fresh folder under tmpDir, removed by close()', () => {
    const sub = mkdtempSync(join(dir, 'spill-'));
    const m = 64;
    const rng = new Rng(6, 'spill');
    const t = new ColumnarTable(m, null, null, { memoryBytes: 1000, tmpDir: sub });
    t.addBatch(drawFunctions(rng, functionPool(rng, m, 500), 2, 2000), 2000);
    expect(t.spilledRuns).toBeGreaterThan(2);
    const [spillDir] = readdirSync(sub);
    expect(spillDir).toMatch(/^fsbayes-table-/);
    expect(readdirSync(join(sub, spillDir))).toHaveLength(t.spilledRuns);
    t.close();
    expect(readdirSync(sub)).toEqual([]);
    expect(t.total).toBe(0);
  });

  it('refuses adds while it is read, bad budgets and bad labels, naming the value', async () => {
    const t = new ColumnarTable(8);
    t.add('ff');
    const it = t.sorted();
    await it.next();
    expect(() => t.add('01')).toThrow(/while the table is being read/);
    await it.return(undefined);
    t.add('01');
    expect(t.total).toBe(2);
    expect(() => new ColumnarTable(8, null, null, { memoryBytes: 100 })).toThrow(
      /memoryBytes must be a number ≥ 288 for m = 8, got 100/,
    );
    expect(() => new ColumnarTable(3, Uint8Array.from([0, 2, 1]))).toThrow(/invalid label 2 at position 1/);
    expect(() => new ColumnarTable(3, Uint8Array.from([0, 1]))).toThrow(/labels have length 2, expected m = 3/);
  });
});
