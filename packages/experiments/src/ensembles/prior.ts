/**
 * An unconditioned prior table (`fsbayes functions`, `fsbayes demo` and the
 * entropy and simplicity experiments): nets [first, first + samples) of the
 * seed's stream, their functions counted on the given points, with the
 * provenance every prior table carries (the experiment identity `{ kind:
 * 'prior' }`, so shards of one seed merge; the net range in `extra`).
 *
 * Counted into a ColumnarTable, always: at 10⁶ nets of 7→40→40→1 (230,638
 * functions) typed arrays count 3.8× faster than the Map of hex keys (no key
 * string per net) at half the peak RSS (`pnpm bench --only table`), and the
 * table grows past what a Map holds by spilling sorted runs (to
 * `table.tmpDir`). Small tables still export to the same JSON bytes.
 */
import {
  type ArchSpec,
  type Backend,
  type BackendInfo,
  ColumnarTable,
  type ColumnarTableOptions,
  columnarRunDir,
  columnarStore,
  createProvenance,
  prepareColumnarRunDir,
  priorChunk,
  samplePriorInto,
} from '@fsbayes/core';
import { type EnsembleHooks, hooksOf } from './hooks.js';

/** What a prior ensemble draws: the backend and spec, the points and how provenance names them, the seed and net range. */
export interface PriorEnsembleOptions extends EnsembleHooks {
  /** An open backend (the caller closes it). */
  backend: Backend;
  spec: ArchSpec;
  /** [m × d] row-major points on which functions are read off, and their labels (null: none). */
  points: { inputs: Float64Array; m: number; labels: Uint8Array | null };
  /** How provenance names the points (e.g. core's `describeSplit` of the split they are E of). */
  dataset: unknown;
  seed: number;
  samples: number;
  /** Index of the first net of the stream (default 0). */
  first?: number;
  /** The table's memory budget, spill folder and batch size. */
  table?: ColumnarTableOptions;
  /** Milliseconds between checkpoints, for a driver with a checkpoint (default 60 s). */
  checkpointEveryMs?: number;
  /**
   * Write the finished table. With a checkpoint its spilled runs live
   * beside the checkpoint and go with it once the run is finished, so the
   * table is written here, before that.
   */
  write?: (table: ColumnarTable) => void | Promise<void>;
}

/** What {@link priorEnsemble} returns: the table (the caller closes it), the backend that drew it, and the wall time. */
export interface PriorEnsembleResult {
  table: ColumnarTable;
  backend: BackendInfo;
  seconds: number;
  /** Whether every net was counted (else a signal stopped it and its checkpoint is kept). */
  finished: boolean;
}

/** How far a prior run is: nets [first, first + done) are counted. */
interface PriorState {
  done: number;
}

/**
 * Draw the prior table; see the module comment. With a checkpointing
 * driver the nets are counted a backend chunk at a time and the table
 * (its spilled runs and a snapshot of its in-memory part) is checkpointed
 * every `checkpointEveryMs` between chunks: the table depends only on
 * which nets were counted, so a resumed run writes the same bytes.
 */
export async function priorEnsemble(o: PriorEnsembleOptions): Promise<PriorEnsembleResult> {
  const { driver, progress } = hooksOf(o);
  const t0 = performance.now();
  const first = o.first ?? 0;
  const info = { ...o.backend.info };
  const provenance = createProvenance({
    command: o.command,
    spec: o.spec,
    dataset: o.dataset,
    experiment: { kind: 'prior' },
    seeds: [o.seed],
    backend: info,
    extra: { samples: o.samples, first },
  });
  const checkpoint = driver.checkpointPath;
  if (checkpoint && !driver.resuming) prepareColumnarRunDir(checkpoint);
  const options = checkpoint ? { ...o.table, runDir: columnarRunDir(checkpoint) } : o.table;
  const r = await driver.drive<PriorState, { state: PriorState; table: ColumnarTable }, ColumnarTable>({
    store: columnarStore(o.table),
    // Everything that fixes which nets are counted and how: a checkpoint of other settings is refused.
    identity: {
      command: 'functions',
      spec: o.spec,
      dataset: o.dataset,
      seed: o.seed,
      first,
      samples: o.samples,
      backend: { name: info.name, precision: info.precision },
    },
    resumed: (s) => `resuming at net ${first + s.done}: ${s.done} of ${o.samples} nets counted`,
    compute: async ({ resume, onCheckpoint, shouldStop }) => {
      const table = resume?.table ?? new ColumnarTable(o.points.m, o.points.labels, provenance, options);
      const state: PriorState = { done: resume?.state.done ?? 0 };
      const bar = progress(o.samples, 'nets');
      bar.resumedAt?.(state.done);
      // Without a checkpoint one call counts every net; with one, a backend chunk per call.
      const step = onCheckpoint ? priorChunk(o.spec, o.points.m, info.threads) : o.samples;
      const every = o.checkpointEveryMs ?? 60_000;
      let last = performance.now();
      try {
        while (state.done < o.samples && !shouldStop()) {
          const base = state.done;
          const count = Math.min(step, o.samples - base);
          await samplePriorInto({
            backend: o.backend,
            spec: o.spec,
            inputs: o.points.inputs,
            m: o.points.m,
            labels: o.points.labels,
            seed: o.seed,
            samples: count,
            first: first + base,
            table,
            onProgress: (done, t) => bar.update(base + done, held(t)),
          });
          state.done += count;
          if (onCheckpoint && state.done < o.samples && performance.now() - last >= every) {
            onCheckpoint({ ...state }, table);
            last = performance.now();
          }
        }
      } catch (e) {
        table.close();
        throw e;
      }
      if (state.done === o.samples) bar.done(held(table));
      return { state, table };
    },
    finished: (run) => run.state.done === o.samples,
    write: (run) => o.write?.(run.table),
    stopped: (run, ckpt) =>
      `stopped after ${run.state.done} of ${o.samples} nets${ckpt ? `; checkpoint at ${ckpt}: continue with --resume` : ''}`,
  });
  return {
    table: r.table,
    backend: info,
    seconds: (performance.now() - t0) / 1000,
    finished: r.state.done === o.samples,
  };
}

/** The progress note of a table being counted. */
function held(t: ColumnarTable): string {
  return t.spilledRuns === 0 ? `${t.inMemory} distinct` : `${t.inMemory} in memory, ${t.spilledRuns} runs on disk`;
}
