/**
 * ColumnarTable: exact function counts without the limits of a `Map` of hex
 * strings. Functions live as packed bits in typed arrays (`PackedCounter`);
 * when the in-memory part reaches its memory budget it is sorted by key and
 * spilled to a run file in a temporary folder, and reading the table merges
 * the runs and the in-memory rest (k-way, streaming). So it grows past 2^24
 * functions and past the heap, and is written as an Arrow IPC file without
 * ever holding the whole table (see `arrow-io.ts`).
 */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkM, keyToWords, wordsFor } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import type { ArrowTableHeader } from './arrow-format.js';
import { type ArrowWriteResult, readArrowTable, readArrowTableHeader, writeArrowTable } from './arrow-io.js';
import { mergeSorted } from './kway-merge.js';
import { capacityFor, MIN_CAPACITY, type PackedBatch, PackedCounter, peakBytes } from './packed-counter.js';
import { type Provenance, toPlainJson, validateProvenance } from './provenance.js';
import { readRun, writeRun } from './sorted-run.js';
import { FunctionTable } from './table.js';

/** Options of a {@link ColumnarTable}. */
export interface ColumnarTableOptions {
  /**
   * The most bytes the in-memory part may take (its peak, while it grows:
   * 1.5 × capacity × (4·ceil(m/32) + 8) bytes). Beyond it, sorted runs are
   * spilled to disk. Default 2 GiB: 2^25 slots, so up to 25M functions of
   * 65–128 bits in memory (805 MB, 1.2 GB while growing) before a spill.
   */
  memoryBytes?: number;
  /**
   * Folder for spilled runs: a fresh `fsbayes-table-*` folder is made in it
   * on the first spill and removed by `close()` (or when the process exits).
   * Default: the OS temporary folder. Runs take (4·ceil(m/32) + 8) bytes per
   * function per run.
   */
  tmpDir?: string;
  /** Rows per batch in runs, merges and files. Default 65,536. */
  batchRows?: number;
}

/** The most distinct functions a FunctionTable (a JS Map) holds. */
export const FUNCTION_TABLE_MAX_DISTINCT = 2 ** 24 - 1;

const DEFAULT_MEMORY = 2 ** 31;
const DEFAULT_BATCH_ROWS = 1 << 16;

// Spill folders still present, removed at exit so that no run outlives its process.
const liveDirs = new Set<string>();
let exitHook = false;
function track(dir: string): void {
  liveDirs.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }
}

/** A memory-bounded table of exact function counts on a test set of m points. */
export class ColumnarTable {
  /** Size of the test set E. */
  readonly m: number;
  /** Words per packed function: ceil(m/32). */
  readonly words: number;
  private readonly labelBits: Uint8Array | null;
  private prov: Provenance | null = null;
  private readonly counter: PackedCounter;
  private readonly runs: string[] = [];
  private readonly tmpRoot: string;
  private readonly batchRows: number;
  private dir: string | null = null;
  private totalCount = 0;
  private readers = 0;

  /**
   * An empty table for functions on m points; `labels` (0/1, length m) or
   * null, `provenance` or null, as for `FunctionTable`.
   */
  constructor(
    m: number,
    labels: Uint8Array | null = null,
    provenance: Provenance | null = null,
    options: ColumnarTableOptions = {},
  ) {
    checkM(m, 'ColumnarTable');
    this.m = m;
    this.words = wordsFor(m);
    this.labelBits = checkLabels(labels, m);
    this.provenance = provenance;
    const memory = options.memoryBytes ?? DEFAULT_MEMORY;
    const least = peakBytes(MIN_CAPACITY, this.words);
    if (typeof memory !== 'number' || !(memory >= least) || !Number.isFinite(memory)) {
      throw new FsbayesError(`ColumnarTable: memoryBytes must be a number ≥ ${least} for m = ${m}, got ${memory}`);
    }
    const rows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    if (!Number.isSafeInteger(rows) || rows < 1) {
      throw new FsbayesError(`ColumnarTable: batchRows must be a positive integer, got ${rows}`);
    }
    this.batchRows = rows;
    this.tmpRoot = options.tmpDir ?? tmpdir();
    this.counter = new PackedCounter(m, capacityFor(memory, this.words));
  }

  /** A copy of the true labels on E, or null. */
  get labels(): Uint8Array | null {
    return this.labelBits === null ? null : this.labelBits.slice();
  }

  /** The provenance (validated and copied to plain JSON on assignment). */
  get provenance(): Provenance | null {
    return this.prov;
  }

  set provenance(p: Provenance | null) {
    this.prov = p === null || p === undefined ? null : validateProvenance(toPlainJson(p));
  }

  /** Total number of functions counted (Σ counts). */
  get total(): number {
    return this.totalCount;
  }

  /** Sorted runs spilled to disk so far. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Distinct functions in memory (the table's distinct count when nothing was spilled; else see `write`). */
  get inMemory(): number {
    return this.counter.size;
  }

  /** Bytes of the in-memory arrays now. */
  get memoryBytes(): number {
    return this.counter.bytes;
  }

  /** The header a file of this table carries. */
  get header(): ArrowTableHeader {
    return { m: this.m, labels: this.labels, total: this.totalCount, provenance: this.prov };
  }

  /**
   * Count a function `count` times (a positive integer, default 1), given
   * packed (`words` words; bits ≥ m ignored) or by key.
   */
  add(fn: Uint32Array | string, count = 1): void {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new FsbayesError(`add: count must be a positive integer, got ${count}`);
    }
    let words: Uint32Array;
    if (typeof fn === 'string') words = keyToWords(fn, this.m);
    else {
      if (!(fn instanceof Uint32Array)) throw new FsbayesError('add: expected a Uint32Array or a key string');
      if (fn.length !== this.words) {
        throw new FsbayesError(`add: a function on m = ${this.m} points has ${this.words} words, got ${fn.length}`);
      }
      words = fn;
    }
    this.checkTotal(count);
    this.put(words, 0, count);
    this.totalCount += count;
  }

  /**
   * Count `nFunctions` packed functions laid out one after another in
   * `packed` (function j in words [j·words, (j+1)·words)), straight from a
   * backend's `priorFunctions` output. The hot path: no key strings.
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
    this.checkTotal(nFunctions);
    for (let j = 0, o = 0; j < nFunctions; j++, o += w) this.put(packed, o, 1);
    this.totalCount += nFunctions;
  }

  private checkTotal(more: number): void {
    if (this.readers > 0) throw new FsbayesError('ColumnarTable: cannot add while the table is being read');
    if (!Number.isSafeInteger(this.totalCount + more)) {
      throw new FsbayesError(`ColumnarTable: the total count would pass 2^53 (${this.totalCount} + ${more})`, {
        kind: 'numeric',
      });
    }
  }

  private put(src: Uint32Array, o: number, count: number): void {
    if (this.counter.add(src, o, count)) return;
    this.spill();
    this.counter.add(src, o, count);
  }

  /** Sort the in-memory part into a run file and empty it. */
  private spill(): void {
    if (this.dir === null) {
      try {
        this.dir = mkdtempSync(join(this.tmpRoot, 'fsbayes-table-'));
      } catch (err) {
        throw new FsbayesError(
          `cannot make a folder for spilled runs in ${this.tmpRoot} (${(err as Error).message}); give another tmpDir`,
          { kind: 'io', cause: err },
        );
      }
      track(this.dir);
    }
    const path = join(this.dir, `run-${this.runs.length}.bin`);
    try {
      writeRun(path, this.words, this.counter.sorted(this.batchRows));
    } catch (err) {
      try {
        unlinkSync(path);
      } catch {
        // never created
      }
      throw new FsbayesError(
        `cannot spill ${this.counter.size} functions to ${path} (${(err as Error).message}); free disk space there, give another tmpDir or more memoryBytes`,
        { kind: 'resource', cause: err },
      );
    }
    this.runs.push(path);
    this.counter.clear();
  }

  /**
   * Every distinct function once, in key order, with its count: the spilled
   * runs and the in-memory part merged as a stream of batches. The table
   * must not change while this is read (adding throws).
   */
  async *sorted(): AsyncGenerator<PackedBatch> {
    this.readers++;
    try {
      const memory = this.counter.size > 0 ? [this.counter.sorted(this.batchRows)] : [];
      if (this.runs.length === 0) yield* memory[0] ?? [];
      else yield* mergeSorted([...this.runs.map((p) => readRun(p, this.words)), ...memory], this.words, this.batchRows);
    } finally {
      this.readers--;
    }
  }

  /**
   * Write the table to `path` as an Arrow IPC file (see `arrow-format.ts`),
   * streaming and atomically. Returns the distinct count, total and bytes.
   */
  async write(path: string): Promise<ArrowWriteResult> {
    return writeArrowTable(path, this.header, this.sorted());
  }

  /**
   * The same table as a FunctionTable (for the JSON/CSV exports of small
   * tables). Throws a clear error, instead of the Map's, when it holds more
   * than FUNCTION_TABLE_MAX_DISTINCT functions.
   */
  async toFunctionTable(): Promise<FunctionTable> {
    return collect(this.header, this.sorted(), 'ColumnarTable');
  }

  /** A ColumnarTable with the functions, counts, labels and provenance of `t`. */
  static fromFunctionTable(t: FunctionTable, options: ColumnarTableOptions = {}): ColumnarTable {
    const c = new ColumnarTable(t.m, t.labels, t.provenance, options);
    for (const e of t.entries()) c.add(keyToWords(e.key, t.m), e.count);
    return c;
  }

  /** Remove the spilled runs and their folder. The table is empty afterwards. */
  close(): void {
    if (this.dir !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
      this.dir = null;
    }
    this.runs.length = 0;
    this.counter.clear();
    this.totalCount = 0;
  }
}

/** Labels checked and copied, as FunctionTable's constructor checks them. */
function checkLabels(labels: Uint8Array | null, m: number): Uint8Array | null {
  if (labels === null || labels === undefined) return null;
  if (!(labels instanceof Uint8Array)) throw new FsbayesError('ColumnarTable: labels must be a Uint8Array or null');
  if (labels.length !== m)
    throw new FsbayesError(`ColumnarTable: labels have length ${labels.length}, expected m = ${m}`);
  const bad = labels.findIndex((b) => b > 1);
  if (bad >= 0) {
    throw new FsbayesError(`ColumnarTable: invalid label ${labels[bad]} at position ${bad} (only 0 and 1 allowed)`);
  }
  return labels.slice();
}

async function collect(
  h: ArrowTableHeader,
  batches: AsyncIterable<PackedBatch>,
  where: string,
): Promise<FunctionTable> {
  const t = new FunctionTable(h.m, h.labels, h.provenance);
  const w = wordsFor(h.m);
  for await (const b of batches) {
    if (t.distinct + b.length > FUNCTION_TABLE_MAX_DISTINCT) {
      throw new FsbayesError(
        `${where}: more than ${FUNCTION_TABLE_MAX_DISTINCT} distinct functions do not fit a FunctionTable (a JS Map); keep the table columnar (Arrow)`,
        { kind: 'resource' },
      );
    }
    for (let r = 0; r < b.length; r++) t.add(b.keys.subarray(r * w, r * w + w), b.counts[r]);
  }
  return t;
}

/** Write a FunctionTable as an Arrow IPC table file (streaming, atomic). */
export async function writeTableArrow(path: string, table: FunctionTable): Promise<ArrowWriteResult> {
  const c = ColumnarTable.fromFunctionTable(table);
  try {
    return await c.write(path);
  } finally {
    c.close();
  }
}

/**
 * Read an Arrow table file into a FunctionTable (small tables: throws when it
 * holds more than FUNCTION_TABLE_MAX_DISTINCT functions). Every row is checked.
 */
export async function readTableArrow(path: string): Promise<FunctionTable> {
  return collect(await readArrowTableHeader(path), readArrowTable(path), path);
}
