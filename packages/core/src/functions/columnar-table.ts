/**
 * ColumnarTable: exact function counts without the limits of a `Map` of hex
 * strings. Functions live as packed bits in typed arrays (`PackedCounter`);
 * when the in-memory part reaches its memory budget it is sorted by key and
 * spilled to a run file in a temporary folder, and reading the table merges
 * the runs and the in-memory rest (k-way, streaming). So it grows past 2^24
 * functions and past the heap, and is written as an Arrow IPC file without
 * ever holding the whole table (see `arrow-io.ts`).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
  /**
   * A folder of this table's own for its runs and snapshots, kept when the
   * process ends (a checkpoint refers to it) and removed by `close()`;
   * created if missing. Replaces `tmpDir`.
   */
  runDir?: string;
  /** Name prefix of the fresh folder made in `tmpDir` (default `fsbayes-table-`). */
  tmpPrefix?: string;
}

/**
 * What a checkpoint records of a ColumnarTable (see {@link ColumnarTable.snapshot}):
 * its run files and snapshot (names in its `runDir`, with their sizes, so a
 * changed file is caught), the total count, and the next file number.
 */
export interface ColumnarState {
  total: number;
  /** Sorted runs, in the order they were spilled. */
  runs: string[];
  /** The in-memory part at the checkpoint (rows in no order), or null when it was empty. */
  snapshot: string | null;
  /** Bytes of each file above. */
  bytes: Record<string, number>;
  /** Number of the next file the table writes. */
  nextFile: number;
}

/** The most distinct functions a FunctionTable (a JS Map) holds. */
export const FUNCTION_TABLE_MAX_DISTINCT = 2 ** 24 - 1;

const DEFAULT_MEMORY = 2 ** 31;
const DEFAULT_BATCH_ROWS = 1 << 16;

// Spill folders still present, removed at exit so that no run outlives its process.
const liveDirs = new Set<string>();
let exitHook = false;
function removeLive(): void {
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  liveDirs.clear();
}
function track(dir: string): void {
  liveDirs.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', removeLive);
  // Ctrl-C or a kill would end the process without 'exit': when nothing else handles the signal, clean up and exit.
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(sig, () => {
      if (process.listenerCount(sig) > 1) return; // the run's own handler stops it (and 'exit' cleans up)
      removeLive();
      process.exit(code);
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
  private readonly tmpPrefix: string;
  private readonly runDir: string | null;
  private readonly batchRows: number;
  private dir: string | null = null;
  private totalCount = 0;
  private readers = 0;
  private fileSeq = 0;
  private lastSnapshot: string | null = null;
  /** Set by {@link detach}: the runDir outlives the table. */
  private keepRunDir = false;
  /** Distinct functions, once a full read has counted them (reset by every add). */
  private knownDistinct: number | null = 0;

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
    this.tmpPrefix = options.tmpPrefix ?? 'fsbayes-table-';
    this.runDir = options.runDir ?? null;
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

  /**
   * Distinct functions: known at once when nothing was spilled or after a
   * full read ({@link write}, {@link sorted}); else counted by merging the runs.
   */
  async countDistinct(): Promise<number> {
    if (this.runs.length === 0) return this.counter.size;
    if (this.knownDistinct === null) {
      let n = 0;
      for await (const b of this.sorted()) n += b.length;
      this.knownDistinct = n;
    }
    return this.knownDistinct;
  }

  /** The `runDir` option: the folder a checkpoint keeps (null for a table spilling to a temporary folder). */
  get runFolder(): string | null {
    return this.runDir;
  }

  /** The folder of the runs (null until the first spill of a table without `runDir`). */
  get spillDir(): string | null {
    return this.dir;
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
    this.knownDistinct = null;
    if (this.counter.add(src, o, count)) return;
    this.spill();
    this.counter.add(src, o, count);
  }

  /** The folder of the runs, made on first use. */
  private folder(): string {
    if (this.dir !== null) return this.dir;
    try {
      if (this.runDir !== null) {
        mkdirSync(this.runDir, { recursive: true });
        this.dir = this.runDir;
      } else {
        this.dir = mkdtempSync(join(this.tmpRoot, this.tmpPrefix));
        track(this.dir);
      }
    } catch (err) {
      throw new FsbayesError(
        `cannot make a folder for spilled runs in ${this.runDir ?? this.tmpRoot} (${(err as Error).message}); free disk space there or choose another output folder`,
        { kind: 'io', cause: err },
      );
    }
    return this.dir;
  }

  /** Sort the in-memory part into a run file and empty it. */
  private spill(): void {
    const path = join(this.folder(), `run-${this.fileSeq++}.bin`);
    try {
      writeRun(path, this.words, this.counter.sorted(this.batchRows), this.runDir !== null);
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
      const all =
        this.runs.length === 0
          ? (memory[0] ?? [])
          : mergeSorted([...this.runs.map((p) => readRun(p, this.words)), ...memory], this.words, this.batchRows);
      let n = 0;
      for await (const b of all) {
        n += b.length;
        yield b;
      }
      this.knownDistinct = n;
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

  /**
   * Save the table for a checkpoint (a table with `runDir` only): the
   * in-memory part is written, unsorted and fsynced, as a new snapshot file
   * beside the runs (it stays in memory too); `commit` then records the
   * returned state (e.g. writes the checkpoint file, atomically), and only
   * after it returns is the previous snapshot removed. So a kill at any
   * moment leaves a checkpoint whose files are all there.
   */
  snapshot(commit: (state: ColumnarState) => void): ColumnarState {
    if (this.runDir === null) throw new FsbayesError('snapshot: the table has no runDir', { kind: 'internal' });
    const dir = this.folder();
    let snap: string | null = null;
    if (this.counter.size > 0) {
      snap = join(dir, `snapshot-${this.fileSeq++}.bin`);
      try {
        writeRun(snap, this.words, this.counter.unsorted(this.batchRows), true);
      } catch (err) {
        try {
          unlinkSync(snap);
        } catch {
          // never created
        }
        throw new FsbayesError(
          `cannot write a checkpoint of ${this.counter.size} functions to ${snap} (${(err as Error).message}); free disk space there`,
          { kind: 'resource', cause: err },
        );
      }
    }
    const files = [...this.runs, ...(snap ? [snap] : [])];
    const bytes: Record<string, number> = {};
    for (const f of files) bytes[basename(f)] = statSync(f).size;
    const state: ColumnarState = {
      total: this.totalCount,
      runs: this.runs.map((r) => basename(r)),
      snapshot: snap === null ? null : basename(snap),
      bytes,
      nextFile: this.fileSeq,
    };
    commit(state);
    if (this.lastSnapshot !== null) rmSync(this.lastSnapshot, { force: true });
    this.lastSnapshot = snap;
    return state;
  }

  /**
   * The table a checkpoint saved (see {@link snapshot}): its runs adopted,
   * its snapshot counted back into memory, and every other file in
   * `options.runDir` (written after that checkpoint) removed. Throws,
   * naming the file, when one is missing or changed.
   */
  static restore(
    m: number,
    labels: Uint8Array | null,
    provenance: Provenance | null,
    options: ColumnarTableOptions & { runDir: string },
    state: ColumnarState,
  ): ColumnarTable {
    const t = new ColumnarTable(m, labels, provenance, options);
    const dir = options.runDir;
    const listed = new Set([...state.runs, ...(state.snapshot ? [state.snapshot] : [])]);
    for (const name of listed) {
      const p = join(dir, name);
      const size = existsSync(p) ? statSync(p).size : -1;
      if (size !== state.bytes?.[name]) {
        throw new FsbayesError(
          `${p}: ${size < 0 ? 'missing' : `${size} bytes, the checkpoint says ${state.bytes?.[name]}`}: the checkpoint's table is incomplete; delete the checkpoint and ${dir} to start afresh`,
          { kind: 'io' },
        );
      }
    }
    t.dir = dir;
    for (const name of readdirSync(dir)) if (!listed.has(name)) rmSync(join(dir, name), { force: true });
    t.runs.push(...state.runs.map((r) => join(dir, r)));
    t.fileSeq = state.nextFile;
    if (state.snapshot) {
      const snap = join(dir, state.snapshot);
      for (const b of readRun(snap, t.words))
        for (let r = 0; r < b.length; r++) t.put(b.keys, r * t.words, b.counts[r]);
      t.lastSnapshot = snap;
    }
    t.totalCount = state.total;
    t.knownDistinct = t.runs.length === 0 ? t.counter.size : null;
    return t;
  }

  /**
   * Let go of the table without removing its `runDir` (a checkpoint keeps
   * it for `--resume`); a temporary folder is removed as by {@link close}.
   */
  detach(): void {
    this.keepRunDir = true;
    if (this.runDir !== null) this.dir = null;
    this.close();
  }

  /** Remove the spilled runs and their folder (a `runDir` too). The table is empty afterwards. */
  close(): void {
    if (this.dir !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
      this.dir = null;
    } else if (this.runDir !== null && !this.keepRunDir) rmSync(this.runDir, { recursive: true, force: true });
    this.runs.length = 0;
    this.counter.clear();
    this.totalCount = 0;
    this.knownDistinct = 0;
    this.lastSnapshot = null;
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
