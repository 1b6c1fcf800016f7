/**
 * Shard names that say exactly which nets (or frozen-feature hidden-layer
 * draws) a table counted, e.g. `seed 1 nets [0, 500000)` or
 * `seed 1 draws [0, 25)`. Tables of one seed with disjoint ranges may be
 * merged (their nets are different nets); overlapping ranges would count a
 * net twice. `fsbayes merge` uses this to allow merging the shards of one
 * base seed while refusing real overlaps.
 */
import type { Seed } from '@fsbayes/core';

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

/** The first pair of overlapping ranges of one seed (as names), or null when all are disjoint. */
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
