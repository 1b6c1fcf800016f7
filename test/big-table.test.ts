/**
 * Reads back a large prior table written by `fsbayes functions … --out
 * prior.arrow` (the 10⁸-net run; `pnpm bench --only table-full
 * --table-keep` leaves it as `cli-100000000.arrow`) and checks it against an
 * independent count: the first nets of the same seed counted by a
 * FunctionTable (a JS Map, no spills, no Arrow). Every function of that
 * prefix must be in the big table at least as often; the table's rows must
 * be in strictly increasing key order with counts summing to its total.
 *
 * Needs the file, so it is skipped unless FSBAYES_BIG_TABLE names it:
 *   FSBAYES_BIG_TABLE=/path/cli-100000000.arrow npx vitest run test/big-table.test.ts
 * (FSBAYES_BIG_TABLE_SAMPLES: the nets it was made from, default 10⁸).
 */
import {
  arrowTableSource,
  booleanDataset,
  getBackend,
  keyOf,
  parseArch,
  readArrowTable,
  samplePriorTable,
} from '@fsbayes/core';
import { describe, expect, it } from 'vitest';

const path = process.env.FSBAYES_BIG_TABLE;
const samples = Number(process.env.FSBAYES_BIG_TABLE_SAMPLES ?? 1e8);

describe.skipIf(!path)('a 10⁸-net prior table read back (FSBAYES_BIG_TABLE)', () => {
  it('holds every function of the first 200,000 nets at least as often as a Map counts them; keys sorted; counts sum to the total', async () => {
    const file = path as string;
    const src = await arrowTableSource(file);
    expect(src.header.m).toBe(128);
    expect(src.header.total).toBe(samples);

    // The independent count: the same command's first nets, counted in a Map.
    const ds = booleanDataset({ n: 7 });
    const spec = parseArch('fcn:40,40', { inputShape: ds.shape, sigmaW: 1, sigmaB: 1 });
    const backend = await getBackend('auto');
    const prefix = await samplePriorTable({
      backend,
      spec,
      inputs: ds.inputs,
      m: ds.m,
      labels: ds.labels,
      seed: 1,
      samples: 200_000,
    });
    await backend.close();
    const want = new Map(prefix.entries().map((e) => [e.key, e.count]));

    let total = 0;
    let distinct = 0;
    let prev: string | null = null;
    let top = { key: '', count: 0 };
    const w = 4;
    for await (const b of readArrowTable(file)) {
      for (let r = 0; r < b.length; r++) {
        const key = keyOf(b.keys, 128, r * w);
        const c = b.counts[r];
        if (prev !== null && !(prev < key)) throw new Error(`row ${distinct}: key ${key} not after ${prev}`);
        prev = key;
        total += c;
        distinct++;
        if (c > top.count) top = { key, count: c };
        const p = want.get(key);
        if (p !== undefined) {
          expect(c, key).toBeGreaterThanOrEqual(p);
          want.delete(key);
        }
      }
    }
    expect(total).toBe(samples);
    expect(want.size).toBe(0); // every function of the prefix was found
    expect(distinct).toBeGreaterThan(prefix.distinct);
    // The most frequent function is the prefix's most frequent one (a constant), at about its frequency.
    const first = prefix.entries()[0];
    expect(top.key).toBe(first.key);
    expect(Math.abs(top.count / samples - first.count / prefix.total)).toBeLessThan(0.01);
  }, 3_600_000);
});
