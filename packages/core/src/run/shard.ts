/**
 * Shards: one run split over many processes or machines (e.g. a Slurm job
 * array). A shard is `i/N` with 1 ≤ i ≤ N; it owns a contiguous range of the
 * run's item indices (nets for the sampler, runs for SGD), so N shards of one
 * base seed together cover exactly the items of the whole run and merge to
 * the same table.
 */
import { FsbayesError } from '../errors/index.js';
import type { Seed } from '../rng/index.js';

/** One of N disjoint parts of a run (`--shard i/N`). */
export interface Shard {
  /** 1-based index of this shard. */
  index: number;
  /** Number of shards. */
  count: number;
}

/** Parse `i/N` (1 ≤ i ≤ N). Errors name the bad value. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new FsbayesError(`shard must look like i/N (e.g. 3/10), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new FsbayesError(`shard count must be ≥ 1, got '${text}'`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count)
    throw new FsbayesError(`shard index must be between 1 and ${count}, got '${text}'`);
  return { index, count };
}

/**
 * The items [first, first + count) that shard i/N owns out of `total`:
 * the first `total mod N` shards get one item more than the rest.
 */
export function shardRange(total: number, shard: Shard): { first: number; count: number } {
  if (!Number.isSafeInteger(total) || total < 0)
    throw new FsbayesError(`total must be a non-negative integer, got ${total}`);
  const base = Math.floor(total / shard.count);
  const extra = total % shard.count;
  const i = shard.index - 1;
  const first = i * base + Math.min(i, extra);
  return { first, count: base + (i < extra ? 1 : 0) };
}

/**
 * A shard name that says exactly which items of a seed a table counted:
 * `seed 1 nets [0, 500000)` (nets of the sampler, runs of SGD: run r trains
 * net r) or `seed 1 draws [0, 25)` (frozen-feature hidden-layer draws).
 * Tables of one seed with disjoint ranges are different nets and may be
 * merged; overlapping ranges would count a net twice.
 */
export interface RangeShard {
  /** Seed and unit (`1 nets`, `1 draws`): ranges overlap only within one. */
  seed: string;
  first: number;
  end: number;
}

/** The shard name of items [first, end) of a seed: nets (default) or frozen-feature draws. */
export function rangeShard(seed: Seed, first: number, end: number, unit: 'nets' | 'draws' = 'nets'): string {
  return `seed ${seed} ${unit} [${first}, ${end})`;
}

/** Parse a name made by {@link rangeShard}; null for any other shard name. */
export function parseRangeShard(name: string): RangeShard | null {
  const m = /^seed (.+ (?:nets|draws)) \[(\d+), (\d+)\)$/.exec(name);
  if (!m) return null;
  return { seed: m[1], first: Number(m[2]), end: Number(m[3]) };
}

/**
 * The first pair of overlapping ranges of one seed (as names), or null when
 * all are disjoint; names that are not range shards are ignored. `fsbayes
 * merge` uses it to allow merging the shards of one base seed while refusing
 * real overlaps.
 */
export function findRangeOverlap(names: string[]): [string, string] | null {
  const rs = names
    .map((n) => ({ n, r: parseRangeShard(n) }))
    .filter((x): x is { n: string; r: RangeShard } => x.r !== null && x.r.end > x.r.first)
    .sort((a, b) => (a.r.seed < b.r.seed ? -1 : a.r.seed > b.r.seed ? 1 : a.r.first - b.r.first));
  // Sorted by start: a range overlaps an earlier one iff it starts before the furthest end so far.
  let far = -1;
  for (let i = 0; i < rs.length; i++) {
    const same = far >= 0 && rs[far].r.seed === rs[i].r.seed;
    if (same && rs[i].r.first < rs[far].r.end) return [rs[far].n, rs[i].n];
    if (!same || rs[i].r.end > rs[far].r.end) far = i;
  }
  return null;
}

/**
 * How `fsbayes merge` pools the run summaries (provenance `extra`) of
 * disjoint shards of one kind of run; each package that writes sharded
 * tables provides one (the sampler's, SGD's).
 */
export interface ShardPooling {
  /** Whether a table's provenance extra is a summary of this kind of run. */
  owns(extra: Readonly<Record<string, unknown>>): boolean;
  /**
   * Pool the shards' extras. `merged` is the merged table's extra so far;
   * returns the pooled numbers for the merge's report and the merged
   * table's new extra (per-shard fields such as ranges and stop reasons
   * left out: they stay in each shard's file).
   */
  pool(
    extras: readonly Readonly<Record<string, unknown>>[],
    merged: Readonly<Record<string, unknown>>,
  ): { summary: Record<string, unknown>; extra: Record<string, unknown> };
}
