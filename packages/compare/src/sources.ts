/**
 * Sources: the distributions over functions that compare works on. A source
 * is either a FunctionTable (empirical counts: P_SGD, rejection sampling,
 * the prior) or a P_B file (`fsbayes pb`: computed log-probabilities).
 *
 * The two differ in what an unlisted function means. A table is *complete*:
 * a function it does not list was never seen, so its empirical probability is
 * 0. A P_B file is *incomplete*: it lists the functions it was asked about,
 * and says nothing about the others (their P_B is unknown, not 0).
 */
import {
  type ArrowTableHeader,
  FsbayesError,
  type FunctionTable,
  type PbFileRead,
  parsePbFile,
  readPbFile,
} from '@fsbayes/core';

/** One distribution over functions on E, in the form every metric reads. */
export interface Source {
  /** Display name (e.g. 'sgd', 'P_B'). */
  name: string;
  /** 'table': empirical counts; 'pb': log-probabilities from a P_B file. */
  kind: 'table' | 'pb';
  /** |E|. */
  m: number;
  /** True labels on E (tables that know them), else null. */
  labels: Uint8Array | null;
  /** Keys of the listed functions (tables: count order; P_B files: file order). */
  keys: string[];
  /** Counts (tables), or null (P_B files). */
  counts: Float64Array | null;
  /**
   * Natural log of each listed function's probability under this source.
   * Tables: log(count/total). P_B files: log P_B as given (not renormalised;
   * the listed functions may hold less than all the mass).
   */
  logP: Float64Array;
  /** Hamming distance to the labels on E per listed function, or null when unknown. */
  errors: (number | null)[];
  /** Number of 1 bits per listed function. */
  ones: number[];
  /** Σ counts (tables), or null. */
  total: number | null;
  /** True for tables (unlisted = probability 0), false for P_B files (unlisted = unknown). */
  complete: boolean;
  /** Σ P over the listed functions as given: 1 for tables, ≤ 1 for P_B files (up to EP's error). */
  massListed: number;
  /** The file's provenance.dataset, when present: compared across sources to check S and E. */
  dataset: Record<string, unknown> | null;
  /** Why the source's numbers are not to be trusted (a P_B file's `warnings`), shown in reports. */
  warnings?: string[];
}

/** A table as a source. */
export function tableSource(name: string, table: FunctionTable): Source {
  if (table.total === 0) throw new FsbayesError(`${name}: the table is empty`);
  const entries = table.entries();
  const n = entries.length;
  const counts = new Float64Array(n);
  const logP = new Float64Array(n);
  const logTotal = Math.log(table.total);
  entries.forEach((e, i) => {
    counts[i] = e.count;
    logP[i] = Math.log(e.count) - logTotal;
  });
  const ds = table.provenance?.dataset;
  return {
    name,
    kind: 'table',
    m: table.m,
    labels: table.labels,
    keys: entries.map((e) => e.key),
    counts,
    logP,
    errors: entries.map((e) => e.errors),
    ones: entries.map((e) => e.ones),
    total: table.total,
    complete: true,
    massListed: 1,
    dataset: isRecord(ds) ? ds : null,
  };
}

/**
 * What a table's header says of it, as a source without functions (for
 * {@link checkCompatible} of tables that are read as streams).
 */
export function sourceOfHeader(name: string, h: ArrowTableHeader): Source {
  const ds = h.provenance?.dataset;
  return {
    name,
    kind: 'table',
    m: h.m,
    labels: h.labels,
    keys: [],
    counts: new Float64Array(0),
    logP: new Float64Array(0),
    errors: [],
    ones: [],
    total: h.total,
    complete: true,
    massListed: 1,
    dataset: isRecord(ds) ? ds : null,
  };
}

/**
 * A P_B file (format 'fsbayes.pb', version 1) as a source. The file is
 * checked by core's reader (`parsePbFile`: errors name the field and value,
 * prefixed by `where`, e.g. the file name).
 */
export function pbSource(name: string, obj: unknown, where = name): Source {
  return sourceOfPb(name, parsePbFile(obj, where));
}

/** Read a P_B file written by `fsbayes pb --out`. Errors name the file. */
export function readPbSource(path: string, name = 'P_B'): Source {
  return sourceOfPb(name, readPbFile(path));
}

function sourceOfPb(name: string, pb: PbFileRead): Source {
  const logP = Float64Array.from(pb.functions, (f) => f.logPB);
  let mass = 0;
  for (const v of logP) mass += Math.exp(v);
  const ds = isRecord(pb.provenance) ? pb.provenance.dataset : undefined;
  return {
    name,
    kind: 'pb',
    m: pb.nE,
    labels: null,
    keys: pb.functions.map((f) => f.key),
    counts: null,
    logP,
    errors: pb.functions.map((f) => f.errors),
    ones: pb.functions.map((f) => countOnes(f.key)),
    total: null,
    complete: false,
    massListed: mass,
    dataset: isRecord(ds) ? ds : null,
    warnings: pb.warnings,
  };
}

/**
 * Check that sources describe distributions over functions on the same S and
 * E, throwing an error that says exactly what differs:
 * - the same m = |E|;
 * - the same labels on E where two tables both know them;
 * - the same training and test masks where two provenances both record them;
 * - for a P_B file, its per-function test errors agree with a table's on
 *   every function both list (labels are not stored in P_B files, so this is
 *   how a different E or labelling shows up).
 * Also refuses duplicate names.
 */
export function checkCompatible(sources: readonly Source[]): void {
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new FsbayesError(`two sources are both named "${s.name}": give distinct --names`);
    names.add(s.name);
  }
  const first = sources[0];
  for (const s of sources.slice(1)) {
    if (s.m !== first.m) {
      throw new FsbayesError(
        `${s.name} has functions on |E| = ${s.m} points but ${first.name} on ${first.m}: not the same E`,
      );
    }
  }
  for (let i = 0; i < sources.length; i++) {
    for (let j = i + 1; j < sources.length; j++) checkPair(sources[i], sources[j]);
  }
}

function checkPair(a: Source, b: Source): void {
  if (a.labels && b.labels) {
    for (let i = 0; i < a.m; i++) {
      if (a.labels[i] !== b.labels[i]) {
        throw new FsbayesError(
          `${a.name} and ${b.name} have different labels on E (first at point ${i}: ${a.labels[i]} vs ${b.labels[i]})`,
        );
      }
    }
  }
  if (a.dataset && b.dataset) {
    for (const f of ['testMask', 'trainMask'] as const) {
      const va = a.dataset[f];
      const vb = b.dataset[f];
      if (typeof va === 'string' && typeof vb === 'string' && va !== vb) {
        const what = f === 'testMask' ? 'test set E' : 'training set S';
        throw new FsbayesError(`${a.name} and ${b.name} have different ${what} (${f} ${short(va)} vs ${short(vb)})`);
      }
    }
  }
  if (a.kind !== b.kind) {
    const [t, p] = a.kind === 'table' ? [a, b] : [b, a];
    const idx = new Map(t.keys.map((k, i) => [k, i]));
    p.keys.forEach((k, j) => {
      const i = idx.get(k);
      if (i === undefined) return;
      const et = t.errors[i];
      const ep = p.errors[j];
      if (et !== null && ep !== null && et !== ep) {
        throw new FsbayesError(
          `${p.name} and ${t.name} disagree on the test error of function ${k} (${ep} vs ${et}): different labels on E`,
        );
      }
    });
  }
}

function countOnes(key: string): number {
  let n = 0;
  for (const ch of key) {
    let v = Number.parseInt(ch, 16);
    while (v) {
      n += v & 1;
      v >>= 1;
    }
  }
  return n;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function short(s: string): string {
  return s.length > 24 ? `${s.slice(0, 21)}...` : s;
}
