/**
 * P_B(f|S) of a function table's functions, as an `fsbayes.pb` file: what
 * `fsbayes pb` and the experiments compute. The system is a split S/E, its
 * spec and the NNGP kernel on S ∪ E (S first).
 */
import {
  type ArchSpec,
  canonicalJson,
  createProvenance,
  describeSplit,
  FsbayesError,
  type FunctionTable,
  keyToBits,
  type PbFile,
  type PbRow,
  type Provenance,
  type Split,
} from '@fsbayes/core';
import type { CovarianceCheckOptions } from '../orthant/index.js';
import { logPosteriorProbabilities, type PbMode } from './posterior.js';

/** The points of a split stacked S then E (row-major, d per row), with their labels as ±1. */
export interface StackedSplit {
  X: Float64Array;
  nS: number;
  nE: number;
  d: number;
  y: Int8Array;
}

/** Points S then E of the split, stacked, with labels as ±1 (the order of every kernel on S ∪ E). */
export function stackSplit(split: Split): StackedSplit {
  const d = split.train.d;
  const X = new Float64Array((split.train.m + split.test.m) * d);
  X.set(split.train.inputs, 0);
  X.set(split.test.inputs, split.train.m * d);
  const y = new Int8Array(split.train.m + split.test.m);
  for (let i = 0; i < split.train.m; i++) y[i] = split.train.labels[i] ? 1 : -1;
  for (let i = 0; i < split.test.m; i++) y[split.train.m + i] = split.test.labels[i] ? 1 : -1;
  return { X, nS: split.train.m, nE: split.test.m, d, y };
}

/** A split, its spec and the NNGP kernel K on S ∪ E (S first), y the ±1 labels of S ∪ E. */
export interface PbSystem {
  spec: ArchSpec;
  split: Split;
  K: Float64Array;
  nS: number;
  nE: number;
  y: Int8Array;
}

/** Options of {@link pbOfTable}. */
export interface PbOfTableOptions {
  /** Only the `limit` most frequent functions of the table (default all). */
  limit?: number;
  /** Where the table came from, recorded in the provenance. */
  source?: string;
  command?: string;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
  /** Tolerances of the kernel check (wider for float32 kernels). */
  check?: CovarianceCheckOptions;
  /** How each function's EP runs (default 'auto': 'joint' up to |S| = max(256, 4|E|), else 'lowrank'). */
  mode?: PbMode | 'auto';
}

/**
 * Refuse a table made on another split or by another architecture than the
 * system's (as `compare` and `merge` do): its provenance's training and test
 * masks, dataset name and spec must match, then |E| and the labels on E (all
 * that can be checked of a table without provenance). Cheap: call it before
 * computing the kernel.
 */
export function checkTableFits(table: FunctionTable, spec: ArchSpec, split: Split, what: string): void {
  const dataset = describeSplit(split);
  const p = table.provenance;
  if (p) checkProvenance(p, spec, dataset, what);
  const nE = split.test.m;
  if (table.m !== nE)
    throw new FsbayesError(`${what} has functions on ${table.m} points but E here has ${nE}: use its split`);
  const labels = table.labels;
  if (labels) {
    for (let i = 0; i < nE; i++) {
      if (labels[i] !== split.test.labels[i])
        throw new FsbayesError(`${what}: its labels on E differ from this split's at point ${i}: use its split`);
    }
  }
}

function checkProvenance(p: Provenance, spec: ArchSpec, dataset: Record<string, unknown>, what: string): void {
  const ds = (p.dataset ?? {}) as Record<string, unknown>;
  for (const [f, name] of [
    ['trainMask', 'training set S'],
    ['testMask', 'test set E'],
  ] as const) {
    const mine = dataset[f];
    const theirs = ds[f];
    if (typeof theirs === 'string' && typeof mine === 'string' && theirs !== mine)
      throw new FsbayesError(
        `${what} was made on another ${name} (${f} ${short(theirs)}) than the data flags give here (${short(mine)}): use the data flags (--train-size/--seed or --train-mask, --test-size) it was made with`,
      );
  }
  if (typeof ds.name === 'string' && ds.name !== dataset.name)
    throw new FsbayesError(`${what} was made on dataset ${ds.name}, not ${String(dataset.name)}: use its data flags`);
  if (p.spec !== undefined && p.spec !== null && canonicalJson(p.spec) !== canonicalJson(spec)) {
    const a = p.spec as Record<string, unknown>;
    const b = spec as unknown as Record<string, unknown>;
    const diff = Object.keys({ ...a, ...b }).filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
    throw new FsbayesError(
      `${what} was made by another architecture than --arch/--activation/--sigma-w/--sigma-b give here (differs in ${diff.map((k) => `${k}: ${JSON.stringify(a[k])} there, ${JSON.stringify(b[k])} here`).join('; ')}): give the flags it was made with`,
    );
  }
}

function short(s: string): string {
  return s.length > 24 ? `${s.slice(0, 21)}...` : s;
}

/**
 * log P_B(f|S) by EP for the functions of `table` (on E), most frequent
 * first, as an `fsbayes.pb` file. Checks that the table lives on this
 * split's E (see {@link checkTableFits}).
 */
export function pbOfTable(sys: PbSystem, table: FunctionTable, o: PbOfTableOptions = {}): PbFile {
  const { split, nS, nE } = sys;
  const what = o.source ?? 'the table';
  if (nS === 0) throw new FsbayesError('S is empty: give --train-size or --train-mask (the same as the table’s)');
  checkTableFits(table, sys.spec, split, what);
  const described = describeSplit(split);
  const entries = table.entries().slice(0, o.limit ?? Number.POSITIVE_INFINITY);
  const r = logPosteriorProbabilities(
    sys.K,
    nS,
    sys.y.subarray(0, nS),
    entries.map((e) => keyToBits(e.key, nE)),
    { onProgress: o.onProgress, mode: o.mode ?? 'auto', ...(o.check ? { check: o.check } : {}) },
  );
  const functions: PbRow[] = entries.map((e, j) => ({
    key: e.key,
    count: e.count,
    errors: e.errors,
    logPB: r.logPB[j],
    ...(r.logPB[j] === Number.NEGATIVE_INFINITY ? { pB: 0 as const } : {}),
    ...(r.convergedEach[j] ? {} : { converged: false as const }),
    ...(r.frozenKL && r.frozenKL[j] > 0 ? { frozenKL: r.frozenKL[j] } : {}),
  }));
  let massCovered = 0;
  for (const v of r.logPB) massCovered += Math.exp(v);
  const { trainMask, testMask, ...dataset } = described;
  return {
    format: 'fsbayes.pb',
    formatVersion: 1,
    logPS: r.logPS,
    method: 'ep',
    pbMethod: r.mode,
    methodError: r.methodError,
    nS,
    nE,
    massCovered,
    converged: r.converged,
    warnings: r.warnings,
    functions,
    provenance: createProvenance({
      command: o.command,
      spec: sys.spec,
      dataset: { ...dataset, trainMask, testMask },
      experiment: {
        kind: 'pb',
        method: 'ep',
        pbMethod: o.mode ?? 'auto',
        functions: o.source ?? null,
        limit: o.limit ?? null,
      },
      seeds: o.seed === undefined ? [] : [o.seed],
      backend: 'js+wasm f64',
    }),
  };
}
