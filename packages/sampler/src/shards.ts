/**
 * Overlap of shard names that say exactly which nets (or frozen-feature
 * hidden-layer draws) a table counted, e.g. `seed 1 nets [0, 500000)`: the
 * format itself ({@link rangeShard}, {@link parseRangeShard}) is core's,
 * shared with SGD (run r trains net r). `fsbayes merge` uses this to allow
 * merging the shards of one base seed while refusing real overlaps.
 */
import { parseRangeShard, type RangeShard } from '@fsbayes/core';

export { parseRangeShard, type RangeShard, rangeShard } from '@fsbayes/core';

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
