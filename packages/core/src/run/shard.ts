/**
 * Shards: one run split over many processes or machines (e.g. a Slurm job
 * array). A shard is `i/N` with 1 ≤ i ≤ N; it owns a contiguous range of the
 * run's item indices (nets for the sampler, runs for SGD), so N shards of one
 * base seed together cover exactly the items of the whole run and merge to
 * the same table. `--shard slurm` takes i/N from the job array's variables,
 * whether the array counts from 0 or from 1 (see {@link slurmShard}).
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

/** `i/N`, as {@link parseShard} reads it. */
export function shardText(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The environment variables of a Slurm job array that {@link slurmShard} reads. */
export type SlurmEnv = Readonly<Record<string, string | undefined>>;

/**
 * This task's shard in a Slurm job array: with `--array=A-B[:S]` Slurm sets
 * SLURM_ARRAY_TASK_ID (A, A+S, …), SLURM_ARRAY_TASK_MIN = A,
 * SLURM_ARRAY_TASK_MAX = B (the last task: B itself when S divides B − A),
 * SLURM_ARRAY_TASK_STEP = S and SLURM_ARRAY_TASK_COUNT; the task is shard
 * (ID − MIN)/S + 1 of (MAX − MIN)/S + 1, so `--array=0-3` and `--array=1-4`
 * both give 1/4 … 4/4. MIN and one of MAX or COUNT must be set; when both
 * are, they must agree (a list such as `--array=1,3,8` has gaps: refused).
 * Errors name the variables and what to do.
 */
export function slurmShard(env: SlurmEnv): Shard {
  const hint =
    '--shard slurm reads the variables of a Slurm job array (sbatch --array=0-N or 1-N); outside one give --shard i/N';
  const int = (name: string, min: number): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min)
      throw new FsbayesError(`${name} must be an integer ≥ ${min}, got '${v}' (${hint})`);
    return n;
  };
  const id = int('SLURM_ARRAY_TASK_ID', 0);
  if (id === undefined)
    throw new FsbayesError(`SLURM_ARRAY_TASK_ID is not set: this is not a job array task (${hint})`);
  const min = int('SLURM_ARRAY_TASK_MIN', 0);
  if (min === undefined)
    throw new FsbayesError(`SLURM_ARRAY_TASK_MIN is not set, so the array's first task is unknown (${hint})`);
  const step = int('SLURM_ARRAY_TASK_STEP', 1) ?? 1;
  const max = int('SLURM_ARRAY_TASK_MAX', 0);
  const total = int('SLURM_ARRAY_TASK_COUNT', 1);
  const show = `SLURM_ARRAY_TASK_ID=${id}, MIN=${min}, MAX=${max ?? 'unset'}, STEP=${step}, COUNT=${total ?? 'unset'}`;
  let count: number;
  if (max !== undefined) {
    if (max < min) throw new FsbayesError(`the job array's MAX is below its MIN (${show})`);
    count = Math.floor((max - min) / step) + 1;
    if (total !== undefined && total !== count)
      throw new FsbayesError(
        `the job array is not one range: MIN to MAX in steps of ${step} is ${count} tasks but SLURM_ARRAY_TASK_COUNT is ${total} (${show}); --shard slurm needs --array=A-B (e.g. 0-${total - 1})`,
      );
  } else if (total !== undefined) count = total;
  else throw new FsbayesError(`neither SLURM_ARRAY_TASK_MAX nor SLURM_ARRAY_TASK_COUNT is set (${show}; ${hint})`);
  if (id < min || (id - min) % step !== 0 || (id - min) / step >= count)
    throw new FsbayesError(`SLURM_ARRAY_TASK_ID is not a task of the array (${show})`);
  return { index: (id - min) / step + 1, count };
}

/** `--shard`: `i/N` (see {@link parseShard}) or `slurm`, this job array task's shard (see {@link slurmShard}). */
export function resolveShard(text: string, env: SlurmEnv = process.env): Shard {
  return text.trim().toLowerCase() === 'slurm' ? slurmShard(env) : parseShard(text);
}

/**
 * The command-line words with `--shard slurm` replaced by the shard it
 * resolved to (`--shard 3/4`), so what a file records does not depend on
 * how the array numbered its tasks.
 */
export function withShardArg(argv: readonly string[], shard: Shard | null): string[] {
  if (!shard) return [...argv];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--shard' && i + 1 < argv.length) {
      out.push('--shard', shardText(shard));
      i++;
    } else if (argv[i].startsWith('--shard=')) out.push(`--shard=${shardText(shard)}`);
    else out.push(argv[i]);
  }
  return out;
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
 * net r) or `seed 1 draws [0, 25)` (frozen-feature hidden-layer draws); a
 * shard of a split run (`--shard i/N`) adds which one of which run:
 * `seed 1 nets [0, 500000) shard 1/4 of [0, 2000000)`. Tables of one seed
 * with disjoint ranges are different nets and may be merged; overlapping
 * ranges would count a net twice; a set of `i/N` shards lacking one is
 * incomplete (see `shard-set.ts`).
 */
export interface RangeShard {
  /** Seed and unit (`1 nets`, `1 draws`): ranges overlap only within one. */
  seed: string;
  first: number;
  end: number;
  /** Which shard of a split run it is, when it is one. */
  of?: RunShard;
}

/** Shard i/N of a run over the items [first, first + total) (`--shard i/N` of `sample`, `sgd`). */
export interface RunShard extends Shard {
  first: number;
  total: number;
}

/** The shard name of items [first, end) of a seed: nets (default) or frozen-feature draws, and the shard of a run it is. */
export function rangeShard(
  seed: Seed,
  first: number,
  end: number,
  unit: 'nets' | 'draws' = 'nets',
  of?: RunShard,
): string {
  const name = `seed ${seed} ${unit} [${first}, ${end})`;
  return of ? `${name} shard ${shardText(of)} of [${of.first}, ${of.first + of.total})` : name;
}

/** Parse a name made by {@link rangeShard}; null for any other shard name. */
export function parseRangeShard(name: string): RangeShard | null {
  const m = /^seed (.+ (?:nets|draws)) \[(\d+), (\d+)\)(?: shard (\d+)\/(\d+) of \[(\d+), (\d+)\))?$/.exec(name);
  if (!m) return null;
  const r: RangeShard = { seed: m[1], first: Number(m[2]), end: Number(m[3]) };
  if (m[4] !== undefined) {
    const first = Number(m[6]);
    r.of = { index: Number(m[4]), count: Number(m[5]), first, total: Number(m[7]) - first };
  }
  return r;
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
