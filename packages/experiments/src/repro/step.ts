/**
 * The shardable steps of an experiment: an SGD ensemble (runs), a rejection
 * run (nets), a frozen-feature run (hidden-layer draws), P_B by Botev or by
 * EP (functions). An experiment runs each whole (`runStep`, a resumable
 * `stage`); a plan (`fsbayes plan`) runs the same step as parts over ranges
 * of its items, one per array task, and merges them into the result the
 * whole step gives. The experiment declares its steps once (its `steps`
 * list in the registry) and runs the same objects, so the plan and the run
 * cannot disagree about keys, sizes or inputs.
 */
import { FsbayesError, type ResumableRun } from '@fsbayes/core';
import { type ExperimentContext, stage, withStepRun } from './context.js';

/** What a step's items are. */
export type StepUnit = 'runs' | 'nets' | 'draws' | 'functions';

/** What a step computes. */
export type StepKind = 'sgd' | 'rejection' | 'frozen' | 'pb';

/** A step timed on a few items. */
export interface Calibration {
  seconds: number;
  count: number;
  hits?: number;
  note?: string;
}

/** A step whose items split into parts merged exactly (see the module comment). */
export interface ShardedStep<T extends object = object> {
  /** Its key among the experiment's steps (the `stage` key). */
  readonly key: string;
  readonly kind: StepKind;
  readonly unit: StepUnit;
  /** Items [0, items) that parts split (for P_B: ranks of functions, at most this many). */
  readonly items: number;
  /** What it is, for plans and logs (e.g. `SGD, target 0x3c…`). */
  readonly label: string;
  /** Points of its system, |S ∪ E| (what P_B's memory grows with). */
  readonly points: number;
  /** Whether a part checkpoints (and stops at a signal, to resume): the ensembles do; P_B parts recompute. */
  readonly resumable: boolean;
  /** A stop rule: the step ends at this many hits (rejection: acceptances), possibly before its last item. */
  readonly stopAt?: number;
  /** The steps whose results it reads: their `result` is set before it runs. */
  readonly needs: readonly ShardedStep[];
  /** Its FunctionTable fields (kept as their JSON, as `stage` keeps them). */
  readonly tables: readonly string[];
  /** Its result once computed or read back. */
  result: T | undefined;
  /** The result as kept by `stage` → the result (default: as read). */
  revive?(kept: T): T;
  /**
   * The whole step, as a plain run computes it; a resumable step
   * checkpoints through `driver` when given one (the same result).
   */
  whole(driver?: ResumableRun): Promise<T>;
  /**
   * Items [first, first + count) as a part (plain JSON), checkpointed and
   * resumed through `driver`; null when it stopped early (a signal: its
   * checkpoint is kept).
   */
  part(first: number, count: number, driver: ResumableRun): Promise<object | null>;
  /**
   * Whether the finished parts of the ranges before a part (all of them, in
   * order) already settle the step, so that part's items cannot matter
   * (rejection: they hold `accept` acceptances). Its task then skips it.
   */
  settledBy?(earlier: object[]): boolean;
  /** The parts of a partition of [0, items), in order → exactly the result {@link whole} gives. */
  merge(parts: object[]): Promise<T>;
  /**
   * Time it on about `count` items: the seconds, the items done, the hits
   * of its stop rule among them; null where it cannot be measured before
   * its inputs exist.
   */
  calibrate?(count: number): Promise<Calibration | null>;
}

/**
 * Run a step whole (resumable, as a `stage`: a resumable step also
 * checkpoints inside itself, see {@link withStepRun}) and keep its result
 * on the step for the steps that need it.
 */
export async function runStep<T extends object>(ctx: ExperimentContext, step: ShardedStep<T>): Promise<T> {
  const compute = () => (step.resumable ? withStepRun(ctx, step.key, (d) => step.whole(d)) : step.whole());
  const kept = await stage(ctx, step.key, compute, step.tables as (keyof T & string)[]);
  const value = step.revive ? step.revive(kept) : kept;
  step.result = value;
  return value;
}

/** The result of a step this one needs (set by `runStep` or by the plan that read it back). */
export function resultOf<T extends object>(step: ShardedStep<T>, by: string): T {
  if (step.result === undefined)
    throw new FsbayesError(`step ${by} needs the result of ${step.key}, which is not there yet`, { kind: 'internal' });
  return step.result;
}
