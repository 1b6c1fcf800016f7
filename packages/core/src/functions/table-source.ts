/**
 * Tables read as streams, for tables too large for a FunctionTable (a JS
 * Map): a {@link SortedTableSource} gives its header and, as often as asked,
 * every function once in key order (a ColumnarTable, an Arrow table file, or
 * a FunctionTable). On top of it, without holding the table:
 * - {@link countOrder}: the functions in a FunctionTable's `entries()` order
 *   (count descending, then key ascending), from a histogram of the counts
 *   and a few passes that each sort a bounded slice of count classes;
 * - {@link summarizeTable}: distinct, total, P(T) counts, expected test
 *   error, plug-in entropy and the most frequent functions, in one pass.
 */
import { keyOf, keyToWords, popcount32, wordsFor } from '../bits.js';
import { entropyFromSums } from '../boolean/entropy.js';
import { FsbayesError } from '../errors/index.js';
import type { ArrowTableHeader } from './arrow-format.js';
import { labelWordsOf } from './arrow-format.js';
import { readArrowTable, readArrowTableHeader } from './arrow-io.js';
import type { SortedStream } from './kway-merge.js';
import type { PackedBatch } from './packed-counter.js';
import type { FunctionEntry, FunctionTable } from './table.js';

/** A table read as a stream of batches in key order (each function once). */
export interface SortedTableSource {
  readonly header: ArrowTableHeader;
  /** The Arrow file it reads, when it reads one (a result can then link to it rather than copy it). */
  readonly path?: string;
  /** Every distinct function once, in key order, with its count; may be read many times. */
  sorted(): SortedStream;
}

/** An Arrow table file as a source (its header read and checked now; rows checked on every read). */
export async function arrowTableSource(path: string): Promise<SortedTableSource> {
  const header = await readArrowTableHeader(path);
  return { header, path, sorted: () => readArrowTable(path) };
}

/** A FunctionTable as a source (its functions packed and sorted by key once). */
export function functionTableSource(t: FunctionTable, batchRows = 1 << 16): SortedTableSource {
  const w = t.words;
  const entries = t.entries().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = new Uint32Array(entries.length * w);
  const counts = new Float64Array(entries.length);
  entries.forEach((e, i) => {
    keys.set(keyToWords(e.key, t.m), i * w);
    counts[i] = e.count;
  });
  const header: ArrowTableHeader = { m: t.m, labels: t.labels, total: t.total, provenance: t.provenance };
  return {
    header,
    *sorted() {
      for (let at = 0; at < counts.length; at += batchRows) {
        const end = Math.min(counts.length, at + batchRows);
        yield { keys: keys.subarray(at * w, end * w), counts: counts.subarray(at, end), length: end - at };
      }
    },
  };
}

/** The per-function numbers of a table's entries: T (ones) and the test errors (null without labels). */
export class EntryStats {
  /** Words per packed function. */
  readonly words: number;
  private readonly w: number;
  private readonly labelWords: Uint32Array | null;

  constructor(readonly header: ArrowTableHeader) {
    this.w = wordsFor(header.m);
    this.words = this.w;
    this.labelWords = header.labels === null ? null : labelWordsOf(header.labels, this.w);
  }

  /** T of the function at word offset `o` of `keys` (padding bits 0). */
  ones(keys: Uint32Array, o: number): number {
    let t = 0;
    for (let j = 0; j < this.w; j++) t += popcount32(keys[o + j]);
    return t;
  }

  /** Hamming distance to the labels, or null when they are unknown. */
  errors(keys: Uint32Array, o: number): number | null {
    const lw = this.labelWords;
    if (lw === null) return null;
    let e = 0;
    for (let j = 0; j < this.w; j++) e += popcount32(keys[o + j] ^ lw[j]);
    return e;
  }

  /** Row `r` of a batch as a FunctionTable entry. */
  entry(b: PackedBatch, r: number): FunctionEntry {
    const o = r * this.w;
    return {
      key: keyOf(b.keys, this.header.m, o),
      count: b.counts[r],
      errors: this.errors(b.keys, o),
      ones: this.ones(b.keys, o),
    };
  }
}

/** How many functions have each count: `classes` (the counts that occur, descending) and `sizes`. */
export interface CountHistogram {
  classes: number[];
  sizes: number[];
  distinct: number;
  total: number;
}

/** The histogram of a source's counts (one pass). */
export async function countHistogram(src: SortedTableSource): Promise<CountHistogram> {
  const hist = new Map<number, number>();
  let total = 0;
  for await (const b of src.sorted()) {
    for (let r = 0; r < b.length; r++) {
      const c = b.counts[r];
      hist.set(c, (hist.get(c) ?? 0) + 1);
      total += c;
    }
  }
  const classes = [...hist.keys()].sort((a, b) => b - a);
  const sizes = classes.map((c) => hist.get(c) as number);
  return { classes, sizes, distinct: sizes.reduce((a, b) => a + b, 0), total };
}

/** Options of {@link countOrder}. */
export interface CountOrderOptions {
  /** Rows held and sorted at once (default 2^22: 96 MB at m = 128). Fewer rows, more passes. */
  sliceRows?: number;
  /** Rows per yielded batch (default 65,536). */
  batchRows?: number;
}

/**
 * Every function of `src` in `FunctionTable.entries()` order — count
 * descending, then key ascending — as batches, holding at most `sliceRows`
 * rows: count classes are taken, largest first, in slices of at most that
 * many rows; each slice is one pass over the source, placing its rows by
 * class (within a class the source's key order is kept); a class larger
 * than a slice is streamed on its own pass. `hist` (from
 * {@link countHistogram}) saves the first pass.
 */
export async function* countOrder(
  src: SortedTableSource,
  hist?: CountHistogram,
  o: CountOrderOptions = {},
): AsyncGenerator<PackedBatch> {
  const h = hist ?? (await countHistogram(src));
  const slice = o.sliceRows ?? 1 << 22;
  const batchRows = o.batchRows ?? 1 << 16;
  if (!Number.isSafeInteger(slice) || slice < 1) throw new FsbayesError(`sliceRows must be ≥ 1, got ${slice}`);
  const w = wordsFor(src.header.m);
  const changed = () => new FsbayesError('the table changed while it was read in count order', { kind: 'internal' });
  for (let i = 0; i < h.classes.length; ) {
    if (h.sizes[i] > slice) {
      // One class alone, streamed: its rows are in key order already.
      const c = h.classes[i];
      let seen = 0;
      for await (const b of src.sorted()) {
        const keys = new Uint32Array(b.length * w);
        const counts = new Float64Array(b.length);
        let n = 0;
        for (let r = 0; r < b.length; r++) {
          if (b.counts[r] !== c) continue;
          keys.set(b.keys.subarray(r * w, r * w + w), n * w);
          counts[n++] = c;
        }
        seen += n;
        if (n > 0) yield { keys: keys.subarray(0, n * w), counts: counts.subarray(0, n), length: n };
      }
      if (seen !== h.sizes[i]) throw changed();
      i++;
      continue;
    }
    // Classes i..j−1 together hold at most `slice` rows.
    let rows = 0;
    let j = i;
    while (j < h.classes.length && rows + h.sizes[j] <= slice) rows += h.sizes[j++];
    const at = new Map<number, number>();
    for (let k = i, acc = 0; k < j; k++) {
      at.set(h.classes[k], acc);
      acc += h.sizes[k];
    }
    const hi = h.classes[i];
    const lo = h.classes[j - 1];
    const keys = new Uint32Array(rows * w);
    const counts = new Float64Array(rows);
    let placed = 0;
    for await (const b of src.sorted()) {
      for (let r = 0; r < b.length; r++) {
        const c = b.counts[r];
        if (c > hi || c < lo) continue;
        const p = at.get(c);
        if (p === undefined) throw changed();
        at.set(c, p + 1);
        keys.set(b.keys.subarray(r * w, r * w + w), p * w);
        counts[p] = c;
        placed++;
      }
    }
    if (placed !== rows) throw changed();
    for (let s = 0; s < rows; s += batchRows) {
      const e = Math.min(rows, s + batchRows);
      yield { keys: keys.subarray(s * w, e * w), counts: counts.subarray(s, e), length: e - s };
    }
    i = j;
  }
}

/** What {@link summarizeTable} reads off a table in one pass. */
export interface TableSummary {
  m: number;
  total: number;
  distinct: number;
  /** Σ count of the functions with T ones, T = 0..m. */
  onesCounts: Float64Array;
  /** Σ count·errors / (total·m), or null without labels (or an empty table). */
  meanTestError: number | null;
  /** Plug-in entropy in bits (summed in key order), or null for an empty table. */
  entropyBits: number | null;
  /** The `top` most frequent functions, count descending then key ascending. */
  top: FunctionEntry[];
}

/**
 * Accumulates a {@link TableSummary} from batches in key order (so it can
 * ride along another pass, e.g. the one writing the file).
 */
export class TableSummarizer {
  private readonly st: EntryStats;
  private readonly w: number;
  private readonly onesCounts: Float64Array;
  private distinct = 0;
  private total = 0;
  private errSum = 0;
  private cLogC = 0;
  // The top rows by (count desc, key asc): rows come in key order, so a later row enters only with a larger count.
  private readonly best: { count: number; keys: Uint32Array }[] = [];

  constructor(
    readonly header: ArrowTableHeader,
    private readonly top = 10,
  ) {
    this.st = new EntryStats(header);
    this.w = this.st.words;
    this.onesCounts = new Float64Array(header.m + 1);
  }

  /** Count one batch (batches in key order). */
  add(b: PackedBatch): void {
    const { w, st, best, top } = this;
    for (let r = 0; r < b.length; r++) {
      const o = r * w;
      const c = b.counts[r];
      this.distinct++;
      this.total += c;
      this.onesCounts[st.ones(b.keys, o)] += c;
      const e = st.errors(b.keys, o);
      if (e !== null) this.errSum += c * e;
      this.cLogC += c * Math.log(c);
      if (top > 0 && (best.length < top || c > best[best.length - 1].count)) {
        let at = best.length;
        while (at > 0 && best[at - 1].count < c) at--;
        best.splice(at, 0, { count: c, keys: b.keys.slice(o, o + w) });
        if (best.length > top) best.pop();
      }
    }
  }

  /** The summary of what was added. */
  result(): TableSummary {
    const { total, header: h } = this;
    return {
      m: h.m,
      total,
      distinct: this.distinct,
      onesCounts: this.onesCounts,
      meanTestError: h.labels === null || total === 0 ? null : this.errSum / (total * h.m),
      entropyBits: total === 0 ? null : entropyFromSums(total, this.cLogC, 'bits'),
      top: this.best.map((x) => this.st.entry({ keys: x.keys, counts: Float64Array.of(x.count), length: 1 }, 0)),
    };
  }
}

/** Distinct, P(T) counts, test error, entropy and the top functions of a source, in one pass. */
export async function summarizeTable(src: SortedTableSource, top = 10): Promise<TableSummary> {
  const acc = new TableSummarizer(src.header, top);
  for await (const b of src.sorted()) acc.add(b);
  return acc.result();
}
