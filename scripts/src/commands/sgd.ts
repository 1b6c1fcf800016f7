/**
 * `fsbayes sgd`: P_SGD, many nets trained to 100% training accuracy and
 * their functions on E counted. Flags to the experiments package's
 * `sgdEnsemble`, which runs it through core's `ResumableRun` (checkpoint,
 * resume, lock, signals; `--shard i/N` (or `slurm`) runs one of N disjoint run ranges).
 */
import { FsbayesError, shardRange, shardText, tableText } from '@fsbayes/core';
import { Progress, sgdEnsemble } from '@fsbayes/experiments';
import { chooseEngine, LOSSES, type LossName, OPTIMIZERS, type OptimizerName, resolveConfig } from '@fsbayes/sgd';
import type { Argv } from 'yargs';
import { type DataArgs, loadSplit } from '../cli/dataset.js';
import { ARCH_OPTIONS, DATA_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { emit, log, type OutputArgs, prepareOutputs, resumableRun, run, writeOutputs } from '../cli/output.js';
import { type ArchArgs, specFromArgs } from '../cli/prior.js';
import { shardedCommand, shardOf, shardOption } from '../cli/shard.js';

const SGD_OPTIONS = {
  optimizer: {
    type: 'string',
    choices: OPTIMIZERS,
    default: 'sgd',
    describe:
      'sgd (η 0.01, Keras/the authors), adam (η 0.001, β 0.9/0.999, ε 1e-8), adagrad (η 0.01, ε 1e-10), rmsprop (η 0.001, ρ 0.9, ε 1e-7), adadelta (η 1, ρ 0.95, ε 1e-6), agd (Bernstein et al. 2023: orthogonal init, no biases, needs --sigma-b 0)',
  },
  lr: {
    type: 'number',
    describe: 'learning rate (default: the optimiser’s, above; for agd a gain on its automatic step)',
  },
  momentum: { type: 'number', describe: 'sgd: momentum μ (default 0)' },
  nesterov: { type: 'boolean', describe: 'sgd: Nesterov momentum (default false)' },
  'weight-decay': { type: 'number', describe: 'sgd: L2 weight decay λ, g ← g + λθ (default 0)' },
  'lr-decay': { type: 'number', describe: 'sgd: η_t = η/(1 + decay·t) after t steps (Keras `decay`, default 0)' },
  beta1: { type: 'number', describe: 'adam: β₁ (default 0.9)' },
  beta2: { type: 'number', describe: 'adam: β₂ (default 0.999)' },
  rho: { type: 'number', describe: 'rmsprop/adadelta: ρ (default 0.9 / 0.95)' },
  eps: { type: 'number', describe: 'adam/adagrad/rmsprop/adadelta: ε (defaults above)' },
  'initial-accumulator': { type: 'number', describe: 'adagrad: initial accumulator (default 0)' },
  loss: {
    type: 'string',
    choices: LOSSES,
    default: 'ce',
    describe: 'ce: binary cross-entropy on one logit; mse: squared error',
  },
  'mse-targets': {
    type: 'string',
    choices: ['01', 'pm1'],
    default: '01',
    describe: 'mse targets 0/1 (predict 1 when output > 0.5) or ±1 (threshold 0)',
  },
  batch: {
    type: 'number',
    default: 8,
    describe: 'minibatch size (reshuffled every epoch; the last batch may be short)',
  },
  runs: { type: 'number', default: 10_000, describe: 'training runs (run r starts from net r of the seed’s stream)' },
  'check-every': {
    type: 'number',
    default: 0,
    describe: 'check for 100% training accuracy every k steps (0: at the end of every epoch)',
  },
  'epochs-after-fit': { type: 'number', default: 0, describe: 'extra epochs after a net first fits S' },
  'max-epochs': {
    type: 'number',
    default: 10_000,
    describe: 'epoch cap (the authors used 20,000); nets that have not fitted by then are counted as not fitted',
  },
  shard: shardOption('the --runs'),
  backend: {
    type: 'string',
    choices: ['auto', 'js', 'wasm'],
    default: 'auto',
    describe:
      'wasm: float32 SIMD lockstep trainer, 4 nets per vector (relu; sgd/adam/adagrad/rmsprop/adadelta; epoch-end checks); js: the float64 reference; auto: wasm where it applies',
  },
  threads: { type: 'number', describe: 'worker threads (default: all cores)' },
  checkpoint: {
    type: 'string',
    describe: 'checkpoint file, rewritten atomically every --checkpoint-every seconds (default: OUT.ckpt with --out)',
  },
  'checkpoint-every': { type: 'number', default: 60, describe: 'seconds between checkpoints' },
  resume: {
    type: 'boolean',
    default: false,
    describe:
      'continue from the checkpoint (settings must match); without it an existing checkpoint is refused, never discarded',
  },
  'csv-out': { type: 'string', describe: 'also write the table as CSV to this file' },
  'stop-after': {
    type: 'number',
    hidden: true,
    describe: 'testing: write the checkpoint and stop after this many runs, as if killed',
  },
} as const;

type Args = DataArgs &
  ArchArgs &
  OutputArgs & {
    optimizer: OptimizerName;
    lr?: number;
    momentum?: number;
    nesterov?: boolean;
    'weight-decay'?: number;
    'lr-decay'?: number;
    beta1?: number;
    beta2?: number;
    rho?: number;
    eps?: number;
    'initial-accumulator'?: number;
    loss: LossName;
    'mse-targets': string;
    batch: number;
    runs: number;
    'check-every': number;
    'epochs-after-fit': number;
    'max-epochs': number;
    shard?: string;
    backend: string;
    threads?: number;
    checkpoint?: string;
    'checkpoint-every': number;
    resume: boolean;
    'csv-out'?: string;
    'stop-after'?: number;
  };

export const sgdCommand = {
  command: 'sgd',
  describe: 'P_SGD: train many nets (each from its prior draw) to 100% training accuracy, count their functions on E',
  builder: (y: Argv) =>
    y
      .options({ ...ARCH_OPTIONS, ...DATA_OPTIONS, ...SEED_OPTIONS, ...SGD_OPTIONS, ...OUTPUT_OPTIONS })
      .example(
        '$0 sgd --arch fcn:40,40 --train-size 32 --optimizer sgd --batch 8 --loss ce --runs 10000 --seed 1 --out sgd.json --json',
        'P_SGD on the Boolean system (n = 7, |S| = 32)',
      )
      .example(
        '$0 sgd --dataset mnist --train-size 1000 --test-size 100 --arch fcn:128,128 --sigma-w 1.41 --sigma-b 0.1 --batch 32 --runs 1000',
        'an MNIST subset',
      )
      .epilogue(
        'Run r trains net r of the seed’s stream (the sampler’s prior draw: W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²)) with its own minibatch order (stream seed/sgd-order/r), in float32 SIMD (wasm) or float64 (js), until it classifies all of S correctly (checked each epoch, or every --check-every steps), then reads off its function on E. ' +
          'agd orthogonalises the same draw (scaled by √(d_out/d_in)) and needs a bias-free net (--sigma-b 0), so its P_SGD is relative to that init. ' +
          'Runs that never fit within --max-epochs are counted (notFitted), never recorded as functions. ' +
          'With the defaults, 7→40→40→1 on |S| = 32 (batch 8, ce) fits every run, in about 84 epochs (sgd), 31 (adam), 13 (adagrad), 29 (rmsprop), 8 (adadelta), 18 (agd, bias-free). ' +
          '--out writes the FunctionTable (format fsbayes.function-table) on E; its provenance holds the settings, notFitted and histograms of epochs to fit and of test errors. ' +
          'Shards (--shard i/N, or --shard slurm in a job array: sbatch --array=0-N or 1-N) own disjoint run ranges of one seed; merge their tables (fsbayes merge refuses a set that lacks a shard). Same seed, same bytes.',
      ),
  handler: run('sgd', null, async (a: Args) => {
    // Before any compute: the checkpoint (an existing one asks for --resume; locked), then --out and --csv-out.
    // A stopped run leaves only its checkpoint: --out and --csv-out are written once, at the end.
    const driver = resumableRun(a);
    prepareOutputs(a, [
      a.out ? { path: a.out, kind: 'file' } : null,
      a['csv-out'] ? { path: a['csv-out'], kind: 'file', flag: '--csv-out' } : null,
    ]);
    if (!Number.isSafeInteger(a.runs) || a.runs < 1)
      throw new FsbayesError(`--runs must be a positive integer, got ${a.runs}`);
    if (a.threads !== undefined && !(Number.isSafeInteger(a.threads) && a.threads >= 1))
      throw new FsbayesError(`--threads must be a positive integer, got ${a.threads}`);
    const config = resolveConfig({
      optimizer: a.optimizer,
      loss: a.loss,
      mseTargets: a['mse-targets'] as '01' | 'pm1',
      batch: a.batch,
      params: {
        lr: a.lr,
        momentum: a.momentum,
        nesterov: a.nesterov,
        weightDecay: a['weight-decay'],
        lrDecay: a['lr-decay'],
        beta1: a.beta1,
        beta2: a.beta2,
        rho: a.rho,
        eps: a.eps,
        initialAccumulator: a['initial-accumulator'],
      },
      stop: { checkEvery: a['check-every'], epochsAfterFit: a['epochs-after-fit'], maxEpochs: a['max-epochs'] },
    });
    const split = loadSplit(a);
    if (split.train.m === 0) throw new FsbayesError('S is empty: give --train-size or --train-mask');
    if (split.test.m === 0)
      throw new FsbayesError('E is empty: every point is in S (check --train-mask / --train-size)');
    const spec = specFromArgs(a, split.train.shape, { nets: true });
    if (config.optimizer === 'agd' && spec.bias)
      throw new FsbayesError('--optimizer agd trains bias-free nets: add --sigma-b 0');
    const shard = shardOf(a.shard);
    const range = shard ? shardRange(a.runs, shard) : { first: 0, count: a.runs };
    const mE = split.test.m;
    const want = a.backend as 'auto' | 'js' | 'wasm';
    // why auto took the js reference, before the (slower) run starts; sgdEnsemble makes the same choice
    const reason = chooseEngine(spec, config, want).backend.reason;
    if (reason) log(a, `sgd: training on the float64 js reference: ${reason}`);
    const r = await sgdEnsemble({
      spec,
      config,
      split,
      seed: a.seed,
      first: range.first,
      runs: range.count,
      total: a.runs,
      shard: shard ? shardText(shard) : undefined,
      shardOf: shard ? { ...shard, first: 0, total: a.runs } : undefined,
      backend: want,
      threads: a.threads,
      checkpointSeconds: a['checkpoint-every'],
      stopAfter: a['stop-after'],
      driver,
      command: shardedCommand(shard),
      progress: (total, unit) => new Progress('sgd', total, unit, a.quiet),
      // The table and its CSV appear together or not at all; the checkpoint goes only once both are written.
      write: (table) =>
        writeOutputs(a, [
          ...(a.out ? [{ path: a.out, data: tableText(table) }] : []),
          ...(a['csv-out'] ? [{ path: a['csv-out'], data: table.toCSV() }] : []),
        ]),
    });
    // Stopped by SIGINT/SIGTERM, or by the hidden --stop-after (as if killed): only the checkpoint is left.
    if (!r.finished) return;
    const { state, table, backend } = r;
    const result = {
      runs: state.done,
      fitted: state.fitted,
      notFitted: state.notFitted,
      distinct: table.distinct,
      meanEpochs: state.fitted > 0 ? r.meanEpochs : null,
      meanTestError: state.fitted > 0 ? table.meanTestError() : null,
      out: a.out ?? null,
      seconds: r.seconds,
      runsPerSecond: state.done / r.seconds,
      threads: r.threads,
      backend: backend.name,
      precision: backend.precision,
      backendReason: backend.reason ?? null,
      shard: shard ? shardText(shard) : null,
    };
    emit(
      a,
      result,
      `${state.done} runs: ${state.fitted} fitted, ${state.notFitted} not fitted within ${config.stop.maxEpochs} epochs; ` +
        `${table.distinct} distinct functions on ${mE} points; mean epochs ${result.meanEpochs?.toFixed(1) ?? '–'}, ` +
        `mean test error ${result.meanTestError?.toFixed(4) ?? '–'} (${r.seconds.toFixed(1)} s, ${backend.name} ${backend.precision}, ${r.threads} threads)` +
        `${a.out ? `\ntable written to ${a.out}` : ''}`,
      false,
    );
  }),
};
