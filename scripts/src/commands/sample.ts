/**
 * `fsbayes sample`: the rejection sampler of P_B(f|S) (`--mode posterior`),
 * unconditioned prior tables through the same engine (`--mode prior`), and
 * the frozen-feature sampler (`--mode frozen`). Long runs checkpoint to
 * `<out>.ckpt` and continue with `--resume`; `--shard i/N` runs one of N
 * disjoint net ranges of the seed, and `fsbayes merge` joins them exactly.
 */
import { readFileSync } from 'node:fs';
import {
  autoBackendFor,
  type BackendName,
  checkNetRange,
  createProvenance,
  FsbayesError,
  FUNCTION_TABLE_FORMAT,
  type FunctionTable,
  getBackend,
  parseShard,
  type ResumableRun,
  rangeShard,
  recordedCommand,
  shardRange,
  tableText,
} from '@fsbayes/core';
import {
  type FrozenState,
  frozenSample,
  type RejectionState,
  rateEstimate,
  rejectionSample,
  samplesOfDraw,
} from '@fsbayes/sampler';
import type { Argv } from 'yargs';
import { type DataArgs, describeSplit, loadSplit } from '../cli/dataset.js';
import { ARCH_OPTIONS, COMPUTE_OPTIONS, DATA_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { emit, log, type OutputArgs, prepareOutputs, resumableRun, run, writeOutputs } from '../cli/output.js';
import { type ArchArgs, type ComputeArgs, specFromArgs } from '../cli/prior.js';
import { fmtCount, fmtTime, Progress } from '../cli/progress.js';

export const SAMPLE_OPTIONS = {
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
  shard: { type: 'string', describe: 'i/N: draw only the i-th of N disjoint parts of the net range' },
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
  OutputArgs & {
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
        ...OUTPUT_OPTIONS,
      })
      .example(
        '$0 sample --arch fcn:40,40 --n 7 --train-size 32 --seed 1 --accept 10000 --max-samples 1e8 --out rs.json --json',
        'P_B(f|S) and P(S) of the Boolean system by rejection',
      )
      .example('$0 sample --mode prior --arch fcn:40,40 --n 7 --max-samples 1e6 --out prior.json', 'P(f) on all inputs')
      .example(
        '$0 sample --max-samples 1e9 --shard $SLURM_ARRAY_TASK_ID/100 --out rs-$SLURM_ARRAY_TASK_ID.json --resume',
        'one of 100 shards of a job array (then: fsbayes merge rs-*.json --out all.json)',
      )
      .epilogue(
        'Net i of the seed is the same net as in `functions` and SGD initialisation. Nets are evaluated on S in large batches; only nets that fit S are evaluated on E, in the same arithmetic. The acceptance rate estimates P(S) (Wilson interval). --accept stops at the exact net of the k-th acceptance, so a resumed run equals an uninterrupted one; --time-limit stops at a batch boundary and leaves the checkpoint for --resume. Shards of one seed cover disjoint net ranges and merge exactly (fsbayes merge).',
      ),
  handler: run('sample', null, async (a: Args) => {
    // The checkpoint first (an existing one asks for --resume; locked), then --out, all before any compute.
    const driver = resumableRun(a);
    // The table a time-limited leg of this run left at --out is replaced when the run is resumed.
    const partial = driver.resuming && a.out !== undefined && holdsTable(a.out);
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
  if (a['time-limit'] !== undefined && !(a['time-limit'] > 0))
    throw new FsbayesError(`--time-limit must be a positive number of seconds, got ${a['time-limit']}`);
  if (!(a['checkpoint-every'] >= 0))
    throw new FsbayesError(`--checkpoint-every must be ≥ 0, got ${a['checkpoint-every']}`);
  if (!(a.confidence > 0 && a.confidence < 1))
    throw new FsbayesError(`--confidence must be in (0, 1), got ${a.confidence}`);
  const range = a.shard ? shardRange(maxSamples, parseShard(a.shard)) : { first: 0, count: maxSamples };
  const first = a.first + range.first;

  const split = loadSplit(a);
  const S = split.train;
  const E = split.test;
  if (E.m === 0) throw new FsbayesError('E is empty: every point is in S (check --train-mask / --train-size)');
  if (mode === 'posterior' && S.m === 0)
    throw new FsbayesError('S is empty: give --train-size or --train-mask (or use --mode prior)');
  const spec = specFromArgs(a, E.shape, { nets: true });
  const name = (a.backend === 'auto' ? autoBackendFor(spec) : a.backend) as BackendName;
  const ckptPath = driver.checkpointPath;

  const backend = await getBackend(name, { threads: a.threads, precision: a.precision as 'f32' | 'f64' | undefined });
  try {
    const info = { ...backend.info };
    const dataset = describeSplit(split);
    const experiment = mode === 'prior' ? { kind: 'prior' } : { kind: 'posterior', method: 'rejection' };
    // Everything that fixes which nets are counted: a checkpoint of other settings is refused.
    const identity = {
      command: 'sample',
      mode,
      spec,
      dataset,
      seed: a.seed,
      first,
      count: range.count,
      accept: a.accept ?? null,
      backend: { name: info.name, precision: info.precision },
    };
    const resume = driver.load<RejectionState>(identity) ?? undefined;
    if (resume)
      log(a, `resuming at net ${resume.state.next}: ${resume.state.drawn} drawn, ${resume.state.accepted} accepted`);
    const provenance = (state: RejectionState, stopped: string | null) => {
      const est = rateEstimate(state.accepted, state.drawn, a.confidence);
      return createProvenance({
        command: recordedCommand(process.argv.slice(2)),
        spec,
        dataset,
        experiment,
        seeds: [a.seed],
        shards: [rangeShard(a.seed, first, state.next)],
        backend: info,
        extra: {
          mode,
          first,
          next: state.next,
          drawn: state.drawn,
          accepted: state.accepted,
          stopped,
          stopRule: { accept: a.accept ?? null, maxSamples: range.count, ...(a.shard ? { shard: a.shard } : {}) },
          ...(mode === 'posterior'
            ? {
                pS: est.rate,
                pSInterval: est.interval,
                logPS: est.log,
                logPSInterval: est.logInterval,
                confidence: a.confidence,
                recheckDisagreements: state.recheckDisagreements,
              }
            : {}),
        },
      });
    };
    const checkpoint = (state: RejectionState, table: FunctionTable) => {
      if (!ckptPath) return;
      table.provenance = provenance(state, null);
      driver.save({ identity, state, table });
    };
    const startDrawn = resume?.state.drawn ?? 0;
    const progress = new Progress(mode, range.count - startDrawn, 'nets', a.quiet);
    const t0 = performance.now();
    const r = await rejectionSample({
      backend,
      spec,
      mode,
      train: mode === 'posterior' ? { inputs: S.inputs, m: S.m, labels: S.labels } : null,
      test: { inputs: E.inputs, m: E.m, labels: E.labels },
      seed: a.seed,
      first,
      count: range.count,
      accept: a.accept,
      screen: a.screen,
      timeLimitMs: a['time-limit'] === undefined ? undefined : a['time-limit'] * 1000,
      resume,
      provenance: provenance(resume?.state ?? { next: first, drawn: 0, accepted: 0, recheckDisagreements: 0 }, null),
      checkpointEveryMs: a['checkpoint-every'] * 1000,
      onCheckpoint: checkpoint,
      shouldStop: driver.shouldStop,
      onProgress: (st) => progress.update(st.drawn - startDrawn, progressNote(mode, st, a.accept, t0, startDrawn)),
    });
    const st = r.state;
    progress.done(progressNote(mode, st, a.accept, t0, startDrawn));
    r.table.provenance = provenance(st, r.stopped);
    const finished = r.stopped === 'accept' || r.stopped === 'samples';
    if (r.stopped !== 'signal' && a.out) writeOutputs(a, [{ path: a.out, data: tableText(r.table) }]);
    if (finished) {
      driver.finish();
    } else if (ckptPath) {
      checkpoint(st, r.table);
      log(a, `stopped (${r.stopped === 'time' ? 'time limit' : 'signal'}) at net ${st.next}; continue with --resume`);
    } else {
      log(a, `stopped (${r.stopped}) at net ${st.next}; no --out/--checkpoint, so this run cannot be resumed`);
    }
    const est = mode === 'posterior' ? rateEstimate(st.accepted, st.drawn, a.confidence) : null;
    const result = {
      mode,
      accepted: st.accepted,
      total: st.drawn,
      logPS: est ? est.log : 0,
      logPSInterval: est ? est.logInterval : [0, 0],
      pS: est ? est.rate : 1,
      pSInterval: est ? est.interval : [1, 1],
      confidence: a.confidence,
      distinct: r.table.distinct,
      m: r.table.m,
      trainSize: S.m,
      first,
      next: st.next,
      stopped: r.stopped,
      recheckDisagreements: st.recheckDisagreements,
      seconds: r.seconds,
      netsPerSecond: (st.drawn - startDrawn) / Math.max(r.seconds, 1e-9),
      backend: info,
      out: r.stopped !== 'signal' && a.out ? a.out : null,
      checkpoint: !finished && ckptPath ? ckptPath : null,
    };
    const interval = est
      ? ` · log P(S) = ${est.log.toFixed(3)} [${est.logInterval[0].toFixed(3)}, ${est.logInterval[1].toFixed(3)}] (${Math.round(100 * a.confidence)}% Wilson)`
      : '';
    emit(
      a,
      result,
      `${st.accepted} of ${st.drawn} nets accepted${interval}\n${r.table.distinct} distinct functions on ${r.table.m} points (${info.detail}, ${r.seconds.toFixed(1)} s, stopped: ${r.stopped})${a.out && result.out ? `\ntable written to ${a.out}` : ''}`,
      false,
    );
    if (r.stopped === 'signal') process.exitCode = driver.exitCode ?? 130;
  } finally {
    await backend.close();
  }
}

function progressNote(
  mode: string,
  st: RejectionState,
  accept: number | undefined,
  t0: number,
  startDrawn: number,
): string {
  if (mode === 'prior') return '';
  const secs = (performance.now() - t0) / 1000;
  const rate = st.drawn > 0 ? st.accepted / st.drawn : 0;
  let eta = '';
  if (accept !== undefined && st.accepted > 0 && st.drawn > startDrawn) {
    const netsPerSec = (st.drawn - startDrawn) / Math.max(secs, 1e-9);
    eta = ` · ETA(accept) ${fmtTime((accept - st.accepted) / rate / netsPerSec)}`;
  }
  return `accepted ${fmtCount(st.accepted)}${accept !== undefined ? `/${fmtCount(accept)}` : ''} (${rate.toExponential(2)})${eta}`;
}

async function sampleFrozen(a: Args, driver: ResumableRun): Promise<void> {
  positiveInt(a.accept, '--accept');
  positiveInt(a.features, '--features');
  if (!(Number.isSafeInteger(a.probe) && a.probe >= 0))
    throw new FsbayesError(`--probe must be a non-negative integer, got ${a.probe}`);
  if (a['time-limit'] !== undefined && !(a['time-limit'] > 0))
    throw new FsbayesError(`--time-limit must be a positive number of seconds, got ${a['time-limit']}`);
  const samples = a.accept ?? 1000;
  const K = a.features;
  // Shards split the hidden-layer draws; each draw keeps its share of the samples, so shards merge into the whole.
  const range = a.shard ? shardRange(K, parseShard(a.shard)) : { first: 0, count: K };
  const split = loadSplit(a);
  const S = split.train;
  const E = split.test;
  if (E.m === 0) throw new FsbayesError('E is empty: every point is in S (check --train-mask / --train-size)');
  if (S.m === 0)
    throw new FsbayesError(
      'S is empty: the frozen-feature sampler conditions on S (give --train-size or --train-mask)',
    );
  const spec = specFromArgs(a, E.shape);
  if (spec.kind !== 'fcn') throw new FsbayesError('--mode frozen runs fully connected nets only');
  const ckptPath = driver.checkpointPath;
  const dataset = describeSplit(split);
  const identity = {
    command: 'sample',
    mode: 'frozen',
    spec,
    dataset,
    seed: a.seed,
    features: K,
    samples,
    probe: a.probe,
    draws: [range.first, range.first + range.count],
  };
  const resume = driver.load<FrozenState>(identity) ?? undefined;
  if (resume) log(a, `resuming at hidden-layer draw ${resume.state.nextDraw}`);
  const summaryOf = (st: FrozenState) => {
    const est = rateEstimate(st.accepted, st.proposals, a.confidence);
    return {
      pS: est.rate,
      pSInterval: est.interval,
      logPS: est.log,
      logPSInterval: est.logInterval,
      confidence: a.confidence,
      methods: countBy(st.draws.map((d) => d.method)),
      hmcSamples: st.draws.reduce((s, d) => s + d.hmcSamples, 0),
    };
  };
  const provenance = (st: FrozenState, stopped: string | null) =>
    createProvenance({
      command: recordedCommand(process.argv.slice(2)),
      spec,
      dataset,
      experiment: { kind: 'frozen-feature', features: K },
      seeds: [a.seed],
      shards: [rangeShard(a.seed, range.first, st.nextDraw, 'draws')],
      backend: { name: 'js', precision: 'f64', threads: 1 },
      extra: {
        mode: 'frozen',
        samples,
        probe: a.probe,
        firstDraw: range.first,
        nextDraw: st.nextDraw,
        drawn: st.proposals,
        accepted: st.accepted,
        stopped,
        ...summaryOf(st),
        draws: st.draws,
      },
    });
  const checkpoint = (st: FrozenState, table: FunctionTable) => {
    if (!ckptPath) return;
    table.provenance = provenance(st, null);
    driver.save({ identity, state: st, table });
  };
  let done0 = 0;
  for (let k = range.first; k < (resume?.state.nextDraw ?? range.first); k++) done0 += samplesOfDraw(samples, K, k);
  let total = 0;
  for (let k = range.first; k < range.first + range.count; k++) total += samplesOfDraw(samples, K, k);
  const progress = new Progress('frozen', total - done0, 'samples', a.quiet);
  const t0 = performance.now();
  const r = await frozenSample({
    spec,
    train: { inputs: S.inputs, m: S.m, labels: S.labels },
    test: { inputs: E.inputs, m: E.m, labels: E.labels },
    seed: a.seed,
    features: K,
    samples,
    probe: a.probe,
    firstDraw: range.first,
    drawCount: range.count,
    resume,
    provenance: provenance(resume?.state ?? { nextDraw: range.first, draws: [], accepted: 0, proposals: 0 }, null),
    checkpointEveryMs: a['checkpoint-every'] * 1000,
    onCheckpoint: checkpoint,
    timeLimitMs: a['time-limit'] === undefined ? undefined : a['time-limit'] * 1000,
    shouldStop: driver.shouldStop,
    onProgress: (done) => progress.update(done - done0),
  });
  progress.done();
  const seconds = (performance.now() - t0) / 1000;
  const summary = summaryOf(r.state);
  r.table.provenance = provenance(r.state, r.stopped);
  const finished = r.stopped === 'done';
  if (r.stopped !== 'signal' && a.out) writeOutputs(a, [{ path: a.out, data: tableText(r.table) }]);
  if (finished) {
    driver.finish();
  } else if (ckptPath) {
    checkpoint(r.state, r.table);
    log(
      a,
      `stopped (${r.stopped === 'time' ? 'time limit' : 'signal'}) before draw ${r.state.nextDraw}; continue with --resume`,
    );
  }
  const result = {
    mode: 'frozen',
    accepted: r.table.total,
    total: r.proposals,
    ...summary,
    distinct: r.table.distinct,
    m: r.table.m,
    trainSize: S.m,
    features: K,
    firstDraw: range.first,
    nextDraw: r.state.nextDraw,
    stopped: r.stopped,
    seconds,
    draws: r.draws,
    out: r.stopped !== 'signal' && a.out ? a.out : null,
    checkpoint: !finished && ckptPath ? ckptPath : null,
  };
  emit(
    a,
    result,
    `${r.table.total} readout samples over ${r.draws.length} hidden-layer draw(s) (${Object.entries(summary.methods)
      .map(([k, v]) => `${v}× ${k}`)
      .join(
        ', ',
      )}); pooled P(S|Φ) ≈ ${summary.pS.toExponential(3)}, log ${summary.logPS.toFixed(3)}\n${r.table.distinct} distinct functions on ${r.table.m} points (${seconds.toFixed(1)} s)${a.out && result.out ? `\ntable written to ${a.out}` : ''}`,
    false,
  );
  if (r.stopped === 'signal') process.exitCode = driver.exitCode ?? 130;
}

/** Whether `path` holds a function table (what a time-limited leg leaves at --out). */
function holdsTable(path: string): boolean {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))?.format === FUNCTION_TABLE_FORMAT;
  } catch {
    return false;
  }
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
