/**
 * `--shard i/N|slurm` of the commands that split a run into parts (`sample`,
 * `sgd`, `pb`): the option's help, the shard it names (core's
 * `resolveShard`: `slurm` reads the job array's variables, 0- or 1-based),
 * and the command line as provenance records it (`--shard slurm` written
 * as the shard it resolved to, so a part's file does not depend on how the
 * array counted its tasks).
 */
import { recordedCommand, resolveShard, type Shard, withShardArg } from '@fsbayes/core';
import type { Options } from 'yargs';

/** The `--shard` option of a command whose parts split its `items`. */
export function shardOption(items: string) {
  return {
    type: 'string' as const,
    describe: `i/N: only the i-th of N disjoint parts of ${items} (1 ≤ i ≤ N); slurm: this job-array task's part, from SLURM_ARRAY_TASK_ID and the array's MIN and MAX (--array=0-N and --array=1-N alike); merge the parts with fsbayes merge`,
  } satisfies Options;
}

/** The shard `--shard` names, or null without it (errors name the value or the missing variable). */
export function shardOf(text: string | undefined): Shard | null {
  return text === undefined ? null : resolveShard(text);
}

/** The command line recorded in provenance (without `runControl` flags), `--shard slurm` as `--shard i/N`. */
export function shardedCommand(shard: Shard | null, runControl?: Readonly<Record<string, boolean>>): string {
  return recordedCommand(withShardArg(process.argv.slice(2), shard), runControl);
}
