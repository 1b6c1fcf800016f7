/**
 * The routes to a distribution over functions on E, as the experiments run
 * them: SGD (P_SGD), rejection sampling (the exact Bayesian posterior of the
 * finite net), the frozen-feature sampler, and EP (P_B of the NNGP). The
 * ensembles are the ones `fsbayes sgd` and `fsbayes sample` run; one
 * experiment step each (see `stage`).
 */
import { createProvenance, describeSplit, type FunctionTable, type ResumableRun, Rng } from '@fsbayes/core';
import { resolveConfig, type SgdConfigInput } from '@fsbayes/sgd';
import { frozenEnsemble } from '../ensembles/frozen.js';
import { rejectionEnsemble } from '../ensembles/rejection.js';
import { sgdEnsemble } from '../ensembles/sgd.js';
import { type ExperimentContext, progress, reproCommand, say } from './context.js';
import { backendFor } from './prior.js';
import type { System } from './system.js';

function provenanceOf(
  ctx: ExperimentContext,
  sys: System,
  experiment: unknown,
  seed: number,
  backend: string | { name: string; precision: string },
) {
  return createProvenance({
    command: reproCommand(ctx),
    spec: sys.spec,
    dataset: describeSplit(sys.split),
    experiment,
    seeds: [seed],
    backend,
  });
}

/**
 * Items [first, first + count) of a route (a part of a plan, see `step.ts`),
 * checkpointed and resumed through `driver`. Without it a route runs all its
 * items in memory.
 */
export interface RouteRange {
  first: number;
  count: number;
  driver: ResumableRun;
}

/**
 * How a route runs: a part of a plan (a {@link RouteRange}), or all its
 * items through a driver (a whole step checkpointing inside itself, see
 * `runStep`), or all its items in memory (undefined).
 */
export type RouteRun = RouteRange | { driver: ResumableRun };

function rangeOf(run: RouteRun | undefined): RouteRange | undefined {
  return run && 'first' in run ? run : undefined;
}

/** Seconds between a route's checkpoints: `--checkpoint-every`, else the ensembles' own (60 s). */
function everyMs(ctx: ExperimentContext): number | undefined {
  return ctx.checkpointEvery === undefined ? undefined : ctx.checkpointEvery * 1000;
}

export interface SgdOutcome {
  table: FunctionTable;
  runs: number;
  fitted: number;
  notFitted: number;
  meanEpochs: number;
  meanTestError: number;
  seconds: number;
}

/** `runs` training runs (net r of the seed's stream, minibatch order from its own stream) to 100% train accuracy. */
export async function sgdRoute(
  ctx: ExperimentContext,
  sys: System,
  runs: number,
  config: SgdConfigInput,
  label = 'SGD',
  driver?: ResumableRun,
): Promise<SgdOutcome> {
  const r = await sgdRun(ctx, sys, runs, config, label, driver && { driver });
  return {
    table: r.table,
    runs,
    fitted: r.state.fitted,
    notFitted: r.state.notFitted,
    meanEpochs: r.meanEpochs,
    meanTestError: r.meanTestError,
    seconds: r.seconds,
  };
}

/** The SGD ensemble of {@link sgdRoute}: all its runs, or the range of a part. */
export function sgdRun(
  ctx: ExperimentContext,
  sys: System,
  runs: number,
  config: SgdConfigInput,
  label: string,
  run?: RouteRun,
) {
  const range = rangeOf(run);
  const cfg = resolveConfig(config);
  // The fast float32 wasm trainer wherever it can train the spec, else the float64 reference.
  return sgdEnsemble({
    spec: sys.spec,
    config: cfg,
    split: sys.split,
    seed: ctx.seed,
    first: range?.first ?? 0,
    runs: range?.count ?? runs,
    total: runs,
    shard: range ? `runs [${range.first}, ${range.first + range.count})` : undefined,
    driver: run?.driver,
    checkpointSeconds: ctx.checkpointEvery,
    threads: ctx.threads,
    provenance: (_state, backend) => provenanceOf(ctx, sys, { kind: 'sgd', ...cfg }, ctx.seed, backend),
    progress: (total, unit) => progress(ctx, `${label}, ${sys.label}`, total, unit),
  });
}

export interface RejectionOutcome {
  table: FunctionTable;
  drawn: number;
  accepted: number;
  logPS: number;
  logPSInterval: [number, number];
  seconds: number;
}

/** Rejection sampling: at most `maxNets` prior nets, stopping at `accept` acceptances. */
export async function rejectionRoute(
  ctx: ExperimentContext,
  sys: System,
  maxNets: number,
  accept: number,
  driver?: ResumableRun,
): Promise<RejectionOutcome> {
  const r = await rejectionRun(ctx, sys, maxNets, accept, driver && { driver });
  const est = r.estimate as NonNullable<typeof r.estimate>;
  return {
    table: r.table,
    drawn: r.state.drawn,
    accepted: r.state.accepted,
    logPS: est.log,
    logPSInterval: est.logInterval,
    seconds: r.seconds,
  };
}

/**
 * The rejection run of {@link rejectionRoute}: nets [0, maxNets), or the
 * range of a part, stopping at `accept` acceptances (of the range).
 */
export async function rejectionRun(
  ctx: ExperimentContext,
  sys: System,
  maxNets: number,
  accept: number,
  run?: RouteRun,
) {
  const range = rangeOf(run);
  const backend = await backendFor(ctx, sys.spec);
  const provenance = provenanceOf(ctx, sys, { kind: 'rejection', maxNets, accept }, ctx.seed, backend.info.detail);
  return rejectionEnsemble({
    mode: 'posterior',
    backend,
    spec: sys.spec,
    split: sys.split,
    seed: ctx.seed,
    first: range?.first ?? 0,
    count: range?.count ?? maxNets,
    accept,
    driver: run?.driver,
    checkpointEveryMs: everyMs(ctx),
    provenance: () => provenance,
    progress: (total, unit) => progress(ctx, `rejection sampling, ${sys.label}`, total, unit),
  });
}

export interface FrozenOutcome {
  table: FunctionTable;
  features: number;
  samples: number;
  logPS: number;
  seconds: number;
}

/** Frozen-feature sampling: K random hidden layers, readouts sampled given S. */
export async function frozenRoute(
  ctx: ExperimentContext,
  sys: System,
  features: number,
  samples: number,
  driver?: ResumableRun,
): Promise<FrozenOutcome> {
  const r = await frozenRun(ctx, sys, features, samples, driver && { driver });
  return {
    table: r.table,
    features,
    samples,
    logPS: Math.log(r.accepted / r.proposals),
    seconds: r.seconds,
  };
}

/** The frozen-feature run of {@link frozenRoute}: all K hidden-layer draws, or the range of a part. */
export function frozenRun(ctx: ExperimentContext, sys: System, features: number, samples: number, run?: RouteRun) {
  const range = rangeOf(run);
  const provenance = provenanceOf(ctx, sys, { kind: 'frozen', features, samples }, ctx.seed, 'js f64');
  return frozenEnsemble({
    spec: sys.spec,
    split: sys.split,
    seed: ctx.seed,
    features,
    samples,
    firstDraw: range?.first,
    drawCount: range?.count,
    driver: run?.driver,
    checkpointEveryMs: everyMs(ctx),
    provenance: () => provenance,
    progress: (total, unit) => progress(ctx, `frozen features, ${sys.label}`, total, unit),
  });
}

/** A seeded integer source for deterministic choices in experiments. */
export function intsOf(ctx: ExperimentContext, ...path: (string | number)[]): () => number {
  const rng = new Rng(ctx.seed, 'repro', ctx.name, ...path);
  return () => rng.uint32();
}

export { say };
