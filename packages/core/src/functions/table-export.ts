/**
 * The JSON and CSV exports of a table read as a stream (a ColumnarTable or
 * an Arrow file): the same bytes as `tableText(t)` and `t.toCSV()` of the
 * FunctionTable with those counts, written piece by piece (no string of the
 * whole file, no Map). Refused, before anything is written, above
 * FUNCTION_TABLE_MAX_DISTINCT functions: no FunctionTable could read such a
 * file back; keep those tables in Arrow.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { FsbayesError } from '../errors/index.js';
import { FUNCTION_TABLE_MAX_DISTINCT } from './columnar-table.js';
import { csvBitsCell, csvKeyCell } from './csv-cells.js';
import { discardFile } from './io.js';
import { FUNCTION_TABLE_FORMAT, FUNCTION_TABLE_FORMAT_VERSION, type FunctionTableJSON } from './table.js';
import { type CountHistogram, countHistogram, countOrder, EntryStats, type SortedTableSource } from './table-source.js';

/** Bytes gathered before a write(2). */
const CHUNK = 1 << 20;

/** Text written to a new file in pieces; {@link close} fsyncs it. */
export class TextFileSink {
  private fd: number | null;
  private parts: string[] = [];
  private size = 0;

  /** Open a new file at `path` (it must not exist). */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx');
  }

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.fd === null || this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.parts = [];
    this.size = 0;
  }

  /** Write out the rest, fsync and close. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }

  /** Close and remove the file. */
  abort(): void {
    this.fd = discardFile(this.fd, this.path);
  }
}

/** Write a new text file at `path` through `fill`; on any error the file is removed. */
export async function writeTextFile(path: string, fill: (sink: TextFileSink) => Promise<void>): Promise<void> {
  const sink = new TextFileSink(path);
  try {
    await fill(sink);
    sink.close();
  } catch (err) {
    sink.abort();
    throw err;
  }
}

/** Refuse a JSON/CSV export of more functions than a FunctionTable holds. */
export function checkExportable(distinct: number, what: string): void {
  if (distinct > FUNCTION_TABLE_MAX_DISTINCT) {
    throw new FsbayesError(
      `${what}: the table has ${distinct.toLocaleString('en')} distinct functions, more than a JSON/CSV table holds (${FUNCTION_TABLE_MAX_DISTINCT.toLocaleString('en')}, what a FunctionTable reads back); write it as Arrow (.arrow, --format arrow)`,
      { kind: 'resource' },
    );
  }
}

/** The entries of `src` in FunctionTable order, one at a time. */
async function* entries(src: SortedTableSource, hist: CountHistogram) {
  const st = new EntryStats(src.header);
  for await (const b of countOrder(src, hist)) for (let r = 0; r < b.length; r++) yield st.entry(b, r);
}

/**
 * The table's JSON (`tableText` bytes: one line, then a newline) into
 * `sink`. `hist` saves a pass when known.
 */
export async function writeTableJsonTo(
  sink: TextFileSink,
  src: SortedTableSource,
  hist?: CountHistogram,
): Promise<void> {
  const h = hist ?? (await countHistogram(src));
  checkExportable(h.distinct, sink.path);
  const head: FunctionTableJSON = {
    format: FUNCTION_TABLE_FORMAT,
    formatVersion: FUNCTION_TABLE_FORMAT_VERSION,
    m: src.header.m,
    labels: src.header.labels === null ? null : Array.from(src.header.labels, (b) => (b ? '1' : '0')).join(''),
    total: h.total,
    distinct: h.distinct,
    provenance: src.header.provenance,
    functions: [],
  };
  const text = JSON.stringify(head);
  sink.write(text.slice(0, text.length - 2)); // up to and including "functions":[
  let first = true;
  for await (const e of entries(src, h)) {
    sink.write(first ? JSON.stringify(e) : `,${JSON.stringify(e)}`);
    first = false;
  }
  sink.write(']}\n');
}

/** The table's CSV (`FunctionTable.toCSV` bytes) into `sink`. */
export async function writeTableCsvTo(
  sink: TextFileSink,
  src: SortedTableSource,
  hist?: CountHistogram,
): Promise<void> {
  const h = hist ?? (await countHistogram(src));
  checkExportable(h.distinct, sink.path);
  const m = src.header.m;
  sink.write('key,bits,count,probability,errors,ones\n');
  for await (const e of entries(src, h)) {
    sink.write(
      `${csvKeyCell(e.key)},${csvBitsCell(e.key, m)},${e.count},${e.count / h.total},${e.errors ?? ''},${e.ones}\n`,
    );
  }
}
