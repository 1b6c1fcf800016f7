/**
 * P_B(f|S) of a table's functions, as the `fsbayes.pb` file that `compare`
 * reads: shared by `fsbayes pb` and the experiments.
 */
import {
  type ArchSpec,
  createProvenance,
  FsbayesError,
  type FunctionTable,
  keyToBits,
  type Split,
} from '@fsbayes/core';
import { logPosteriorProbabilities } from '@fsbayes/nngp';
import { describeSplit } from './dataset.js';

/** One function of a P_B file. */
export interface PbRow {
  key: string;
  count: number;
  errors: number | null;
  logPB: number;
}

/** The `fsbayes.pb` file. */
export interface PbFile {
  format: 'fsbayes.pb';
  formatVersion: 1;
  logPS: number;
  method: 'ep';
  nS: number;
  nE: number;
  /** Σ P_B over the listed functions (≤ 1 up to EP's error). */
  massCovered: number;
  seconds: number;
  functions: PbRow[];
  provenance: ReturnType<typeof createProvenance>;
}

export interface PbOfTableOptions {
  /** Only the `limit` most frequent functions of the table (default all). */
  limit?: number;
  /** Where the table came from, recorded in the provenance. */
  source?: string;
  command?: string;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * log P_B(f|S) by EP for the functions of `table` (on E), the kernel K being
 * over S ∪ E with S first (K of `splitKernel`), y the ±1 labels of S ∪ E.
 * Checks that the table lives on this split's E (size and labels).
 */
export function pbOfTable(
  sys: { spec: ArchSpec; split: Split; K: Float64Array; nS: number; nE: number; y: Int8Array },
  table: FunctionTable,
  o: PbOfTableOptions = {},
): PbFile {
  const t0 = performance.now();
  const { split, nS, nE } = sys;
  const what = o.source ?? 'the table';
  if (nS === 0) throw new FsbayesError('S is empty: give --train-size or --train-mask (the same as the table’s)');
  if (table.m !== nE)
    throw new FsbayesError(`${what} has functions on ${table.m} points but E here has ${nE}: use its split`);
  const labels = table.labels;
  if (labels) {
    for (let i = 0; i < nE; i++) {
      if (labels[i] !== split.test.labels[i])
        throw new FsbayesError(`${what}: its labels on E differ from this split's at point ${i}: use its split`);
    }
  }
  const entries = table.entries().slice(0, o.limit ?? Number.POSITIVE_INFINITY);
  const r = logPosteriorProbabilities(
    sys.K,
    nS,
    sys.y.subarray(0, nS),
    entries.map((e) => keyToBits(e.key, nE)),
    { onProgress: o.onProgress },
  );
  const functions = entries.map((e, j) => ({ key: e.key, count: e.count, errors: e.errors, logPB: r.logPB[j] }));
  let massCovered = 0;
  for (const v of r.logPB) massCovered += Math.exp(v);
  const { trainMask, testMask, ...dataset } = describeSplit(split);
  return {
    format: 'fsbayes.pb',
    formatVersion: 1,
    logPS: r.logPS,
    method: 'ep',
    nS,
    nE,
    massCovered,
    seconds: (performance.now() - t0) / 1000,
    functions,
    provenance: createProvenance({
      command: o.command,
      spec: sys.spec,
      dataset: { ...dataset, trainMask, testMask },
      experiment: { kind: 'pb', method: 'ep', functions: o.source ?? null, limit: o.limit ?? null },
      seeds: o.seed === undefined ? [] : [o.seed],
      backend: 'js+wasm f64',
    }),
  };
}
