/**
 * The bootstrap: resample a table's nets (a multinomial draw of `total` nets
 * with the table's frequencies), recompute a statistic, and read a percentile
 * interval off the replicates. Seeded through core's Rng, so deterministic.
 */
import type { Rng } from '@fsbayes/core';
import { FsbayesError } from '@fsbayes/core';

/** A percentile bootstrap interval. */
export interface Interval {
  lo: number;
  hi: number;
  /** Coverage, e.g. 0.95. */
  level: number;
  /** Replicates whose value was finite (the interval uses only these). */
  finite: number;
  /**
   * Mean of the finite replicates minus the point estimate (NaN if not given).
   * Plug-in divergences of sparse tables are biased upwards, and so are their
   * resamples: a large positive bias means the interval sits above the
   * estimate and the estimate itself is likely inflated too.
   */
  bias: number;
}

/**
 * Walker's alias table for drawing index i with probability w_i / Σw in O(1):
 * one uniform u gives the column ⌊u·n⌋ and, from its fractional part, the coin.
 */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly n: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new FsbayesError('AliasTable: no weights');
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (!(weights[i] >= 0)) throw new FsbayesError(`AliasTable: weight ${i} is ${weights[i]}`);
      sum += weights[i];
    }
    if (!(sum > 0)) throw new FsbayesError('AliasTable: weights sum to 0');
    this.n = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = Float64Array.from({ length: n }, (_, i) => (weights[i] * n) / sum);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = n - 1; i >= 0; i--) (scaled[i] < 1 ? small : large).push(i);
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    // Leftovers are 1 up to round-off.
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  /** One index. */
  draw(rng: Rng): number {
    const u = rng.uniform() * this.n;
    const i = Math.floor(u);
    return u - i < this.prob[i] ? i : this.alias[i];
  }
}

/**
 * One multinomial resample of `counts`: `total` draws with probabilities
 * counts/total, as new counts over the same indices (written into `out`).
 */
export function resampleCounts(alias: AliasTable, total: number, rng: Rng, out?: Float64Array): Float64Array {
  const res = out ?? new Float64Array(alias.n);
  res.fill(0);
  for (let j = 0; j < total; j++) res[alias.draw(rng)] += 1;
  return res;
}

/**
 * Percentile interval at `level` of the finite values (type-7 linear
 * interpolation between order statistics, as R's default quantile), and the
 * bootstrap bias against `estimate`. NaN bounds when no value is finite.
 */
export function percentileInterval(values: readonly number[], level = 0.95, estimate = Number.NaN): Interval {
  if (!(level > 0 && level < 1)) throw new FsbayesError(`bootstrap level must be in (0, 1), got ${level}`);
  const v = values.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (v.length === 0) return { lo: Number.NaN, hi: Number.NaN, level, finite: 0, bias: Number.NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return {
    lo: quantile(v, (1 - level) / 2),
    hi: quantile(v, (1 + level) / 2),
    level,
    finite: v.length,
    bias: mean - estimate,
  };
}

/** Type-7 quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
