/**
 * The routes to a distribution over functions on E, as the experiments run
 * them: SGD (P_SGD), rejection sampling (the exact Bayesian posterior of the
 * finite net), the frozen-feature sampler, and EP (P_B of the NNGP).
 */
import { createProvenance, type FcnSpec, type FunctionTable, Rng } from '@fsbayes/core';
import { frozenSample, rateEstimate, rejectionSample } from '@fsbayes/sampler';
import { chooseEngine, resolveConfig, type SgdConfigInput, stateMeans, trainSgdTable } from '@fsbayes/sgd';
import { describeSplit } from '../cli/dataset.js';
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
): Promise<SgdOutcome> {
  const cfg = resolveConfig(config);
  // The fast float32 wasm trainer wherever it can train the spec, else the float64 reference.
  const { engine, backend } = chooseEngine(sys.spec as FcnSpec, cfg);
  const bar = progress(ctx, `${label}, ${sys.label}`, runs, 'runs');
  const r = await trainSgdTable({
    spec: sys.spec as FcnSpec,
    config: cfg,
    train: sys.train,
    test: sys.test,
    seed: ctx.seed,
    runs,
    threads: ctx.threads,
    engine,
    provenance: provenanceOf(ctx, sys, { kind: 'sgd', ...cfg }, ctx.seed, backend),
    onProgress: (s, t) => bar.update(s.done, `${t.distinct} distinct, ${s.notFitted} not fitted`),
  });
  bar.done(`${r.table.distinct} distinct`);
  const means = stateMeans(r.state, sys.nE);
  return {
    table: r.table,
    runs,
    fitted: r.state.fitted,
    notFitted: r.state.notFitted,
    meanEpochs: means.meanEpochs,
    meanTestError: means.meanTestError,
    seconds: r.seconds,
  };
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
): Promise<RejectionOutcome> {
  const backend = await backendFor(ctx, sys.spec);
  const bar = progress(ctx, `rejection sampling, ${sys.label}`, maxNets, 'nets');
  const r = await rejectionSample({
    backend,
    spec: sys.spec,
    mode: 'posterior',
    train: sys.train,
    test: sys.test,
    seed: ctx.seed,
    first: 0,
    count: maxNets,
    accept,
    provenance: provenanceOf(ctx, sys, { kind: 'rejection', maxNets, accept }, ctx.seed, backend.info.detail),
    onProgress: (s) => bar.update(s.drawn, `${s.accepted} accepted`),
  });
  bar.done(`${r.state.accepted} accepted`);
  const est = rateEstimate(r.state.accepted, r.state.drawn);
  return {
    table: r.table,
    drawn: r.state.drawn,
    accepted: r.state.accepted,
    logPS: est.log,
    logPSInterval: est.logInterval,
    seconds: r.seconds,
  };
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
): Promise<FrozenOutcome> {
  const t0 = performance.now();
  const bar = progress(ctx, `frozen features, ${sys.label}`, samples, 'samples');
  const r = frozenSample({
    spec: sys.spec,
    train: sys.train,
    test: sys.test,
    seed: ctx.seed,
    features,
    samples,
    provenance: provenanceOf(ctx, sys, { kind: 'frozen', features, samples }, ctx.seed, 'js f64'),
    onProgress: (d) => bar.update(d),
  });
  const res = await Promise.resolve(r);
  bar.done();
  return {
    table: res.table,
    features,
    samples,
    logPS: Math.log(res.accepted / res.proposals),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A seeded integer source for deterministic choices in experiments. */
export function intsOf(ctx: ExperimentContext, ...path: (string | number)[]): () => number {
  const rng = new Rng(ctx.seed, 'repro', ctx.name, ...path);
  return () => rng.uint32();
}

export { say };
