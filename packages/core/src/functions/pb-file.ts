/**
 * The `fsbayes.pb` file: log P_B(f|S) of listed functions on E (by EP or by
 * Botev's minimax tilting on the NNGP), written by `fsbayes pb` and the
 * experiments, read by `compare`.
 * This module is its one writer ({@link pbFileText}, {@link pbFileCsv}) and
 * its one reader ({@link parsePbFile}, {@link readPbFile}).
 *
 * P_B = 0 exactly (a function that contradicts a repeated or zero-variance
 * point) is −∞ in memory; JSON has no −∞, so the file holds `"logPB": null`
 * with `"pB": 0` beside it, and the reader gives the −∞ back.
 */
import { readFileSync } from 'node:fs';
import { normalizeKey } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { csvKeyCell } from './csv-cells.js';
import type { Provenance } from './provenance.js';

/** The `format` field of a P_B file (`fsbayes.pb`). */
export const PB_FILE_FORMAT = 'fsbayes.pb';

/**
 * How EP's P_B of each function was computed (nngp's `PbMode`; what
 * `--pb-method` chooses): 'joint' EP on S ∪ E_f, 'lowrank' (the joint EP with
 * the S sites moving through a low-rank update), 'conditional' (EP on E's
 * predictive given S).
 */
export const PB_METHODS = ['joint', 'lowrank', 'conditional'] as const;
/** One of {@link PB_METHODS}. */
export type PbMethod = (typeof PB_METHODS)[number];

/**
 * Which estimator computed both orthant probabilities of P_B (`--method`):
 * 'ep', expectation propagation's log Z (deterministic, biased, no error
 * estimate), or 'botev', minimax-tilted importance sampling (unbiased for P,
 * with a standard error and a deterministic upper bound).
 */
export const PB_ESTIMATORS = ['ep', 'botev'] as const;
export type PbEstimator = (typeof PB_ESTIMATORS)[number];

/**
 * One function of a P_B file. `logPB` is −∞ when P_B = 0 exactly (written
 * `"logPB": null` with `"pB": 0`); `converged: false` marks a function whose
 * EP did not converge.
 */
export interface PbRow {
  key: string;
  count: number;
  errors: number | null;
  logPB: number;
  pB?: 0;
  converged?: false;
  /** 'lowrank' only, when the joint fixed point was not reached: the weight of the frozen S sites (its error indicator). */
  frozenKL?: number;
  /** Botev: standard error of logPB (both terms' errors combined); absent for an exact value and for EP. */
  stderr?: number;
  /** Botev: ψ*(S ∪ E_f) − log P̂(S), the joint term's deterministic bound less the S estimate; absent where none. */
  upperBound?: number;
}

/**
 * What part of a P_B file a shard holds (`fsbayes pb --shard i/N`): shard
 * `index` of `count`, the functions of ranks [first, end) of the table's
 * `functions` (most frequent first). `fsbayes merge` joins a complete set.
 */
export interface PbShard {
  index: number;
  count: number;
  first: number;
  end: number;
  functions: number;
}

/** The `fsbayes.pb` file as written. */
export interface PbFile {
  format: typeof PB_FILE_FORMAT;
  formatVersion: 1;
  logPS: number;
  /** Botev: standard error and deterministic upper bound of logPS (EP has neither; the bound is absent when the solve did not converge). */
  logPSStderr?: number;
  logPSUpperBound?: number;
  /** The estimator of both terms (files before Botev have 'ep'). */
  method: PbEstimator;
  /** EP only: how each function's EP ran (see {@link PB_METHODS}). */
  pbMethod?: PbMethod;
  /** What is known of the estimator's error (EP: its bias against joint EP and exact values; Botev: its standard errors), in words. */
  methodError: string;
  /** Botev: importance samples per function and for log P(S), and the seed of their streams. */
  samples?: number;
  samplesS?: number;
  seed?: number;
  nS: number;
  nE: number;
  /** Σ P_B over the listed functions (≤ 1 up to EP's error). */
  massCovered: number;
  /** Whether EP on S and every function's EP converged. */
  converged: boolean;
  /** Why these numbers are not to be trusted (EP not converged, jitter, degenerate kernel, …). */
  warnings: string[];
  functions: PbRow[];
  provenance: Provenance;
  /** Present in a part of a P_B file only (see {@link PbShard}). */
  shard?: PbShard;
}

/**
 * What {@link parsePbFile} guarantees of any P_B file: the fields every
 * reader uses, checked; the others are passed through as they are.
 */
export interface PbFileRead {
  format: typeof PB_FILE_FORMAT;
  formatVersion: 1;
  nE: number;
  logPS?: number;
  /** 'ep' or 'botev' (absent in hand-made files: EP is assumed by readers that care). */
  method?: PbEstimator;
  /** Keys normalised; logPB −∞ for an exact zero; errors null when unknown; stderr/upperBound as written (Botev). */
  functions: (Omit<PbRow, 'count' | 'errors'> & { count?: number; errors: number | null })[];
  warnings: string[];
  provenance?: { dataset?: unknown } | null;
}

/** The file's text: JSON (compact, or indented by `indent`) and a newline; −∞ becomes null. */
export function pbFileText(pb: PbFile, indent?: number): string {
  return `${JSON.stringify(pb, null, indent)}\n`;
}

/**
 * The CSV of `fsbayes pb --csv-out`: key (`0x…`, csv-cells.ts), count and log P_B (`-inf` for an exact zero), one row per
 * function; a Botev file adds its standard error and upper bound (empty where there is none).
 */
export function pbFileCsv(pb: PbFile): string {
  const lp = (v: number) => (v === Number.NEGATIVE_INFINITY ? '-inf' : String(v));
  if (pb.method === 'botev') {
    const rows = pb.functions.map(
      (x) =>
        `${csvKeyCell(x.key)},${x.count},${lp(x.logPB)},${x.stderr ?? (x.pB === 0 ? 0 : '')},${x.upperBound ?? ''}`,
    );
    return `key,count,logPB,stderr,upperBound\n${rows.join('\n')}\n`;
  }
  const rows = pb.functions.map((x) => `${csvKeyCell(x.key)},${x.count},${lp(x.logPB)}`);
  return `key,count,logPB\n${rows.join('\n')}\n`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Check a parsed P_B file (format 'fsbayes.pb', version 1): every field a
 * reader uses, errors naming the field and value, prefixed by `where` (e.g.
 * the file name). Returns a new object: keys normalised, exact zeros as −∞,
 * `errors` null when absent, `warnings` [] when absent; other fields as given.
 */
export function parsePbFile(obj: unknown, where: string): PbFileRead {
  const fail = (msg: string): never => {
    throw new FsbayesError(`${where}: ${msg}`);
  };
  if (!isRecord(obj)) return fail('expected a JSON object (a P_B file written by fsbayes pb)');
  if (obj.format !== PB_FILE_FORMAT) fail(`format must be "fsbayes.pb", got ${JSON.stringify(obj.format)}`);
  if (obj.formatVersion !== 1) fail(`formatVersion must be 1, got ${JSON.stringify(obj.formatVersion)}`);
  const m = obj.nE;
  if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 1) {
    fail(`nE must be a positive integer, got ${JSON.stringify(m)}`);
  }
  const fns = obj.functions;
  if (!Array.isArray(fns) || fns.length === 0) return fail('functions must be a non-empty array');
  const seen = new Set<string>();
  const functions = fns.map((f: unknown, j: number) => {
    const at = `functions[${j}]`;
    if (!isRecord(f)) fail(`${at}: must be an object`);
    const r = f as Record<string, unknown>;
    let key = '';
    try {
      key = normalizeKey(r.key as string, m as number);
    } catch (e) {
      fail(`${at}.key: ${(e as Error).message}`);
    }
    if (seen.has(key)) fail(`${at}.key: duplicate key ${JSON.stringify(r.key)}`);
    seen.add(key);
    const zero = r.pB === 0 && (r.logPB === null || r.logPB === Number.NEGATIVE_INFINITY);
    const lp = zero ? Number.NEGATIVE_INFINITY : r.logPB;
    // EP's error can put log P_B slightly above 0 for a near-certain function, so only finiteness is required.
    if (!zero && (typeof lp !== 'number' || !Number.isFinite(lp))) {
      fail(`${at}.logPB: must be a finite number, got ${JSON.stringify(lp)} (an exact zero is null with "pB": 0)`);
    }
    for (const f of ['stderr', 'upperBound'] as const) {
      const v = r[f];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || (f === 'stderr' && v < 0)))
        fail(
          `${at}.${f}: must be a finite number${f === 'stderr' ? ' ≥ 0' : ''} when present, got ${JSON.stringify(v)}`,
        );
    }
    const err = r.errors ?? null;
    if (err !== null && (typeof err !== 'number' || !Number.isSafeInteger(err) || err < 0 || err > (m as number))) {
      fail(`${at}.errors: must be null or an integer in [0, ${m}], got ${JSON.stringify(err)}`);
    }
    return { ...r, key, logPB: lp as number, errors: err as number | null };
  });
  if (obj.method !== undefined && obj.method !== 'ep' && obj.method !== 'botev')
    fail(`method must be "ep" or "botev", got ${JSON.stringify(obj.method)}`);
  const warnings = Array.isArray(obj.warnings) ? obj.warnings.filter((w): w is string => typeof w === 'string') : [];
  return { ...obj, functions, warnings } as unknown as PbFileRead;
}

/** Read and check a P_B file (see {@link parsePbFile}); errors name the file. */
export function readPbFile(path: string): PbFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FsbayesError(`${path}: cannot read P_B file (${(e as Error).message})`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new FsbayesError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parsePbFile(obj, path);
}
