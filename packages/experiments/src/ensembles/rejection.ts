/**
 * A resumable rejection-sampling run (`fsbayes sample --mode posterior|prior`,
 * and the experiments' rejection step): nets [first, first + count) of the
 * seed's stream, the ones that fit S counted on E (posterior), or every net
 * (prior). Checkpoints, resume and signals go through core's `ResumableRun`;
 * a resumed run writes the same bytes as an uninterrupted one.
 */
import {
  type ArchSpec,
  type Backend,
  type CheckpointStore,
  ColumnarTable,
  type ColumnarTableOptions,
  type CountingTable,
  columnarRunDir,
  columnarStore,
  createProvenance,
  describeSplit,
  FsbayesError,
  type FunctionTable,
  type Provenance,
  prepareColumnarRunDir,
  type ResumableRun,
  rangeShard,
  type Split,
} from '@fsbayes/core';
import {
  type RateEstimate,
  type RejectionState,
  rateEstimate,
  rejectionSample,
  type StopReason,
} from '@fsbayes/sampler';
import { fmtCount, fmtTime } from '../progress.js';
import { hooksOf, type SamplerRunOptions } from './hooks.js';

/** What a rejection-sampling ensemble samples: prior or posterior, on which backend, the spec and split, its seed and range of nets. */
export interface RejectionEnsembleOptions<T = FunctionTable> extends SamplerRunOptions<T> {
  mode: 'prior' | 'posterior';
  backend: Backend;
  spec: ArchSpec;
  split: Split;
  seed: number;
  /** Nets [first, first + count) of the seed's stream. */
  first: number;
  count: number;
  /** Stop at the net that makes this many acceptances. */
  accept?: number;
  /** Screening points of S (changes speed only). */
  screen?: number;
  /** The shard `i/N` this run is, recorded in the stop rule. */
  shard?: string;
  /** The table's provenance at a state (default: the command, its net range as shard, the counts and P(S)). */
  provenance?: (state: RejectionState, stopped: StopReason | null) => Provenance;
}

/** What `fsbayes sample --json` reports of a rejection run (less where its files went). */
export interface RejectionSummary {
  mode: 'prior' | 'posterior';
  accepted: number;
  total: number;
  logPS: number;
  logPSInterval: [number, number];
  pS: number;
  pSInterval: [number, number];
  confidence: number;
  distinct: number;
  m: number;
  trainSize: number;
  first: number;
  next: number;
  stopped: StopReason;
  recheckDisagreements: number;
  seconds: number;
  netsPerSecond: number;
  backend: Backend['info'];
}

/** What {@link rejectionEnsemble} did: its table and state, why it stopped, the estimate of P(S) and its summary. */
export interface RejectionEnsembleResult<T = FunctionTable> {
  table: T;
  state: RejectionState;
  stopped: StopReason;
  /** Whether the run reached its stop rule (else it stopped early and left its checkpoint). */
  finished: boolean;
  seconds: number;
  /** P(S) from the acceptance rate (posterior mode), else null. */
  estimate: RateEstimate | null;
  summary: RejectionSummary;
}

/** How an ensemble's table is made, checkpointed and counted. */
interface TableKit<T extends CountingTable> {
  /** A fresh table for the run's points and provenance (null: the sampler's own FunctionTable). */
  fresh: ((m: number, labels: Uint8Array | null, provenance: Provenance) => T) | null;
  store: CheckpointStore<T> | undefined;
  distinct: (table: T) => Promise<number>;
}

/** Run (or continue) a rejection-sampling ensemble; see the module comment. */
export async function rejectionEnsemble(o: RejectionEnsembleOptions): Promise<RejectionEnsembleResult> {
  return runEnsemble<FunctionTable>(o, {
    fresh: null,
    store: undefined,
    distinct: async (t) => t.distinct,
  });
}

/**
 * {@link rejectionEnsemble} counting into a ColumnarTable (any number of
 * distinct functions; `table`: its memory budget and batch size). Its runs
 * spill beside the checkpoint (`<checkpoint>.runs`, kept for `--resume`),
 * or, for a run without one, into a fresh folder in `table.tmpDir`; the
 * caller closes the returned table.
 */
export async function rejectionEnsembleColumnar(
  o: RejectionEnsembleOptions<ColumnarTable> & { table: ColumnarTableOptions },
): Promise<RejectionEnsembleResult<ColumnarTable>> {
  const { driver } = hooksOf(o);
  const options = { ...o.table };
  const checkpoint = driver.checkpointPath;
  if (checkpoint && !driver.resuming) prepareColumnarRunDir(checkpoint);
  const fresh = (m: number, labels: Uint8Array | null, provenance: Provenance) =>
    new ColumnarTable(m, labels, provenance, checkpoint ? { ...options, runDir: columnarRunDir(checkpoint) } : options);
  return runEnsemble<ColumnarTable>(
    { ...o, driver },
    {
      fresh,
      store: columnarStore(options),
      distinct: (t) => t.countDistinct(),
    },
  );
}

async function runEnsemble<T extends CountingTable>(
  o: RejectionEnsembleOptions<T>,
  kit: TableKit<T>,
): Promise<RejectionEnsembleResult<T>> {
  const { driver, progress } = hooksOf(o);
  const { mode, spec, split, first } = o;
  const confidence = o.confidence ?? 0.95;
  const S = split.train;
  const E = split.test;
  const info = { ...o.backend.info };
  const dataset = describeSplit(split);
  const experiment = mode === 'prior' ? { kind: 'prior' } : { kind: 'posterior', method: 'rejection' };
  const provenance =
    o.provenance ??
    ((state: RejectionState, stopped: StopReason | null) => {
      const est = rateEstimate(state.accepted, state.drawn, confidence);
      return createProvenance({
        command: o.command,
        spec,
        dataset,
        experiment,
        seeds: [o.seed],
        shards: [rangeShard(o.seed, first, state.next, 'nets', o.shardOf)],
        backend: info,
        extra: {
          mode,
          first,
          next: state.next,
          drawn: state.drawn,
          accepted: state.accepted,
          stopped,
          stopRule: { accept: o.accept ?? null, maxSamples: o.count, ...(o.shard ? { shard: o.shard } : {}) },
          ...(mode === 'posterior'
            ? {
                pS: est.rate,
                pSInterval: est.interval,
                logPS: est.log,
                logPSInterval: est.logInterval,
                confidence,
                recheckDisagreements: state.recheckDisagreements,
              }
            : {}),
        },
      });
    });
  let startDrawn = 0;
  let t0 = 0;
  const note = (st: RejectionState) => progressNote(mode, st, o.accept, t0, startDrawn);
  const columnar = kit.store !== undefined;
  if (columnar && mode !== 'prior') throw new FsbayesError('columnar tables are for prior runs', { kind: 'internal' });
  const r = await (driver as ResumableRun).drive<RejectionState, RejectionRun<T>, T>({
    store: kit.store,
    // Everything that fixes which nets are counted: a checkpoint of other settings is refused.
    identity: {
      command: 'sample',
      mode,
      spec,
      dataset,
      seed: o.seed,
      first,
      count: o.count,
      accept: o.accept ?? null,
      backend: { name: info.name, precision: info.precision },
    },
    resumed: (s: RejectionState) => `resuming at net ${s.next}: ${s.drawn} drawn, ${s.accepted} accepted`,
    checkpointProvenance: (s) => provenance(s, null),
    compute: async ({ resume, onCheckpoint, shouldStop }) => {
      startDrawn = resume?.state.drawn ?? 0;
      const bar = progress(o.count - startDrawn, 'nets');
      t0 = performance.now();
      const start = provenance(resume?.state ?? { next: first, drawn: 0, accepted: 0, recheckDisagreements: 0 }, null);
      const run = await rejectionSample<T>({
        backend: o.backend,
        spec,
        mode,
        train: mode === 'posterior' ? { inputs: S.inputs, m: S.m, labels: S.labels } : null,
        test: { inputs: E.inputs, m: E.m, labels: E.labels },
        seed: o.seed,
        first,
        count: o.count,
        accept: o.accept,
        screen: o.screen,
        timeLimitMs: o.timeLimitMs,
        resume,
        table: kit.fresh && !resume ? kit.fresh(E.m, E.labels, start) : undefined,
        provenance: start,
        checkpointEveryMs: o.checkpointEveryMs,
        onCheckpoint,
        shouldStop,
        onProgress: (st) => bar.update(st.drawn - startDrawn, note(st)),
      });
      bar.done(note(run.state));
      run.table.provenance = provenance(run.state, run.stopped);
      return run;
    },
    finished: (run) => run.stopped === 'accept' || run.stopped === 'samples',
    write: (run) => o.write?.(run.table),
    writeStopped: true,
    stopped: (run, ckpt) =>
      ckpt
        ? `stopped (${run.stopped === 'time' ? 'time limit' : 'signal'}) at net ${run.state.next}; continue with --resume`
        : `stopped (${run.stopped}) at net ${run.state.next}; no --out/--checkpoint, so this run cannot be resumed`,
  });
  const st = r.state;
  const est = mode === 'posterior' ? rateEstimate(st.accepted, st.drawn, confidence) : null;
  const distinct = await kit.distinct(r.table);
  return {
    table: r.table,
    state: st,
    stopped: r.stopped,
    finished: r.stopped === 'accept' || r.stopped === 'samples',
    seconds: r.seconds,
    estimate: est,
    summary: {
      mode,
      accepted: st.accepted,
      total: st.drawn,
      logPS: est ? est.log : 0,
      logPSInterval: est ? est.logInterval : [0, 0],
      pS: est ? est.rate : 1,
      pSInterval: est ? est.interval : [1, 1],
      confidence,
      distinct,
      m: r.table.m,
      trainSize: S.m,
      first,
      next: st.next,
      stopped: r.stopped,
      recheckDisagreements: st.recheckDisagreements,
      seconds: r.seconds,
      netsPerSecond: (st.drawn - startDrawn) / Math.max(r.seconds, 1e-9),
      backend: info,
    },
  };
}

/** What one leg of the sampler returns, as `drive` runs it. */
interface RejectionRun<T> {
  table: T;
  state: RejectionState;
  stopped: StopReason;
  seconds: number;
}

/** The progress bar's note: acceptances so far, the rate and the ETA of --accept. */
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
