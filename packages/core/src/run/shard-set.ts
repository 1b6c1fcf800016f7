/**
 * Shard sets: the parts `i/N` of one split run, checked for completeness
 * before `fsbayes merge` joins them, so that a lost job-array task (a
 * Slurm array counted from 0 while shards count from 1, a task that
 * failed) is never merged away without a word. Each part records which
 * shard of which run it is: a table in its shard name (`rangeShard`), a P_B
 * part in its `shard` field.
 */
import { FsbayesError } from '../errors/index.js';
import { parseRangeShard, shardRange } from './shard.js';

/** One part of a split run. */
export interface ShardMember {
  /** The run it is a part of, in words: parts of one run give the same (e.g. `seed 1` with its item range). */
  run: string;
  /** Shard index (1-based) and count. */
  index: number;
  count: number;
  /** What the run's items are (`nets`, `draws`, `functions`), and its items [first, first + total). */
  unit: string;
  first: number;
  total: number;
}

/** A run whose parts are not all there. */
export interface ShardSetGap {
  run: string;
  count: number;
  /** The indices of the missing shards, increasing. */
  missing: number[];
  /** Each missing shard in words: `shard 3/4 (nets [1000000, 1500000)) of seed 1 nets [0, 2000000)`. */
  described: string[];
}

/** The members a table's shard names state (names of shards of a split run, see `rangeShard`; others are not members). */
export function rangeShardMembers(names: readonly string[]): ShardMember[] {
  const out: ShardMember[] = [];
  for (const n of names) {
    const r = parseRangeShard(n);
    if (!r?.of) continue;
    const [seed, unit] = splitSeedUnit(r.seed);
    out.push({
      run: `seed ${seed} ${unit} [${r.of.first}, ${r.of.first + r.of.total})`,
      index: r.of.index,
      count: r.of.count,
      unit,
      first: r.of.first,
      total: r.of.total,
    });
  }
  return out;
}

function splitSeedUnit(seedUnit: string): [string, string] {
  const k = seedUnit.lastIndexOf(' ');
  return [seedUnit.slice(0, k), seedUnit.slice(k + 1)];
}

/**
 * The runs among `members` that miss parts. Throws when the parts of one
 * run disagree on their count N or on the run's items (not one split).
 */
export function shardSetGaps(members: readonly ShardMember[]): ShardSetGap[] {
  const runs = new Map<string, ShardMember[]>();
  for (const m of members) runs.set(m.run, [...(runs.get(m.run) ?? []), m]);
  const gaps: ShardSetGap[] = [];
  for (const [run, ms] of runs) {
    const first = ms[0];
    const other = ms.find((m) => m.count !== first.count || m.total !== first.total || m.first !== first.first);
    if (other)
      throw new FsbayesError(
        `${run}: shards of different splits (${first.index}/${first.count} and ${other.index}/${other.count}): merge the parts of one split`,
      );
    const have = new Set(ms.map((m) => m.index));
    const missing: number[] = [];
    for (let i = 1; i <= first.count; i++) if (!have.has(i)) missing.push(i);
    if (missing.length === 0) continue;
    const described = missing.map((i) => {
      const r = shardRange(first.total, { index: i, count: first.count });
      const a = first.first + r.first;
      return `shard ${i}/${first.count} (${first.unit} [${a}, ${a + r.count})) of ${run}`;
    });
    gaps.push({ run, count: first.count, missing, described });
  }
  return gaps;
}

/**
 * Check that the parts form complete sets: throws an FsbayesError naming
 * every missing part unless `allowPartial`; returns the missing parts in
 * words (empty for complete sets).
 */
export function checkShardSets(members: readonly ShardMember[], allowPartial: boolean): string[] {
  const missing = shardSetGaps(members).flatMap((g) => g.described);
  if (missing.length > 0 && !allowPartial)
    throw new FsbayesError(
      `the shards are not a complete set: missing ${missing.join('; ')}. Run each missing part with --shard i/N (an array of only the missing tasks is a new array to --shard slurm), or pass --allow-partial to merge what is there`,
    );
  return missing;
}
