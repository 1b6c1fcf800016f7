/**
 * An unconditioned prior table (`fsbayes functions`, `fsbayes demo` and the
 * entropy and simplicity experiments): nets [first, first + samples) of the
 * seed's stream, their functions counted on the given points, with the
 * provenance every prior table carries (the experiment identity `{ kind:
 * 'prior' }`, so shards of one seed merge; the net range in `extra`).
 */
import {
  type ArchSpec,
  type Backend,
  type BackendInfo,
  createProvenance,
  type FunctionTable,
  samplePriorTable,
} from '@fsbayes/core';
import { type EnsembleHooks, hooksOf } from './hooks.js';

/** What a prior ensemble draws: the backend and spec, the points and how provenance names them, the seed and net range. */
export interface PriorEnsembleOptions extends Omit<EnsembleHooks, 'driver'> {
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
}

/** What {@link priorEnsemble} returns: the table, the backend that drew it, and the wall time. */
export interface PriorEnsembleResult {
  table: FunctionTable;
  backend: BackendInfo;
  seconds: number;
}

/** Draw the prior table; see the module comment. */
export async function priorEnsemble(o: PriorEnsembleOptions): Promise<PriorEnsembleResult> {
  const { progress } = hooksOf(o);
  const t0 = performance.now();
  const first = o.first ?? 0;
  const info = { ...o.backend.info };
  const bar = progress(o.samples, 'nets');
  const table = await samplePriorTable({
    backend: o.backend,
    spec: o.spec,
    inputs: o.points.inputs,
    m: o.points.m,
    labels: o.points.labels,
    seed: o.seed,
    samples: o.samples,
    first,
    provenance: createProvenance({
      command: o.command,
      spec: o.spec,
      dataset: o.dataset,
      experiment: { kind: 'prior' },
      seeds: [o.seed],
      backend: info,
      extra: { samples: o.samples, first },
    }),
    onProgress: (done, t) => bar.update(done, `${t.distinct} distinct`),
  });
  bar.done(`${table.distinct} distinct`);
  return { table, backend: info, seconds: (performance.now() - t0) / 1000 };
}
