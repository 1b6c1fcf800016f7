/**
 * FunctionTable: the empirical distribution of functions on a fixed test set
 * E (|E| = m), e.g. the functions SGD finds over many runs, with exact counts.
 */

import { checkM, keyAt, keyOf, keyToWords, normalizeKey, popcount32, wordsFor } from '../bits.js';
import { entropyOfCounts } from '../boolean/entropy.js';
import { FsbayesError, isFsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { csvBitsCell, csvKeyCell } from './csv-cells.js';
import { type MergeOptions, type MergeSide, mergedProvenance } from './merge-rules.js';
import { type Provenance, toPlainJson, validateProvenance } from './provenance.js';

export type { MergeOptions } from './merge-rules.js';

/** One distinct function in a table. */
export interface FunctionEntry {
  /** The stable hex key (see `keyOf`). */
  key: string;
  /** How many times it was seen. */
  count: number;
  /** Hamming distance to the true labels on E, or null when the labels are unknown. */
  errors: number | null;
  /** T: the number of 1 bits. */
  ones: number;
}

/** The JSON form of a table (`FunctionTable.toJSON`). */
export interface FunctionTableJSON {
  format: 'fsbayes.function-table';
  formatVersion: 1;
  m: number;
  /** True labels on E as a '0'/'1' string (bit 0 first), or null. */
  labels: string | null;
  total: number;
  distinct: number;
  provenance: Provenance | null;
  /** Sorted by count descending, then key ascending. */
  functions: FunctionEntry[];
}

interface Rec {
  count: number;
  errors: number | null;
  ones: number;
}

/** The `format` field of a function table's JSON (`fsbayes.function-table`). */
export const FUNCTION_TABLE_FORMAT = 'fsbayes.function-table';
export const FUNCTION_TABLE_FORMAT_VERSION = 1;

/** A table of function counts on a test set of m points. State is real here, hence a class. */
export class FunctionTable {
  /** Size of the test set E. */
  readonly m: number;
  /** Words per packed function: ceil(m/32). */
  readonly words: number;
  private readonly recs = new Map<string, Rec>();
  private readonly labelBits: Uint8Array | null;
  /** Packed labels, padding bits 0. */
  private readonly labelWords: Uint32Array | null;
  /** Mask of the valid bits of the last word. */
  private readonly lastMask: number;
  private totalCount = 0;
  private prov: Provenance | null = null;

  /**
   * An empty table for functions on m points. `labels`: the true labels on E
   * (0/1, length m), or null when unknown; `provenance`: where the functions
   * come from (see `createProvenance`), or null.
   */
  constructor(m: number, labels: Uint8Array | null = null, provenance: Provenance | null = null) {
    checkM(m, 'FunctionTable');
    this.m = m;
    this.words = wordsFor(m);
    this.lastMask = m % 32 === 0 ? 0xffffffff : 2 ** (m % 32) - 1;
    if (labels === null || labels === undefined) {
      this.labelBits = null;
      this.labelWords = null;
    } else {
      if (!(labels instanceof Uint8Array)) throw new FsbayesError('FunctionTable: labels must be a Uint8Array or null');
      if (labels.length !== m)
        throw new FsbayesError(`FunctionTable: labels have length ${labels.length}, expected m = ${m}`);
      const lw = new Uint32Array(this.words);
      for (let i = 0; i < m; i++) {
        const b = labels[i];
        if (b > 1) throw new FsbayesError(`FunctionTable: invalid label ${b} at position ${i} (only 0 and 1 allowed)`);
        if (b) lw[i >>> 5] |= 1 << (i & 31);
      }
      this.labelBits = labels.slice();
      this.labelWords = lw;
    }
    this.provenance = provenance;
  }

  /** A copy of the true labels on E, or null. */
  get labels(): Uint8Array | null {
    return this.labelBits === null ? null : this.labelBits.slice();
  }

  /** The provenance (validated and copied to plain JSON on assignment; see `toPlainJson`). */
  get provenance(): Provenance | null {
    return this.prov;
  }

  set provenance(p: Provenance | null) {
    // Stored as a plain-JSON copy, so that later changes to `p` cannot reach it.
    this.prov = p === null || p === undefined ? null : validateProvenance(toPlainJson(p, 'provenance'));
  }

  /** Total number of functions counted (Σ counts). */
  get total(): number {
    return this.totalCount;
  }

  /** Number of distinct functions. */
  get distinct(): number {
    return this.recs.size;
  }

  /**
   * Count a function `count` times (a positive integer, default 1). The
   * function is given packed (`words` words; bits ≥ m are ignored) or by key.
   * Returns its key.
   */
  add(fn: Uint32Array | string, count = 1): string {
    checkCount(count, 'add: count');
    if (!Number.isSafeInteger(this.totalCount + count))
      throw new FsbayesError(`add: count ${count} brings the total count past 2^53 − 1, the largest safe integer`);
    let key: string;
    let words: Uint32Array;
    if (typeof fn === 'string') {
      key = normalizeKey(fn, this.m);
      words = keyToWords(key, this.m);
    } else {
      if (!(fn instanceof Uint32Array))
        throw new FsbayesError(`add: expected a Uint32Array or a key string, got ${show(fn)}`);
      if (fn.length !== this.words) {
        throw new FsbayesError(`add: a function on m = ${this.m} points has ${this.words} words, got ${fn.length}`);
      }
      key = keyOf(fn, this.m);
      words = fn;
    }
    this.bump(key, words, 0, count);
    return key;
  }

  /**
   * Count `nFunctions` packed functions laid out one after another in
   * `packed` (function j in words [j·words, (j+1)·words)). `packed` may be
   * longer than nFunctions·words; the rest is ignored. The hot path.
   */
  addBatch(packed: Uint32Array, nFunctions: number): void {
    if (!(packed instanceof Uint32Array)) throw new FsbayesError('addBatch: expected a Uint32Array');
    if (!Number.isSafeInteger(nFunctions) || nFunctions < 0) {
      throw new FsbayesError(`addBatch: nFunctions must be a non-negative integer, got ${nFunctions}`);
    }
    const w = this.words;
    if (nFunctions * w > packed.length) {
      throw new FsbayesError(
        `addBatch: ${nFunctions} functions of ${w} words need ${nFunctions * w} words, got ${packed.length}`,
      );
    }
    const m = this.m;
    for (let j = 0, o = 0; j < nFunctions; j++, o += w) this.bump(keyAt(packed, m, o), packed, o, 1);
  }

  private bump(key: string, words: Uint32Array, offset: number, count: number): void {
    const rec = this.recs.get(key);
    if (rec !== undefined) {
      rec.count += count;
    } else {
      // Computed once per distinct function.
      const w = this.words;
      const last = w - 1;
      const lw = this.labelWords;
      let ones = 0;
      let errors = 0;
      for (let j = 0; j < w; j++) {
        const v = j === last ? words[offset + j] & this.lastMask : words[offset + j];
        ones += popcount32(v);
        if (lw !== null) errors += popcount32(v ^ lw[j]);
      }
      this.recs.set(key, { count, errors: lw === null ? null : errors, ones });
    }
    this.totalCount += count;
  }

  /** How many times the function (by key or packed) was counted; 0 if never. Invalid keys throw. */
  count(fn: string | Uint32Array): number {
    return this.get(fn)?.count ?? 0;
  }

  /** The entry of a function (by key or packed), or undefined if it was never counted. */
  get(fn: string | Uint32Array): FunctionEntry | undefined {
    let key: string;
    if (typeof fn === 'string') key = this.recs.has(fn) ? fn : normalizeKey(fn, this.m);
    else if (!(fn instanceof Uint32Array)) {
      throw new FsbayesError(`get: expected a key string or a Uint32Array, got ${show(fn)}`);
    } else {
      if (fn.length !== this.words) throw new FsbayesError(`get: expected ${this.words} words, got ${fn.length}`);
      key = keyOf(fn, this.m);
    }
    const rec = this.recs.get(key);
    return rec === undefined ? undefined : { key, count: rec.count, errors: rec.errors, ones: rec.ones };
  }

  /** All distinct functions, sorted by count descending, then key ascending. Fresh objects. */
  entries(): FunctionEntry[] {
    const out: FunctionEntry[] = [];
    for (const [key, r] of this.recs) out.push({ key, count: r.count, errors: r.errors, ones: r.ones });
    out.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  /** Empirical probabilities count/total by key, in {@link entries} order. */
  probabilities(): Map<string, number> {
    const out = new Map<string, number>();
    const t = this.totalCount;
    for (const e of this.entries()) out.set(e.key, e.count / t);
    return out;
  }

  /**
   * The count-weighted mean test error, Σ count·errors / (total·m): the
   * expected error on E of a function drawn from the table. Null when the
   * labels are unknown; throws on an empty table.
   */
  meanTestError(): number | null {
    if (this.labelWords === null) return null;
    if (this.totalCount === 0) throw new FsbayesError('meanTestError: the table is empty');
    let s = 0;
    for (const r of this.recs.values()) s += r.count * (r.errors as number);
    return s / (this.totalCount * this.m);
  }

  /**
   * Shannon entropy of the empirical distribution (plug-in estimate, biased
   * low when many functions are seen once), in nats (natural log) and bits
   * (log base 2). Throws on an empty table.
   */
  entropy(): { nats: number; bits: number } {
    if (this.totalCount === 0) throw new FsbayesError('entropy: the table is empty');
    const counts: number[] = [];
    for (const r of this.recs.values()) counts.push(r.count);
    const nats = entropyOfCounts(counts, 'nats');
    return { nats, bits: nats / Math.LN2 };
  }

  /**
   * Add every count of `other` into this table (exact: counts add). Refuses,
   * with an error naming the difference, tables whose m, labels or experiment
   * identity (provenance tool, spec, dataset, experiment: see
   * `experimentIdentity`) differ, and — unless `allowOverlap` — tables that
   * share a seed or a shard. An empty table without provenance takes the
   * other's provenance, so `new FunctionTable(m, labels)` can collect shards.
   * The merged provenance records every seed and shard (see `mergeProvenance`).
   * Returns this.
   */
  merge(other: FunctionTable, options: MergeOptions = {}): this {
    if (!(other instanceof FunctionTable)) throw new FsbayesError('merge: expected a FunctionTable');
    const merged = mergedProvenance(this.mergeSide(), other.mergeSide(), options);
    if (!Number.isSafeInteger(this.totalCount + other.totalCount)) {
      throw new FsbayesError(
        `merge: the total count ${this.totalCount} + ${other.totalCount} passes 2^53 − 1, the largest safe integer`,
      );
    }
    // Snapshot first so that merging a table into itself doubles it exactly.
    const add = [...other.recs].map(([k, r]) => [k, { ...r }] as const);
    for (const [key, r] of add) {
      const mine = this.recs.get(key);
      if (mine !== undefined) mine.count += r.count;
      else this.recs.set(key, r);
      this.totalCount += r.count;
    }
    this.prov = merged;
    return this;
  }

  private mergeSide(): MergeSide {
    return { m: this.m, labels: this.labelBits, provenance: this.prov, total: this.totalCount };
  }

  /** The JSON form (format 'fsbayes.function-table', version 1). */
  toJSON(): FunctionTableJSON {
    return {
      format: FUNCTION_TABLE_FORMAT,
      formatVersion: FUNCTION_TABLE_FORMAT_VERSION,
      m: this.m,
      labels: this.labelBits === null ? null : Array.from(this.labelBits, (b) => (b ? '1' : '0')).join(''),
      total: this.totalCount,
      distinct: this.recs.size,
      provenance: this.prov,
      functions: this.entries(),
    };
  }

  /**
   * Rebuild a table from {@link toJSON}'s output, validating everything:
   * format name and version, m, labels, provenance, each function's key
   * (hex of the right length, no duplicates), count (a positive integer),
   * ones and errors (recomputed and compared), and total and distinct.
   * Errors name the bad field and value.
   */
  static fromJSON(obj: unknown): FunctionTable {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw new FsbayesError('function table: expected an object');
    const o = obj as Record<string, unknown>;
    if (o.format !== FUNCTION_TABLE_FORMAT) {
      throw new FsbayesError(`function table: format must be "${FUNCTION_TABLE_FORMAT}", got ${show(o.format)}`);
    }
    if (o.formatVersion !== FUNCTION_TABLE_FORMAT_VERSION) {
      throw new FsbayesError(
        `function table: formatVersion must be ${FUNCTION_TABLE_FORMAT_VERSION}, got ${show(o.formatVersion)}`,
      );
    }
    const m = o.m;
    if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 1) {
      throw new FsbayesError(`function table: m must be a positive integer, got ${show(m)}`);
    }
    checkM(m, 'function table');
    let labels: Uint8Array | null = null;
    if (o.labels !== null) {
      if (typeof o.labels !== 'string')
        throw new FsbayesError(`function table: labels must be a bit string or null, got ${show(o.labels)}`);
      if (o.labels.length !== m) {
        throw new FsbayesError(`function table: labels have length ${o.labels.length}, expected m = ${m}`);
      }
      labels = new Uint8Array(m);
      for (let i = 0; i < m; i++) {
        const ch = o.labels[i];
        if (ch === '1') labels[i] = 1;
        else if (ch !== '0') {
          throw new FsbayesError(`function table: labels: invalid character ${show(ch)} at position ${i}`);
        }
      }
    }
    const prov = o.provenance === null ? null : validateProvenance(o.provenance, 'function table: provenance');
    if (!Array.isArray(o.functions))
      throw new FsbayesError(`function table: functions must be an array, got ${show(o.functions)}`);
    const table = new FunctionTable(m, labels, prov);
    o.functions.forEach((f: unknown, j: number) => {
      const where = `function table: functions[${j}]`;
      if (typeof f !== 'object' || f === null || Array.isArray(f))
        throw new FsbayesError(`${where}: must be an object { key, count, errors, ones }, got ${show(f)}`);
      const e = f as Record<string, unknown>;
      let key: string;
      try {
        key = normalizeKey(e.key as string, m);
      } catch (err) {
        if (!isFsbayesError(err)) throw err;
        throw new FsbayesError(`${where}.key: ${err.message}`, { cause: err });
      }
      if (table.recs.has(key)) throw new FsbayesError(`${where}.key: duplicate key ${show(e.key)}`);
      const count = e.count;
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
        throw new FsbayesError(`${where}.count: must be a positive integer, got ${show(count)}`);
      }
      if (!Number.isSafeInteger(table.totalCount + count)) {
        throw new FsbayesError(
          `${where}.count: ${count} brings the total count past 2^53 − 1, the largest safe integer`,
        );
      }
      table.add(key, count);
      const rec = table.recs.get(key)!;
      if (e.ones !== rec.ones) {
        throw new FsbayesError(`${where}.ones: key ${key} has ${rec.ones} one bits, file says ${show(e.ones)}`);
      }
      if (e.errors !== rec.errors) {
        throw new FsbayesError(
          rec.errors === null
            ? `${where}.errors: must be null when labels are unknown, got ${show(e.errors)}`
            : `${where}.errors: key ${key} is at Hamming distance ${rec.errors} from the labels, file says ${show(e.errors)}`,
        );
      }
    });
    if (o.total !== table.totalCount) {
      throw new FsbayesError(`function table: total is ${show(o.total)}, but the counts sum to ${table.totalCount}`);
    }
    if (o.distinct !== table.recs.size) {
      throw new FsbayesError(
        `function table: distinct is ${show(o.distinct)}, but there are ${table.recs.size} functions`,
      );
    }
    return table;
  }

  /**
   * CSV with header `key,bits,count,probability,errors,ones`, one row per
   * distinct function in {@link entries} order; `key` is `0x` + the hex key
   * and `bits` is `b` + the '0'/'1' string (bit 0 first), so that CSV
   * readers keep both as text (csv-cells.ts); `errors` is empty when the
   * labels are unknown. Ends with a newline.
   */
  toCSV(): string {
    const lines = ['key,bits,count,probability,errors,ones'];
    const t = this.totalCount;
    for (const e of this.entries()) {
      lines.push(
        `${csvKeyCell(e.key)},${csvBitsCell(e.key, this.m)},${e.count},${e.count / t},${e.errors ?? ''},${e.ones}`,
      );
    }
    return lines.join('\n') + '\n';
  }
}

function checkCount(c: number, where: string): void {
  if (!Number.isSafeInteger(c) || c < 1) throw new FsbayesError(`${where} must be a positive integer, got ${show(c)}`);
}
