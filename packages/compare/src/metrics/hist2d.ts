/**
 * The 2-D histogram of Mingard et al.: functions binned by log10 P under one
 * source (x, e.g. P_B) and another (y, e.g. P_SGD), normalised bin by bin
 * along one axis, shown as a heatmap.
 *
 * Which axis is normalised: the source we have (a third-party reading of
 * 1909.11522 Fig. 16) says "normalised row by row" without saying which
 * quantity the rows hold. Default 'row': each row of the picture (one bin of
 * y = log10 P_SGD) sums to 1, i.e. for functions SGD finds with a given
 * frequency, how their P_B is spread. 'column' conditions on x instead, and
 * 'none' keeps counts.
 */
import { checkMemory, FsbayesError } from '@fsbayes/core';

/** How {@link histogram2d} normalises. */
export type Hist2dNormalize = 'row' | 'column' | 'none';

/** Options of {@link histogram2d}. */
export interface Hist2dOptions {
  /** Bins per axis (default 20). */
  bins?: number;
  /** [lo, hi] of both axes in data units (default: the data's range, shared by x and y so y = x is the diagonal). */
  range?: [number, number];
  normalize?: Hist2dNormalize;
  /** Per-point weights (default 1: each function counts once). */
  weights?: readonly number[];
}

/** A 2-D histogram. */
export interface Histogram2d {
  /** bins+1 edges of x and of y (the same when the range is shared). */
  xEdges: number[];
  yEdges: number[];
  /** counts[row][col]: row = y bin (bottom row 0), col = x bin. */
  counts: number[][];
  /** counts normalised as asked. */
  values: number[][];
  normalize: Hist2dNormalize;
}

/** Heap bytes of a bins × bins histogram: its counts and its normalised values, one double per cell each. */
export function histogram2dBytes(bins: number): number {
  return 2 * bins * bins * 8;
}

/**
 * Check a bin count before anything is computed: a positive integer whose
 * bins × bins cells (counts and values) fit in the JS heap. `what` names it
 * in messages (`--bins` in the CLI). Returns the bins.
 */
export function checkHistogramBins(bins: number, what = 'bins'): number {
  if (!Number.isSafeInteger(bins) || bins < 1)
    throw new FsbayesError(`${what} must be a positive integer, got ${bins}`);
  checkMemory(`a 2-D histogram of ${what} ${bins} (${bins} × ${bins} cells)`, [
    { what: 'its counts and normalised values', bytes: histogram2dBytes(bins), pool: 'heap' },
  ]);
  return bins;
}

/** Bin points (x[i], y[i]); points outside the range are clamped into the edge bins. */
export function histogram2d(x: readonly number[], y: readonly number[], options: Hist2dOptions = {}): Histogram2d {
  if (x.length !== y.length)
    throw new FsbayesError(`histogram2d: x and y differ in length (${x.length} vs ${y.length})`);
  const bins = checkHistogramBins(options.bins ?? 20, 'histogram2d: bins');
  const normalize = options.normalize ?? 'row';
  let [lo, hi] = options.range ?? dataRange([...x, ...y]);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = Array.from({ length: bins }, () => new Array<number>(bins).fill(0));
  const bin = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)));
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    counts[bin(y[i])][bin(x[i])] += options.weights ? options.weights[i] : 1;
  }
  const values = counts.map((r) => r.slice());
  if (normalize === 'row') {
    for (const r of values) {
      const s = r.reduce((a, b) => a + b, 0);
      if (s > 0) for (let j = 0; j < bins; j++) r[j] /= s;
    }
  } else if (normalize === 'column') {
    for (let j = 0; j < bins; j++) {
      let s = 0;
      for (const r of values) s += r[j];
      if (s > 0) for (const r of values) r[j] /= s;
    }
  }
  return { xEdges: edges, yEdges: edges.slice(), counts, values, normalize };
}

function dataRange(v: readonly number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  if (lo > hi) return [0, 1];
  return [Math.floor(lo), Math.ceil(hi)];
}
