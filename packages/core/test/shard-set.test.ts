/**
 * Shards from a Slurm job array's variables (`--shard slurm`, 0- or
 * 1-based arrays alike), the shard names that record which part of which
 * run a table is, and the completeness check of a set of parts.
 */
import { describe, expect, it } from 'vitest';
import {
  checkShardSets,
  parseRangeShard,
  rangeShard,
  rangeShardMembers,
  resolveShard,
  type Shard,
  shardRange,
  shardSetGaps,
  slurmShard,
  withShardArg,
} from '../src/run/index.js';

/** The variables Slurm sets in task `id` of `sbatch --array=<min>-<max>[:step]`. */
function arrayTask(id: number, min: number, max: number, step = 1): Record<string, string> {
  const count = Math.floor((max - min) / step) + 1;
  return {
    SLURM_ARRAY_JOB_ID: '777',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_STEP: String(step),
    SLURM_ARRAY_TASK_COUNT: String(count),
  };
}

describe('--shard slurm', () => {
  it('--array=0-3, --array=1-4 and --array=0-15:4 each give the shards 1/4 … 4/4, one per task', () => {
    const want: Shard[] = [1, 2, 3, 4].map((index) => ({ index, count: 4 }));
    expect([0, 1, 2, 3].map((id) => slurmShard(arrayTask(id, 0, 3)))).toEqual(want);
    expect([1, 2, 3, 4].map((id) => slurmShard(arrayTask(id, 1, 4)))).toEqual(want);
    expect([0, 4, 8, 12].map((id) => slurmShard(arrayTask(id, 0, 12, 4)))).toEqual(want);
    // MAX alone or COUNT alone gives N
    const { SLURM_ARRAY_TASK_COUNT: _c, ...noCount } = arrayTask(2, 0, 3);
    const { SLURM_ARRAY_TASK_MAX: _m, ...noMax } = arrayTask(2, 0, 3);
    expect(slurmShard(noCount)).toEqual({ index: 3, count: 4 });
    expect(slurmShard(noMax)).toEqual({ index: 3, count: 4 });
    expect(resolveShard('slurm', arrayTask(4, 1, 4))).toEqual({ index: 4, count: 4 });
    expect(resolveShard(' 2/5 ', {})).toEqual({ index: 2, count: 5 });
  });

  it('missing or inconsistent variables are refused, naming them', () => {
    expect(() => slurmShard({})).toThrow(/SLURM_ARRAY_TASK_ID is not set.*--array=0-N/);
    const { SLURM_ARRAY_TASK_MIN: _min, ...noMin } = arrayTask(0, 0, 3);
    expect(() => slurmShard(noMin)).toThrow(/SLURM_ARRAY_TASK_MIN is not set/);
    const { SLURM_ARRAY_TASK_MAX: _max, SLURM_ARRAY_TASK_COUNT: _cnt, ...neither } = arrayTask(0, 0, 3);
    expect(() => slurmShard(neither)).toThrow(/neither SLURM_ARRAY_TASK_MAX nor SLURM_ARRAY_TASK_COUNT/);
    // --array=1,3,8: MIN 1, MAX 8, but 3 tasks
    expect(() => slurmShard({ ...arrayTask(3, 1, 8), SLURM_ARRAY_TASK_COUNT: '3' })).toThrow(
      /not one range: .* 8 tasks but SLURM_ARRAY_TASK_COUNT is 3/,
    );
    expect(() => slurmShard(arrayTask(5, 1, 4))).toThrow(/not a task of the array/);
    expect(() => slurmShard({ ...arrayTask(1, 0, 3), SLURM_ARRAY_TASK_ID: 'x' })).toThrow(
      /SLURM_ARRAY_TASK_ID must be an integer ≥ 0, got 'x'/,
    );
  });

  it('the recorded command names the shard it resolved to', () => {
    const shard = { index: 3, count: 4 };
    expect(withShardArg(['sample', '--shard', 'slurm', '--out', 'a.json'], shard)).toEqual([
      'sample',
      '--shard',
      '3/4',
      '--out',
      'a.json',
    ]);
    expect(withShardArg(['sgd', '--shard=slurm'], shard)).toEqual(['sgd', '--shard=3/4']);
    expect(withShardArg(['sgd'], null)).toEqual(['sgd']);
  });
});

describe('shard sets', () => {
  /** The shard names of shards 1…N of seed 1's nets [first, first + total) (as `sample --shard i/N` writes them). */
  const names = (n: number, first: number, total: number, skip: number[] = []) =>
    Array.from({ length: n }, (_, k) => k + 1)
      .filter((i) => !skip.includes(i))
      .map((index) => {
        const r = shardRange(total, { index, count: n });
        return rangeShard(1, first + r.first, first + r.first + r.count, 'nets', { index, count: n, first, total });
      });

  it('a shard name states its part and run, and reads back', () => {
    const [name] = names(4, 1000, 2000).slice(2, 3);
    expect(name).toBe('seed 1 nets [2000, 2500) shard 3/4 of [1000, 3000)');
    expect(parseRangeShard(name)).toEqual({
      seed: '1 nets',
      first: 2000,
      end: 2500,
      of: { index: 3, count: 4, first: 1000, total: 2000 },
    });
    // names of whole runs (and of files written before shards said which they are) read as before
    expect(parseRangeShard('seed 1 draws [0, 25)')).toEqual({ seed: '1 draws', first: 0, end: 25 });
  });

  it('a complete set passes; a set without shards 2 and 4 names them with their ranges', () => {
    expect(checkShardSets(rangeShardMembers(names(4, 0, 10)), false)).toEqual([]);
    const partial = rangeShardMembers(names(4, 0, 10, [2, 4]));
    expect(shardSetGaps(partial)).toEqual([
      {
        run: 'seed 1 nets [0, 10)',
        count: 4,
        missing: [2, 4],
        described: [
          'shard 2/4 (nets [3, 6)) of seed 1 nets [0, 10)',
          'shard 4/4 (nets [8, 10)) of seed 1 nets [0, 10)',
        ],
      },
    ]);
    expect(() => checkShardSets(partial, false)).toThrow(
      /not a complete set: missing shard 2\/4 \(nets \[3, 6\)\) of seed 1 nets \[0, 10\); shard 4\/4 .*--allow-partial/,
    );
    expect(checkShardSets(partial, true)).toHaveLength(2);
    // two runs of one seed (other ranges) are two sets; names without a shard are no members
    const two = [...names(2, 0, 10), ...names(3, 10, 30, [1]), 'seed 1 nets [40, 50)'];
    expect(shardSetGaps(rangeShardMembers(two)).map((g) => [g.run, g.missing])).toEqual([
      ['seed 1 nets [10, 40)', [1]],
    ]);
  });

  it('parts of different splits of one run are refused', () => {
    const mixed = rangeShardMembers([...names(4, 0, 10, [3, 4]), ...names(3, 0, 10, [1, 2])]);
    expect(() => shardSetGaps(mixed)).toThrow(/shards of different splits \(1\/4 and 3\/3\)/);
  });
});
