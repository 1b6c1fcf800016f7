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
  type PbEstimator,
  type PbFile,
  type PbRow,
  type Provenance,
  type Split,
} from '@fsbayes/core';
import type { CovarianceCheckOptions } from '../orthant/index.js';
import { type BotevPbResult, botevMethodError, botevPosteriorProbabilities, pbEstimatorFor } from './botev.js';
import { botevPosteriorProbabilitiesParallel } from './botev-pool.js';
import { logPosteriorProbabilities, type PbMode, type PbOptions } from './posterior.js';

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
  /** EP only: called after each sweep of EP on S (see {@link PbOptions}). */
  onSweepS?: PbOptions['onSweepS'];
  /** Tolerances of the kernel check (wider for float32 kernels). */
  check?: CovarianceCheckOptions;
  /**
   * The estimator of both terms: 'ep' (default), 'botev' (minimax tilting, with standard errors) or
   * 'auto' (Botev up to |S ∪ E| = `BOTEV_PB_MAX_POINTS`, else EP).
   */
  method?: PbEstimator | 'auto';
  /** EP: how each function's EP runs (default 'auto': 'joint' up to |S| = max(256, 4|E|), else 'lowrank'). */
  mode?: PbMode | 'auto';
  /** Botev: importance samples per function (default 10 000) and for log P(S) (default max(10 × samples, 10⁵)); `seed` seeds them (default 0). */
  samples?: number;
  samplesS?: number;
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
 * log P_B(f|S) for the functions of `table` (on E), most frequent first, as an
 * `fsbayes.pb` file: by EP (default) or by Botev (`method: 'botev'`, on this
 * thread; {@link pbOfTableAsync} spreads it over worker threads). Checks that the
 * table lives on this split's E (see {@link checkTableFits}).
 */
export function pbOfTable(sys: PbSystem, table: FunctionTable, o: PbOfTableOptions = {}): PbFile {
  const { entries, functions } = pbInputs(sys, table, o);
  if (resolvePbEstimator(sys, o) === 'botev') {
    const r = botevPosteriorProbabilities(sys.K, sys.nS, sys.y.subarray(0, sys.nS), functions, botevOptions(o));
    return botevFile(sys, entries, r, o);
  }
  return epFile(sys, entries, functions, o);
}

/**
 * {@link pbOfTable} with Botev's functions spread over `threads` worker threads (default all
 * cores; the numbers do not depend on it). EP runs on this thread.
 */
export async function pbOfTableAsync(
  sys: PbSystem,
  table: FunctionTable,
  o: PbOfTableOptions & { threads?: number } = {},
): Promise<PbFile> {
  const { entries, functions } = pbInputs(sys, table, o);
  if (resolvePbEstimator(sys, o) === 'botev') {
    const r = await botevPosteriorProbabilitiesParallel(sys.K, sys.nS, sys.y.subarray(0, sys.nS), functions, {
      ...botevOptions(o),
      threads: o.threads,
    });
    return botevFile(sys, entries, r, o);
  }
  return epFile(sys, entries, functions, o);
}

type Entry = ReturnType<FunctionTable['entries']>[number];

/** The estimator a P_B call uses ('auto' resolved by the size of S ∪ E). */
export function resolvePbEstimator(sys: Pick<PbSystem, 'nS' | 'nE'>, o: Pick<PbOfTableOptions, 'method'>): PbEstimator {
  const m = o.method ?? 'ep';
  if (m !== 'ep' && m !== 'botev' && m !== 'auto')
    throw new FsbayesError(`P_B method must be 'ep', 'botev' or 'auto', got '${String(m)}'`);
  return m === 'auto' ? pbEstimatorFor(sys.nS + sys.nE) : m;
}

function pbInputs(sys: PbSystem, table: FunctionTable, o: PbOfTableOptions) {
  const { split, nS, nE } = sys;
  const what = o.source ?? 'the table';
  resolvePbEstimator(sys, o);
  if (nS === 0) throw new FsbayesError('S is empty: give --train-size or --train-mask (the same as the table’s)');
  checkTableFits(table, sys.spec, split, what);
  const entries = table.entries().slice(0, o.limit ?? Number.POSITIVE_INFINITY);
  return { entries, functions: entries.map((e) => keyToBits(e.key, nE)) };
}

function botevOptions(o: PbOfTableOptions) {
  return {
    samples: o.samples,
    samplesS: o.samplesS,
    seed: o.seed ?? 0,
    onProgress: o.onProgress,
    ...(o.check ? { check: o.check } : {}),
  };
}

function epFile(sys: PbSystem, entries: Entry[], functions: Uint8Array[], o: PbOfTableOptions): PbFile {
  const r = logPosteriorProbabilities(sys.K, sys.nS, sys.y.subarray(0, sys.nS), functions, {
    onProgress: o.onProgress,
    onSweepS: o.onSweepS,
    mode: o.mode ?? 'auto',
    ...(o.check ? { check: o.check } : {}),
  });
  const functionsOut: PbRow[] = entries.map((e, j) => ({
    key: e.key,
    count: e.count,
    errors: e.errors,
    logPB: r.logPB[j],
    ...(r.logPB[j] === Number.NEGATIVE_INFINITY ? { pB: 0 as const } : {}),
    ...(r.convergedEach[j] ? {} : { converged: false as const }),
    ...(r.frozenKL && r.frozenKL[j] > 0 ? { frozenKL: r.frozenKL[j] } : {}),
  }));
  return {
    format: 'fsbayes.pb',
    formatVersion: 1,
    logPS: r.logPS,
    method: 'ep',
    pbMethod: r.mode,
    methodError: r.methodError,
    nS: sys.nS,
    nE: sys.nE,
    massCovered: massOf(r.logPB),
    converged: r.converged,
    warnings: r.warnings,
    functions: functionsOut,
    provenance: provenanceOf(sys, o, { method: 'ep', pbMethod: o.mode ?? 'auto' }),
  };
}

function botevFile(sys: PbSystem, entries: Entry[], r: BotevPbResult, o: PbOfTableOptions): PbFile {
  const functions: PbRow[] = entries.map((e, j) => {
    const lp = r.logPB[j];
    return {
      key: e.key,
      count: e.count,
      errors: e.errors,
      logPB: lp,
      ...(lp === Number.NEGATIVE_INFINITY ? { pB: 0 as const } : {}),
      ...(r.exact[j] ? {} : { stderr: r.stderr[j] }),
      ...(Number.isFinite(r.upperBound[j]) ? { upperBound: r.upperBound[j] } : {}),
      ...(r.convergedEach[j] ? {} : { converged: false as const }),
    };
  });
  return {
    format: 'fsbayes.pb',
    formatVersion: 1,
    logPS: r.logPS,
    logPSStderr: r.logPSStderr,
    ...(r.logPSUpperBound !== null ? { logPSUpperBound: r.logPSUpperBound } : {}),
    method: 'botev',
    methodError: botevMethodError(),
    samples: r.samples,
    samplesS: r.samplesS,
    seed: o.seed ?? 0,
    nS: sys.nS,
    nE: sys.nE,
    massCovered: massOf(r.logPB),
    converged: r.converged,
    warnings: r.warnings,
    functions,
    provenance: provenanceOf(sys, o, { method: 'botev', samples: r.samples, samplesS: r.samplesS }),
  };
}

function massOf(logPB: Float64Array): number {
  let m = 0;
  for (const v of logPB) m += Math.exp(v);
  return m;
}

function provenanceOf(sys: PbSystem, o: PbOfTableOptions, method: Record<string, unknown>): Provenance {
  const { trainMask, testMask, ...dataset } = describeSplit(sys.split);
  return createProvenance({
    command: o.command,
    spec: sys.spec,
    dataset: { ...dataset, trainMask, testMask },
    experiment: {
      kind: 'pb',
      ...method,
      functions: o.source ?? null,
      limit: o.limit ?? null,
    },
    seeds: o.seed === undefined ? [] : [o.seed],
    backend: 'js+wasm f64',
  });
}
