/**
 * Bins of the 2-D histograms: a count that cannot fit in the heap is refused
 * at the library entry (before anything is allocated or binned), and a large
 * one that fits draws (its colour scale no longer spreads every cell onto
 * the stack).
 */

import v8 from 'node:v8';
import { FsbayesError, FunctionTable, formatBytes } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { checkHistogramBins, heatmapPlot, histogram2d, pairPlots, tableSource } from '../src/index.js';

function table(keys: string[]): FunctionTable {
  const t = new FunctionTable(8, null);
  keys.forEach((k, i) => {
    t.add(k, i + 1);
  });
  return t;
}

describe('2-D histogram bins', () => {
  it('100000 bins (2 × 10¹⁰ cells) are refused with the estimate and the heap limit', () => {
    const limit = formatBytes(v8.getHeapStatistics().heap_size_limit);
    for (const run of [
      () => checkHistogramBins(100_000, '--bins'),
      () => histogram2d([0, 1], [0, 1], { bins: 100_000 }),
      () => pairPlots(tableSource('a', table(['01', '02'])), tableSource('b', table(['01', '02'])), { bins: 100_000 }),
    ]) {
      let err: unknown;
      try {
        run();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FsbayesError);
      expect((err as FsbayesError).kind).toBe('resource');
      expect((err as FsbayesError).message).toContain('100000 × 100000 cells) needs about 149 GiB');
      expect((err as FsbayesError).message).toContain(`the JS heap limit of ${limit}`);
    }
    expect(() => checkHistogramBins(0, '--bins')).toThrow('--bins must be a positive integer, got 0');
    expect(() => checkHistogramBins(2.5, '--bins')).toThrow('--bins must be a positive integer, got 2.5');
  });

  it('400 bins (160,000 cells) bin every point once and draw', () => {
    const x = Array.from({ length: 1000 }, (_, i) => -(i % 97) / 10);
    const y = Array.from({ length: 1000 }, (_, i) => -(i % 89) / 10);
    const h = histogram2d(x, y, { bins: 400, normalize: 'none' });
    expect(h.counts.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    const fig = heatmapPlot({ title: 'h', x: { label: 'x' }, y: { label: 'y' }, ...h });
    expect(fig.toSVG()).toContain('<svg');
  });
});
