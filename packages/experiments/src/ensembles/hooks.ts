/**
 * What an ensemble run gets from its caller besides its settings: the
 * resumable-run driver (core's `ResumableRun`: checkpoint, resume, identity,
 * lock, signals), the command recorded in provenance, and a progress bar.
 */
import { type FunctionTable, ResumableRun, type RunShard } from '@fsbayes/core';

/** A progress bar (the CLI's and the experiments' `Progress`). */
export interface ProgressBar {
  update(done: number, extra?: string): void;
  done(extra?: string): void;
  /** The run resumed with this much already done (the rate counts only the rest). */
  resumedAt?(done: number): void;
}

/** Makes the bar of a run of `total` units. */
export type ProgressFactory = (total: number, unit: string) => ProgressBar;

/** What every ensemble run may be given: the resumable-run driver, the command line for provenance, and progress bars. */
export interface EnsembleHooks {
  /** Checkpoint, resume and signals (default: an in-memory run, neither checkpointed nor resumable). */
  driver?: ResumableRun;
  /** The command line recorded in the table's provenance. */
  command?: string;
  /** Progress of the run (default: none). */
  progress?: ProgressFactory;
  /** The shard i/N of a split run this run is (`--shard`): its shard name says so, and `fsbayes merge` checks the set. */
  shardOf?: RunShard;
}

/** What the sampler's runs (rejection, frozen-feature) share (T: the table they count into). */
export interface SamplerRunOptions<T = FunctionTable> extends EnsembleHooks {
  /** Confidence of the Wilson interval of P(S) (default 0.95). */
  confidence?: number;
  /** Stop after this long (checkpointed: continue with resume). */
  timeLimitMs?: number;
  checkpointEveryMs?: number;
  /** Write the table (finished, or stopped by the time limit), before the checkpoint goes. */
  write?: (table: T) => void | Promise<void>;
}

const silent: ProgressBar = { update: () => {}, done: () => {} };

/** The driver and progress factory of `h`, with their defaults. */
export function hooksOf(h: EnsembleHooks): { driver: ResumableRun; progress: ProgressFactory } {
  return { driver: h.driver ?? ResumableRun.inMemory(), progress: h.progress ?? (() => silent) };
}
