/**
 * `fsbayes sample`: the rejection sampler of P_B(f|S) (`--mode posterior`),
 * unconditioned prior tables through the same engine (`--mode prior`), and
 * the frozen-feature sampler (`--mode frozen`). Long runs checkpoint to
 * `<out>.ckpt` and continue with `--resume`; `--shard i/N` (or `slurm`) runs one of N
 * disjoint net ranges of the seed, and `fsbayes merge` joins them exactly.
 * Flags to the experiments package's ensembles (`rejectionEnsemble`,
 * `frozenEnsemble`), which run them through core's `ResumableRun`.
 */
import { readFileSync } from 'node:fs';
import {
  autoBackendFor,
  type ColumnarTable,
  checkNetRange,
  FsbayesError,
  FUNCTION_TABLE_FORMAT,
  type FunctionTable,
  getBackend,
  type ResumableRun,
  readArrowTableHeader,
  shardRange,
  shardText,
  tableText,
} from '@fsbayes/core';
import {
  frozenEnsemble,
  Progress,
  type RejectionEnsembleOptions,
  rejectionEnsemble,
  rejectionEnsembleColumnar,
} from '@fsbayes/experiments';
import { logRateText } from '@fsbayes/sampler';
import type { Argv } from 'yargs';
import { type DataArgs, loadSplit } from '../cli/dataset.js';
import { ARCH_OPTIONS, COMPUTE_OPTIONS, DATA_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import {
  emit,
  type OutputArgs,
  prepareOutputs,
  resumableRun,
  run,
  writeOutputStreams,
  writeOutputs,
} from '../cli/output.js';
import { type ArchArgs, type ComputeArgs, specFromArgs } from '../cli/prior.js';
import { shardedCommand, shardOf, shardOption } from '../cli/shard.js';
import {
  checkExportSize,
  spillOptions,
  TABLE_OPTIONS,
  type TableArgs,
  tableFormat,
  tableMemory,
  tableStreams,
} from '../cli/table.js';

const SAMPLE_OPTIONS = {
  mode: {
    type: 'string',
    choices: ['posterior', 'prior', 'frozen'],
    default: 'posterior',
    describe:
      'posterior: keep nets that fit S (rejection); prior: count every net (P(f)); frozen: random hidden layers, readout sampled given S',
  },
  accept: {
    type: 'number',
    describe: 'stop at the net that makes this many acceptances (frozen mode: readout samples; default 1000 there)',
  },
  'max-samples': { type: 'number', default: 1_000_000, describe: 'draw at most this many nets (the range to shard)' },
  'time-limit': { type: 'number', describe: 'stop after this many seconds (checkpointed; continue with --resume)' },
  first: { type: 'number', default: 0, describe: 'index of the first net of the seed’s stream' },
  shard: shardOption('the net range (--first, --max-samples; frozen mode: the --features draws)'),
  'checkpoint-every': { type: 'number', default: 60, describe: 'seconds between checkpoints' },
  checkpoint: { type: 'string', describe: 'checkpoint file (default: <out>.ckpt)' },
  resume: { type: 'boolean', default: false, describe: 'continue from the checkpoint (start fresh if there is none)' },
  screen: {
    type: 'number',
    describe:
      'posterior: evaluate batches on k points spread over S, survivors on the rest (default: all of S when |S| ≤ 64, else 32); changes speed only',
  },
  confidence: { type: 'number', default: 0.95, describe: 'confidence of the P(S) interval (Wilson)' },
  features: {
    type: 'number',
    default: 1,
    describe: 'frozen mode: independent hidden-layer draws K (--shard splits them; samples are split evenly over them)',
  },
  probe: {
    type: 'number',
    default: 100_000,
    describe: 'frozen mode: rejection proposals per hidden-layer draw (estimate P(S|Φ)); HMC takes over when few fit',
  },
} as const;

type Args = DataArgs &
  ArchArgs &
  ComputeArgs &
  OutputArgs &
  TableArgs & {
    mode: string;
    accept?: number;
    'max-samples': number;
    'time-limit'?: number;
    first: number;
    shard?: string;
    'checkpoint-every': number;
    checkpoint?: string;
    resume: boolean;
    screen?: number;
    confidence: number;
    features: number;
    probe: number;
  };

function positiveInt(v: number | undefined, flag: string): void {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1))
    throw new FsbayesError(`${flag} must be a positive integer, got ${v}`);
}

export const sampleCommand = {
  command: 'sample',
  describe: 'rejection sampling of P_B(f|S) with P(S), prior tables P(f), or the frozen-feature sampler',
  builder: (y: Argv) =>
    y
      .options({
        ...SAMPLE_OPTIONS,
        ...ARCH_OPTIONS,
        ...DATA_OPTIONS,
        ...SEED_OPTIONS,
        ...COMPUTE_OPTIONS,
        ...TABLE_OPTIONS,
        ...OUTPUT_OPTIONS,
      })
      .example(
        '$0 sample --arch fcn:40,40 --n 7 --train-size 32 --seed 1 --accept 10000 --max-samples 1e8 --out rs.json --json',
        'P_B(f|S) and P(S) of the Boolean system by rejection',
      )
      .example('$0 sample --mode prior --arch fcn:40,40 --n 7 --max-samples 1e6 --out prior.json', 'P(f) on all inputs')
      .example(
        '$0 sample --mode prior --max-samples 1e8 --out prior.arrow --resume',
        'a long prior run: counted in typed arrays (spilling beside the checkpoint), resumable, written as Arrow',
      )
      .example(
        '$0 sample --max-samples 1e9 --shard slurm --out rs-$SLURM_ARRAY_TASK_ID.json --resume',
        'one task of a job array (sbatch --array=0-99: task k is shard k+1 of 100); then fsbayes merge rs-*.json --out all.json, which refuses a set that lacks a shard',
      )
      .epilogue(
        'Net i of the seed is the same net as in `functions` and SGD initialisation. Nets are evaluated on S in large batches; only nets that fit S are evaluated on E, in the same arithmetic. The acceptance rate estimates P(S) (Wilson interval). --accept stops at the exact net of the k-th acceptance, so a resumed run equals an uninterrupted one; --time-limit stops at a batch boundary and leaves the checkpoint for --resume. Shards of one seed cover disjoint net ranges and merge exactly (fsbayes merge). --mode prior counts into a columnar table (any size, within --table-memory; its checkpoint keeps its sorted runs in <checkpoint>.runs) and writes Arrow (.arrow, --format arrow) or, for small tables, JSON.',
      ),
  handler: run('sample', null, async (a: Args) => {
    // The checkpoint first (an existing one asks for --resume; locked), then --out, all before any compute.
    const driver = resumableRun(a);
    // The table a time-limited leg of this run left at --out is replaced when the run is resumed.
    const partial = driver.resuming && a.out !== undefined && (await holdsTable(a.out));
    prepareOutputs(a, [a.out ? { path: a.out, kind: 'file', replaceable: partial } : null]);
    if (a.mode === 'frozen') return sampleFrozen(a, driver);
    return sampleRejection(a, driver);
  }),
};

async function sampleRejection(a: Args, driver: ResumableRun): Promise<void> {
  const mode = a.mode as 'prior' | 'posterior';
  positiveInt(a.accept, '--accept');
  const maxSamples = a['max-samples'];
  if (!Number.isSafeInteger(maxSamples) || maxSamples < 1)
    throw new FsbayesError(`--max-samples must be a positive integer, got ${maxSamples}`);
  checkNetRange(a.first, maxSamples, { first: '--first', count: '--max-samples' });
  checkTimeLimit(a);
  if (!(a['checkpoint-every'] >= 0))
    throw new FsbayesError(`--checkpoint-every must be ≥ 0, got ${a['checkpoint-every']}`);
  if (!(a.confidence > 0 && a.confidence < 1))
    throw new FsbayesError(`--confidence must be in (0, 1), got ${a.confidence}`);
  const shard = shardOf(a.shard);
  const range = shard ? shardRange(maxSamples, shard) : { first: 0, count: maxSamples };
  const split = loadSplit(a);
  const S = split.train;
  const E = split.test;
  if (E.m === 0) throw new FsbayesError('E is empty: every point is in S (check --train-mask / --train-size)');
  if (mode === 'posterior' && S.m === 0)
    throw new FsbayesError('S is empty: give --train-size or --train-mask (or use --mode prior)');
  const spec = specFromArgs(a, E.shape, { nets: true });
  // Prior tables can be huge: counted columnar (checked before any compute); posterior tables are the accepted nets'.
  const memoryBytes = mode === 'prior' ? tableMemory(a) : 0;
  if (mode === 'prior') checkExportSize(a, range.count, 'nets');
  const name = a.backend === 'auto' ? autoBackendFor(spec) : a.backend;
  const backend = await getBackend(name, { threads: a.threads, precision: a.precision });
  let columnar: ColumnarTable | null = null;
  try {
    const common: RejectionEnsembleOptions<never> = {
      mode,
      backend,
      spec,
      split,
      seed: a.seed,
      first: a.first + range.first,
      count: range.count,
      accept: a.accept,
      screen: a.screen,
      confidence: a.confidence,
      shard: shard ? shardText(shard) : undefined,
      shardOf: shard ? { ...shard, first: a.first, total: maxSamples } : undefined,
      timeLimitMs: a['time-limit'] === undefined ? undefined : a['time-limit'] * 1000,
      checkpointEveryMs: a['checkpoint-every'] * 1000,
      driver,
      command: shardedCommand(shard),
      progress: (total, unit) => new Progress(mode, total, unit, a.quiet),
    };
    const r =
      mode === 'prior'
        ? await rejectionEnsembleColumnar({
            ...common,
            table: spillOptions(a.out, memoryBytes),
            write: (table) => writeColumnar(a, table),
          })
        : await rejectionEnsemble({ ...common, write: (table) => writeTable(a, table) });
    if (mode === 'prior') columnar = r.table as ColumnarTable;
    // A stopped run keeps its runs for --resume; a finished one has removed them with its checkpoint.
    if (columnar && !r.finished) columnar.detach();
    const { state: st, estimate: est } = r;
    const result = { ...r.summary, ...where(a, r.stopped, r.finished, driver) };
    const interval = est
      ? ` · log P(S) ${est.k > 0 ? '= ' : ''}${logRateText(est.k, est.log, est.logInterval, 3, est.confidence)} (${est.k > 0 ? `${Math.round(100 * est.confidence)}% ` : ''}Wilson)`
      : '';
    emit(
      a,
      result,
      `${st.accepted} of ${st.drawn} nets accepted${interval}\n${r.summary.distinct} distinct functions on ${r.table.m} points (${backend.info.detail}, ${r.seconds.toFixed(1)} s, stopped: ${r.stopped})${a.out && result.out ? `\ntable written to ${a.out}` : ''}`,
      false,
    );
  } finally {
    columnar?.close();
    await backend.close();
  }
}

async function sampleFrozen(a: Args, driver: ResumableRun): Promise<void> {
  positiveInt(a.accept, '--accept');
  positiveInt(a.features, '--features');
  if (!(Number.isSafeInteger(a.probe) && a.probe >= 0))
    throw new FsbayesError(`--probe must be a non-negative integer, got ${a.probe}`);
  checkTimeLimit(a);
  const K = a.features;
  // Shards split the hidden-layer draws; each draw keeps its share of the samples, so shards merge into the whole.
  const shard = shardOf(a.shard);
  const range = shard ? shardRange(K, shard) : { first: 0, count: K };
  const split = loadSplit(a);
  if (split.test.m === 0) throw new FsbayesError('E is empty: every point is in S (check --train-mask / --train-size)');
  if (split.train.m === 0)
    throw new FsbayesError(
      'S is empty: the frozen-feature sampler conditions on S (give --train-size or --train-mask)',
    );
  const spec = specFromArgs(a, split.test.shape);
  if (spec.kind !== 'fcn') throw new FsbayesError('--mode frozen runs fully connected nets only');
  const r = await frozenEnsemble({
    spec,
    split,
    seed: a.seed,
    features: K,
    samples: a.accept ?? 1000,
    probe: a.probe,
    firstDraw: range.first,
    drawCount: range.count,
    confidence: a.confidence,
    timeLimitMs: a['time-limit'] === undefined ? undefined : a['time-limit'] * 1000,
    checkpointEveryMs: a['checkpoint-every'] * 1000,
    driver,
    command: shardedCommand(shard),
    shardOf: shard ? { ...shard, first: 0, total: K } : undefined,
    progress: (total, unit) => new Progress('frozen', total, unit, a.quiet),
    write: (table) => writeTable(a, table),
  });
  const est = r.estimate;
  const result = {
    mode: 'frozen',
    accepted: r.table.total,
    total: r.proposals,
    ...est,
    distinct: r.table.distinct,
    m: r.table.m,
    trainSize: split.train.m,
    features: K,
    firstDraw: range.first,
    nextDraw: r.state.nextDraw,
    stopped: r.stopped,
    seconds: r.seconds,
    draws: r.draws,
    ...where(a, r.stopped, r.finished, driver),
  };
  emit(
    a,
    result,
    `${r.table.total} readout samples over ${r.draws.length} hidden-layer draw(s) (${Object.entries(est.methods)
      .map(([k, v]) => `${v}× ${k}`)
      .join(
        ', ',
      )}); pooled P(S|Φ) ≈ ${est.pS.toExponential(3)}, log ${est.logPS.toFixed(3)}\n${r.table.distinct} distinct functions on ${r.table.m} points (${r.seconds.toFixed(1)} s)${a.out && result.out ? `\ntable written to ${a.out}` : ''}`,
    false,
  );
}

function checkTimeLimit(a: Args): void {
  if (a['time-limit'] !== undefined && !(a['time-limit'] > 0))
    throw new FsbayesError(`--time-limit must be a positive number of seconds, got ${a['time-limit']}`);
}

/** --out: the table (finished, or left by a time-limited leg). */
function writeTable(a: Args, table: FunctionTable): void {
  if (a.out) writeOutputs(a, [{ path: a.out, data: tableText(table) }]);
}

/** --out of a prior run: Arrow or, for a small table, JSON (the same bytes as a FunctionTable's). */
async function writeColumnar(a: Args, table: ColumnarTable): Promise<void> {
  if (a.out) await writeOutputStreams(a, tableStreams(table, { out: a.out, format: tableFormat(a) }, 0).files);
}

/** Where a run's files went: the table (unless a signal stopped it) and the checkpoint left to resume. */
function where(a: Args, stopped: string, finished: boolean, driver: ResumableRun) {
  return {
    out: stopped !== 'signal' && a.out ? a.out : null,
    checkpoint: !finished && driver.checkpointPath ? driver.checkpointPath : null,
  };
}

/** Whether `path` holds a function table, JSON or Arrow (what a time-limited leg leaves at --out). */
async function holdsTable(path: string): Promise<boolean> {
  try {
    await readArrowTableHeader(path);
    return true;
  } catch {
    // not an Arrow table: JSON?
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'))?.format === FUNCTION_TABLE_FORMAT;
  } catch {
    return false;
  }
}
