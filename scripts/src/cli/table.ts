/**
 * Function-table outputs of the commands that count functions (`functions`,
 * `sample --mode prior`, `merge`): the format (Arrow IPC for any size, JSON
 * and CSV as exports of small tables), the table's memory budget, where it
 * spills (beside --out, in a folder of its own that never outlives the run),
 * and the writing of the files together, as streams.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  ArrowTableWriter,
  arrowTableSource,
  type ColumnarTableOptions,
  type CountHistogram,
  checkMemory,
  countHistogram,
  type FileToStream,
  FsbayesError,
  FUNCTION_TABLE_MAX_DISTINCT,
  formatBytes,
  functionTableSource,
  isProcessAlive,
  readArrowTableHeader,
  readTableSync,
  type SortedTableSource,
  TableSummarizer,
  type TableSummary,
  writeTableCsvTo,
  writeTableJsonTo,
  writeTextFile,
} from '@fsbayes/core';
import type { Options } from 'yargs';

/** The flags of a table output. */
export const TABLE_OPTIONS = {
  format: {
    type: 'string',
    choices: ['json', 'arrow'],
    describe: `format of the --out table: arrow (Apache Arrow IPC: any size, streamed; pandas.read_feather and polars read it) or json (small tables, at most ${FUNCTION_TABLE_MAX_DISTINCT.toLocaleString('en')} functions); default: arrow when --out ends in .arrow, else json`,
  },
  'table-memory': {
    type: 'string',
    describe:
      'memory for counting functions, e.g. 512MiB or 8GiB (default 2GiB, less on small machines); beyond it sorted runs spill to disk beside --out (removed at the end)',
  },
} as const satisfies Record<string, Options>;

export interface TableArgs {
  format?: 'json' | 'arrow';
  'table-memory'?: string;
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A byte count as people write it: `1073741824`, `512MiB`, `2GiB`, `1.5GB` (KB/MB/GB decimal; K/KiB… binary). */
export function parseByteSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase() || 'b'] : undefined;
  if (!m || unit === undefined)
    throw new FsbayesError(
      `${flag} must be a size such as 512MiB, 2GiB or 1500000000 (bytes), got ${JSON.stringify(text)}`,
    );
  return Math.floor(Number(m[1]) * unit);
}

/** The smallest budget accepted (a few hundred functions in memory: tests make tables spill with it). */
const LEAST_BUDGET = 1 << 12;
const DEFAULT_BUDGET = 2 ** 31;

/**
 * The table's memory budget: --table-memory, checked against this
 * machine's memory before any compute, or the default (2 GiB, within what
 * the machine allows).
 */
export function tableMemory(a: TableArgs): number {
  const flag = a['table-memory'];
  if (flag === undefined) {
    for (let b = DEFAULT_BUDGET; ; b /= 2) {
      try {
        checkMemory('the function table', [{ what: 'its in-memory part', bytes: b, pool: 'native' }]);
        return b;
      } catch (e) {
        if (b <= 2 ** 26) throw e;
      }
    }
  }
  const bytes = parseByteSize(flag, '--table-memory');
  if (bytes < LEAST_BUDGET)
    throw new FsbayesError(`--table-memory must be at least ${formatBytes(LEAST_BUDGET)}, got ${flag}`);
  checkMemory(`--table-memory ${flag}`, [{ what: 'the function table in memory', bytes, pool: 'native' }]);
  return bytes;
}

/** The format of the table at --out: --format, else by its extension. */
export function tableFormat(a: TableArgs & { out?: string }): 'json' | 'arrow' {
  return a.format ?? (a.out && /\.(arrow|feather|ipc)$/i.test(a.out) ? 'arrow' : 'json');
}

/**
 * Refuse, before any compute, JSON/CSV exports of a run that may find more
 * functions than such a file holds (`nets` bounds the distinct count).
 */
export function checkExportSize(a: TableArgs & { out?: string; 'csv-out'?: string }, nets: number, what: string): void {
  if (nets <= FUNCTION_TABLE_MAX_DISTINCT) return;
  const flag =
    a.out && tableFormat(a) === 'json' ? `--out ${a.out}` : a['csv-out'] ? `--csv-out ${a['csv-out']}` : null;
  if (flag)
    throw new FsbayesError(
      `${flag}: ${nets.toLocaleString('en')} ${what} may find more functions than a JSON/CSV table holds (${FUNCTION_TABLE_MAX_DISTINCT.toLocaleString('en')}); write the table as Arrow (--out table.arrow, or --format arrow); \`fsbayes merge table.arrow --out small.json\` exports a small one`,
    );
}

const SPILL = /^(.+)\.spill-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Where a table written to `out` spills: a fresh folder `<out>.spill-<pid>-XXXXXX`
 * beside it (removed when the table closes, or at exit), or the OS temporary
 * folder without --out. Spill folders of runs killed outright are removed first.
 */
export function spillOptions(out: string | undefined, memoryBytes: number): ColumnarTableOptions {
  if (!out) return { memoryBytes };
  removeStaleSpills(out);
  return { memoryBytes, tmpDir: dirname(out), tmpPrefix: `${basename(out)}.spill-${process.pid}-` };
}

/** Remove `<out>.spill-<pid>-*` folders of dead processes that hold only run files. */
function removeStaleSpills(out: string): void {
  const dir = dirname(out);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = SPILL.exec(name);
    if (!m || m[1] !== basename(out) || isProcessAlive(Number(m[2]))) continue;
    const p = join(dir, name);
    try {
      if (lstatSync(p).isDirectory() && readdirSync(p).every((f) => /^run-\d+\.bin$/.test(f)))
        rmSync(p, { recursive: true, force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/** Which files a table goes to: `out` in `format`, and `csv` as CSV. */
export interface TableTargets {
  out?: string;
  format: 'json' | 'arrow';
  csv?: string;
}

/**
 * The streams that write a table to its targets (to pass to `writeOutputStreams`),
 * and its summary (distinct, P(T), test error, entropy, top functions),
 * gathered on the way (a pass of its own when nothing is written as Arrow).
 */
export function tableStreams(
  src: SortedTableSource,
  t: TableTargets,
  top = 10,
): { files: FileToStream[]; summary: () => Promise<TableSummary> } {
  let hist: CountHistogram | null = null;
  const histogram = async () => {
    hist ??= await countHistogram(src);
    return hist;
  };
  let summary: TableSummary | null = null;
  const files: FileToStream[] = [];
  if (t.out && t.format === 'arrow') {
    files.push({
      path: t.out,
      write: async (tmp) => {
        const acc = new TableSummarizer(src.header, top);
        const w = ArrowTableWriter.create(tmp, src.header, { direct: true });
        try {
          for await (const b of src.sorted()) {
            acc.add(b);
            w.write(b);
          }
        } catch (err) {
          w.abort();
          throw err;
        }
        w.close();
        summary = acc.result();
      },
    });
  }
  if (t.out && t.format === 'json')
    files.push({
      path: t.out,
      write: async (tmp) => writeTextFile(tmp, async (sink) => writeTableJsonTo(sink, src, await histogram())),
    });
  if (t.csv) {
    const csv = t.csv;
    files.push({
      path: csv,
      write: async (tmp) => writeTextFile(tmp, async (sink) => writeTableCsvTo(sink, src, await histogram())),
    });
  }
  return {
    files,
    summary: async () => {
      if (summary) return summary;
      const acc = new TableSummarizer(src.header, top);
      for await (const b of src.sorted()) acc.add(b);
      summary = acc.result();
      return summary;
    },
  };
}

/** Whether `path` is an Arrow IPC file (its magic bytes), not a JSON table. */
export function isArrowFile(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(6);
    return readSync(fd, head, 0, 6, 0) === 6 && head.toString('latin1') === 'ARROW1';
  } catch {
    return false; // unreadable: the JSON reader names the problem
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** A table file, Arrow (streamed) or JSON (read whole: small), as a source. Errors name the file. */
export async function openTableSource(path: string): Promise<SortedTableSource> {
  if (isArrowFile(path)) return arrowTableSource(path);
  return functionTableSource(readTableSync(path));
}

/** At most how many functions an Arrow table file holds (its size over the bytes of one row): known without reading rows. */
export async function arrowRowsBound(path: string): Promise<number> {
  const h = await readArrowTableHeader(path);
  const rowBytes = ((h.m + 7) >>> 3) + 8 + 4 + (h.labels === null ? 0 : 4);
  return Math.floor(statSync(path).size / rowBytes);
}
