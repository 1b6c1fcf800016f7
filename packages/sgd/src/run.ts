/**
 * P_SGD: train runs first … first+runs−1 of a seed, each from net r of the
 * seed's canonical stream (`priorParams(spec, seed, r, 1)`: exactly the
 * sampler's prior draw) with minibatch order from `Rng(seed, 'sgd-order', r)`,
 * and count the functions on E of the nets that fit S. Runs that never fit
 * are counted in the state (and so in the summary), never dropped silently.
 *
 * Runs go out to the executor in jobs and come back in any order; they are
 * consumed strictly in run order, so the state after k consumed runs (what a
 * checkpoint holds) is the same whatever the thread count, and a resumed run
 * redoes only the runs that were in flight.
 */
import {
  type ArchSpec,
  checkMemory,
  checkNetRange,
  chooseThreads,
  describeArch,
  FsbayesError,
  FunctionTable,
  NET_BLOCK,
  type Provenance,
  paramLayout,
  priorParams,
  type Seed,
} from '@fsbayes/core';
import type { BatchResult, Engine } from './batch.js';
import type { SgdConfig } from './config.js';
import { sgdMemoryNeeds } from './memory.js';
import { createExecutor, poolExecutor, type SgdPool } from './pool.js';
import type { LabelledPoints } from './train.js';

/** Everything needed to continue a run exactly (plain JSON; the checkpoint's `state`). */
export interface SgdState {
  /** Runs consumed so far (relative to `first`). */
  done: number;
  fitted: number;
  notFitted: number;
  /** Epochs to fit → number of fitted runs (keys are the epoch counts as strings). */
  epochsHistogram: Record<string, number>;
  /** errors on E → number of fitted runs, index = Hamming distance to E's labels (0 … |E|). */
  testErrorHistogram: number[];
}

export function emptyState(mE: number): SgdState {
  return {
    done: 0,
    fitted: 0,
    notFitted: 0,
    epochsHistogram: {},
    testErrorHistogram: new Array(mE + 1).fill(0),
  };
}

/** Mean epochs to fit and mean test error (fraction of E) over the fitted runs; NaN when none fitted. */
export function stateMeans(s: SgdState, mE: number): { meanEpochs: number; meanTestError: number } {
  let se = 0;
  for (const [k, c] of Object.entries(s.epochsHistogram)) se += Number(k) * c;
  let sx = 0;
  s.testErrorHistogram.forEach((c, e) => {
    sx += c * e;
  });
  return {
    meanEpochs: s.fitted > 0 ? se / s.fitted : Number.NaN,
    meanTestError: s.fitted > 0 ? sx / (s.fitted * mE) : Number.NaN,
  };
}

/** What {@link trainSgdTable} trains: spec, settings, S and E, the seed and range of runs, threads, checkpoints and engine. */
export interface SgdTableOptions {
  spec: ArchSpec;
  config: SgdConfig;
  train: LabelledPoints;
  test: LabelledPoints;
  seed: Seed;
  /** Index of the first run (default 0; shards start elsewhere). */
  first?: number;
  /** Number of runs. */
  runs: number;
  /** Threads (default: all cores). */
  threads?: number;
  /** Runs per job handed to a thread (default 16). */
  jobSize?: number;
  provenance?: Provenance | null;
  /** Continue from a checkpoint's state and table. */
  resume?: { state: SgdState; table: FunctionTable } | null;
  /** Called after every consumed job. */
  onProgress?: (state: SgdState, table: FunctionTable) => void;
  /**
   * Called with the state every `checkpointSeconds` (and never mid-job).
   * Jobs start small and grow only while one job takes well under that
   * interval, so the first checkpoint never waits for a job of 1024 runs.
   */
  onCheckpoint?: (state: SgdState, table: FunctionTable) => void;
  checkpointSeconds?: number;
  /** Stop (as if killed) once this many runs are consumed; for tests of resume. */
  stopAfter?: number;
  /** Checked after every consumed job: true stops the run there (e.g. on SIGINT); `state.done` says how far it got. */
  shouldStop?: () => boolean;
  /** Trainer engine (default js, the float64 reference). */
  engine?: Engine;
  /** Train on these threads (from `openSgdPool` on this context) instead of starting some; the pool stays open. */
  pool?: SgdPool;
}

/** What {@link trainSgdTable} returns: the P_SGD table, the run state, the threads used and the wall time. */
export interface SgdTableResult {
  table: FunctionTable;
  state: SgdState;
  threads: number;
  seconds: number;
}

/** Initial parameters of runs [from, from+count) in chunks of whole stream blocks (one seeding per block). */
class ParamSource {
  private blockStart = -1;
  private block: Float64Array = new Float64Array(0);
  constructor(
    private readonly spec: ArchSpec,
    private readonly seed: Seed,
    private readonly P: number,
  ) {}
  take(from: number, count: number): Float64Array {
    const out = new Float64Array(count * this.P);
    for (let j = 0; j < count; ) {
      const r = from + j;
      const b = Math.floor(r / NET_BLOCK) * NET_BLOCK;
      if (b !== this.blockStart) {
        this.block = priorParams(this.spec, this.seed, b, NET_BLOCK);
        this.blockStart = b;
      }
      const n = Math.min(count - j, b + NET_BLOCK - r);
      out.set(this.block.subarray((r - b) * this.P, (r - b + n) * this.P), j * this.P);
      j += n;
    }
    return out;
  }
}

/** Train the runs and tabulate their functions on E (see the module comment). */
export async function trainSgdTable(o: SgdTableOptions): Promise<SgdTableResult> {
  const t0 = performance.now();
  if (!Number.isSafeInteger(o.runs) || o.runs < 0)
    throw new FsbayesError(`runs must be a non-negative integer, got ${o.runs}`);
  const first = o.first ?? 0;
  // Run i starts from net i of the seed's stream.
  checkNetRange(first, o.runs, { first: 'first run', count: 'runs' });
  const threads = o.pool?.threads ?? chooseThreads(o.threads).threads;
  // The wasm trainer keeps 32 lanes busy per thread and idles some at the end of each job: give it big jobs, but at least two per thread.
  const wasm = o.engine?.kind === 'wasm';
  const jobSize = o.jobSize ?? (wasm ? Math.max(32, Math.min(1024, Math.ceil(o.runs / (2 * threads)))) : 16);
  checkMemory(
    `training ${describeArch(o.spec)} on ${o.train.m} points`,
    sgdMemoryNeeds({
      spec: o.spec,
      config: o.config,
      trainM: o.train.m,
      testM: o.test.m,
      engine: o.engine,
      threads,
      jobSize,
    }),
  );
  const mE = o.test.m;
  const table = o.resume?.table ?? new FunctionTable(mE, o.test.labels, o.provenance ?? null);
  const state: SgdState = o.resume ? structuredClone(o.resume.state) : emptyState(mE);
  if (state.testErrorHistogram.length !== mE + 1) throw new FsbayesError('resume: the state is for another test set');
  const ctx = { spec: o.spec, config: o.config, train: o.train, test: o.test, engine: o.engine };
  const executor = o.pool ? poolExecutor(o.pool) : await createExecutor(threads, ctx);
  const P = paramLayout(o.spec).size;
  const params = new ParamSource(o.spec, o.seed, P);
  const end = Math.min(o.runs, o.stopAfter ?? o.runs);
  const words = Math.ceil(mE / 32);
  let lastCheckpoint = performance.now();
  const checkpointMs = 1000 * (o.checkpointSeconds ?? 60);
  const sizer =
    o.onCheckpoint && o.jobSize === undefined
      ? new JobSizer(Math.min(jobSize, wasm ? 32 : 16), jobSize, executor.threads, checkpointMs)
      : null;
  try {
    // Jobs in flight, in run order; consumed from the front.
    const inflight: { from: number; count: number; p: Promise<BatchResult> }[] = [];
    let issued = state.done;
    const depth = Math.max(2, 3 * executor.threads);
    const issue = () => {
      while (inflight.length < depth && issued < end) {
        const count = Math.min(sizer?.size ?? jobSize, end - issued);
        const from = first + issued;
        const p = executor.run(o.seed, from, count, params.take(from, count));
        p.catch(() => {}); // a failure surfaces when its job is consumed; later ones must not go unhandled
        inflight.push({ from, count, p });
        issued += count;
      }
    };
    issue();
    while (inflight.length > 0) {
      const job = inflight.shift() as (typeof inflight)[number];
      const r = await job.p;
      for (let j = 0; j < job.count; j++) {
        if (r.fitted[j]) {
          state.fitted++;
          const k = String(r.epochs[j]);
          state.epochsHistogram[k] = (state.epochsHistogram[k] ?? 0) + 1;
          state.testErrorHistogram[r.errors[j]]++;
          table.add(r.bits.slice(j * words, (j + 1) * words));
        } else {
          state.notFitted++;
        }
      }
      state.done += job.count;
      sizer?.consumed(job.count);
      if (o.shouldStop?.()) break;
      issue();
      o.onProgress?.(state, table);
      if (o.onCheckpoint && performance.now() - lastCheckpoint >= checkpointMs) {
        o.onCheckpoint(state, table);
        lastCheckpoint = performance.now();
      }
    }
  } finally {
    if (!o.pool) await executor.close();
  }
  return { table, state, threads: executor.threads, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Job sizes when checkpointing: jobs are consumed in run order, so a
 * checkpoint can only wait for the job at the front. Start at `min` runs and
 * size later jobs from the measured throughput so that one job takes at
 * most half the checkpoint interval (never more than `max`, the size that
 * keeps the trainer's lanes busy). Job sizes never change results.
 */
class JobSizer {
  size: number;
  private runs = 0;
  private readonly t0 = performance.now();
  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly threads: number,
    private readonly intervalMs: number,
  ) {
    this.size = min;
  }
  consumed(count: number): void {
    this.runs += count;
    const ms = performance.now() - this.t0;
    if (ms <= 0) return;
    // runs per ms per thread × the time one job may take
    const fit = Math.floor(((this.runs / ms / this.threads) * this.intervalMs) / 2);
    this.size = Math.max(this.min, Math.min(this.max, fit));
  }
}
