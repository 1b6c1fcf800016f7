/**
 * A resumable SGD ensemble (`fsbayes sgd`, and the experiments' SGD step):
 * runs [first, first + runs) of the seed, run r trained from net r of the
 * seed's stream to 100% training accuracy, its function on E counted.
 * Checkpoints, resume and signals go through core's `ResumableRun`; a
 * stopped run leaves only its checkpoint (its outputs are written once, at
 * the end), and a resumed run gives the same table.
 */
import {
  type ArchSpec,
  createProvenance,
  describeSplit,
  FsbayesError,
  type FunctionTable,
  type Provenance,
  rangeShard,
  type Split,
} from '@fsbayes/core';
import { chooseEngine, type SgdConfig, type SgdState, sgdExtra, stateMeans, trainSgdTable } from '@fsbayes/sgd';
import { type EnsembleHooks, hooksOf } from './hooks.js';

/** How provenance records the trainer (`chooseEngine`'s). */
export type SgdBackend = ReturnType<typeof chooseEngine>['backend'];

/** What an SGD ensemble trains: the spec, settings and split, its seed and range of runs, its shard, trainer and threads. */
export interface SgdEnsembleOptions extends EnsembleHooks {
  /** A fully connected or convolutional net (`chooseEngine` says which trainer takes it). */
  spec: ArchSpec;
  config: SgdConfig;
  split: Split;
  seed: number;
  /** Runs [first, first + runs) of the seed (default first 0). */
  first?: number;
  runs: number;
  /** Runs of the whole run when this is a shard (default `runs`), and the shard `i/N`: part of the identity. */
  total?: number;
  shard?: string;
  /** The trainer: `auto` (float32 wasm where it can, else float64 js; default), `js` or `wasm`. */
  backend?: 'auto' | 'js' | 'wasm';
  threads?: number;
  checkpointSeconds?: number;
  /** Stop (as if killed) after this many runs; for tests of resume. */
  stopAfter?: number;
  /** The table's provenance (default: the command, its run range as shard, the settings and the run summary). */
  provenance?: (state: SgdState, backend: SgdBackend, threads: number) => Provenance;
  /** Write the outputs of the finished run (before the checkpoint goes). */
  write?: (table: FunctionTable) => void;
}

/** What {@link sgdEnsemble} did: its table and state, the trainer it ran on, and the mean epochs and test error. */
export interface SgdEnsembleResult {
  table: FunctionTable;
  state: SgdState;
  /** Whether every run was trained (else the run stopped and left its checkpoint). */
  finished: boolean;
  seconds: number;
  threads: number;
  backend: SgdBackend;
  /** Mean epochs to fit and mean test error of the fitted runs (NaN when none fitted). */
  meanEpochs: number;
  meanTestError: number;
}

/** The settings of an SGD ensemble as provenance and checkpoints record them. */
export function sgdExperiment(config: SgdConfig) {
  return {
    kind: 'sgd',
    init: config.optimizer === 'agd' ? 'orthogonal (agd)' : 'prior',
    optimizer: config.optimizer,
    ...config.params,
    loss: config.loss,
    ...(config.loss === 'mse' ? { mseTargets: config.mseTargets } : {}),
    batch: config.batch,
    stop: config.stop,
  };
}

/** Run (or continue) an SGD ensemble; see the module comment. */
export async function sgdEnsemble(o: SgdEnsembleOptions): Promise<SgdEnsembleResult> {
  const { driver, progress } = hooksOf(o);
  const { spec, config, split } = o;
  const first = o.first ?? 0;
  const experiment = sgdExperiment(config);
  const { engine, backend } = chooseEngine(spec, config, o.backend ?? 'auto');
  const dataset = describeSplit(split);
  const provenance =
    o.provenance ??
    ((state: SgdState, trainer: SgdBackend, threads: number) =>
      createProvenance({
        command: o.command,
        spec,
        dataset,
        experiment,
        seeds: [o.seed],
        // Run r trains net r: name the range as the sampler does, so `fsbayes merge` sees disjoint shards of one seed.
        shards: [rangeShard(o.seed, first, first + o.runs, 'nets', o.shardOf)],
        backend: { ...trainer, threads },
        extra: { ...sgdExtra(state), firstRun: first },
      }));
  const mE = split.test.m;
  const r = await driver.drive({
    identity: {
      spec,
      dataset,
      experiment,
      backend,
      seed: o.seed,
      runs: o.total ?? o.runs,
      shard: o.shard ?? null,
    },
    resumed: (s: SgdState) => `resuming from ${driver.checkpointPath}: ${s.done} of ${o.runs} runs done`,
    compute: async ({ resume, onCheckpoint, shouldStop }) => {
      const bar = progress(o.runs, 'runs');
      if (resume) bar.resumedAt?.(resume.state.done);
      const run = await trainSgdTable({
        spec,
        config,
        train: split.train,
        test: split.test,
        seed: o.seed,
        first,
        runs: o.runs,
        threads: o.threads,
        engine,
        resume: resume ? { state: resume.state, table: resume.table } : null,
        onProgress: (s, t) => bar.update(s.done, `${s.fitted} fitted · ${s.notFitted} not · ${t.distinct} distinct`),
        onCheckpoint,
        checkpointSeconds: o.checkpointSeconds,
        stopAfter: o.stopAfter,
        shouldStop,
      });
      if (run.state.done >= o.runs) {
        bar.done(`${run.state.fitted} fitted · ${run.table.distinct} distinct`);
        run.table.provenance = provenance(run.state, backend, run.threads);
      }
      return run;
    },
    finished: (run) => run.state.done >= o.runs,
    write: (run) => o.write?.(run.table),
    stopped: (run, ckpt) => {
      // Stopped by SIGINT/SIGTERM, or by stopAfter (as if killed): the checkpoint stays.
      const why = driver.stoppedBy ? `stopped (${driver.stoppedBy})` : 'stopped';
      if (ckpt)
        return `${why} after ${run.state.done} of ${o.runs} runs; checkpoint at ${ckpt}: continue with --resume`;
      if (driver.stoppedBy)
        return `${why} after ${run.state.done} runs; no --out/--checkpoint, so this run cannot be resumed`;
      throw new FsbayesError('--stop-after needs --checkpoint FILE (or --out)');
    },
  });
  const means = stateMeans(r.state, mE);
  return {
    table: r.table,
    state: r.state,
    finished: r.state.done >= o.runs,
    seconds: r.seconds,
    threads: r.threads,
    backend,
    meanEpochs: means.meanEpochs,
    meanTestError: means.meanTestError,
  };
}
