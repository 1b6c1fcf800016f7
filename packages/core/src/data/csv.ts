/**
 * Numeric CSV files: one point per row, one column of labels.
 *
 * Format: RFC 4180 CSV read by csv-parse: comma-separated, fields may be
 * double-quoted (a quoted field may hold commas, newlines and "" for a
 * quote), LF or CRLF line ends, a UTF-8 byte-order mark is dropped; cells
 * are trimmed; blank lines are skipped. Every data cell must be a finite
 * decimal number (`1`, `-0.5`, `2e-3`, also quoted; no hex, NaN or
 * Infinity, nor `1e400`, which overflows float64). Header cells may be
 * anything. Line numbers in errors count every line of the file from 1 (a
 * record spanning lines is named by its last line); column numbers count from 1.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseCsvText } from 'csv-parse/sync';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { binarizeDigits, checkBinarize } from './transform.js';
import type { Dataset, DigitBinarize } from './types.js';

/**
 * How raw label values become 0/1:
 * - absent: labels must all be 0/1, or all ±1 (−1 ↦ 0, +1 ↦ 1);
 * - `{ threshold: t }`: 1 iff value ≥ t (any number allowed);
 * - `'threshold'` / `'oddeven'`: digit rules for integer class labels 0..255
 *   (1 iff ≥ 5 / 1 iff odd); the classes are kept in `classes`.
 */
export type CsvBinarize = { threshold: number } | DigitBinarize;

/** Options of {@link loadCsv} / {@link parseCsv}. */
export interface CsvOptions {
  /** The label column: a 0-based index (negative counts from the end, −1 = last) or a header name. Default: last. */
  labelColumn?: number | string;
  /**
   * Whether the first non-blank line is a header; `'auto'` (default): yes iff one of its cells is
   * non-empty and not a number (so a header of numbers only must be forced with `true`).
   */
  header?: 'auto' | boolean;
  /** Label rule (see {@link CsvBinarize}); default: labels must be 0/1 or ±1. */
  binarize?: CsvBinarize;
  /** Dataset name, default the file name (or `'csv'` for {@link parseCsv}). */
  name?: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function checkOptions(opts: unknown): void {
  if (opts === null || typeof opts !== 'object')
    throw new FsbayesError(`CSV options must be an object, got ${show(opts)}`);
}

/** The non-blank records of CSV text with the line each ends on; csv-parse's errors become FsbayesErrors naming the line. */
function csvRecords(text: string, source: string): { line: number; cells: string[] }[] {
  let out: { record: string[]; info: { lines: number } }[];
  try {
    out = parseCsvText(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const err = e as { message: string; lines?: number };
    throw new FsbayesError(`${source}: not valid CSV${err.lines ? ` (line ${err.lines})` : ''}: ${err.message}`, {
      cause: e,
    });
  }
  return out.filter((r) => !r.record.every((c) => c === '')).map((r) => ({ line: r.info.lines, cells: r.record }));
}

/**
 * Parse CSV text (rules in the module doc) into a dataset with shape [d],
 * d = columns − 1. `source` names the text in errors (a file path).
 */
export function parseCsv(text: string, opts: CsvOptions = {}, source = 'csv'): Dataset {
  if (typeof text !== 'string') throw new FsbayesError(`${source}: CSV text must be a string, got ${show(text)}`);
  checkOptions(opts);
  const headerOpt = opts.header ?? 'auto';
  if (headerOpt !== 'auto' && headerOpt !== true && headerOpt !== false) {
    throw new FsbayesError(`header must be 'auto', true or false, got ${show(headerOpt)}`);
  }
  const rows = csvRecords(text, source);
  if (rows.length === 0) throw new FsbayesError(`${source}: empty file (no non-blank lines)`);

  const first = rows[0];
  const hasHeader = headerOpt === 'auto' ? first.cells.some((c) => c !== '' && !NUMBER.test(c)) : headerOpt;
  const names = hasHeader ? first.cells : null;
  const data = hasHeader ? rows.slice(1) : rows;
  const cols = first.cells.length;
  if (data.length === 0) throw new FsbayesError(`${source}: no data rows after the header on line ${first.line}`);
  if (cols < 2)
    throw new FsbayesError(`${source}: line ${first.line} has 1 column; need at least one input and one label`);

  // Label column.
  let labelCol: number;
  const lc = opts.labelColumn ?? -1;
  if (typeof lc === 'string') {
    if (!names) throw new FsbayesError(`${source}: labelColumn ${show(lc)} is a name but the file has no header`);
    labelCol = names.indexOf(lc);
    if (labelCol < 0) {
      throw new FsbayesError(`${source}: labelColumn: no column named ${show(lc)}; the header has ${names.join(', ')}`);
    }
    const again = names.indexOf(lc, labelCol + 1);
    if (again >= 0) {
      throw new FsbayesError(
        `${source}: the header names column ${show(lc)} twice (columns ${labelCol + 1} and ${again + 1}); ` +
          'give the label column by index',
      );
    }
  } else {
    if (!Number.isInteger(lc) || lc < -cols || lc >= cols) {
      throw new FsbayesError(
        `${source}: labelColumn ${show(lc)} is out of range for ${cols} columns (use 0..${cols - 1} or -1..-${cols})`,
      );
    }
    labelCol = lc < 0 ? cols + lc : lc;
  }

  const m = data.length;
  const d = cols - 1;
  const inputs = new Float64Array(m * d);
  const raw = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const { line, cells } = data[i];
    if (cells.length !== cols) {
      throw new FsbayesError(
        `${source}: line ${line} has ${cells.length} columns but line ${first.line} has ${cols}${hasHeader ? ' (the header)' : ''}`,
      );
    }
    for (let j = 0, k = 0; j < cols; j++) {
      const c = cells[j];
      if (!NUMBER.test(c)) {
        throw new FsbayesError(`${source}: line ${line}, column ${j + 1}: ${show(c)} is not a number`);
      }
      const v = Number(c);
      if (!Number.isFinite(v)) {
        throw new FsbayesError(
          `${source}: line ${line}, column ${j + 1}: ${show(c)} is out of range (it reads as ${v}); values must be finite`,
        );
      }
      if (j === labelCol) raw[i] = v;
      else inputs[i * d + k++] = v;
    }
  }

  const { labels, classes, rule } = csvLabels(raw, data, labelCol, opts.binarize, source);
  const ds: Dataset = {
    name: opts.name ?? 'csv',
    inputs,
    labels,
    m,
    d,
    shape: [d],
    meta: {
      source: 'csv',
      file: source,
      header: hasHeader,
      labelColumn: labelCol,
      labelName: names ? names[labelCol] : null,
      columns: names ? names.filter((_, j) => j !== labelCol) : null,
      labels: rule,
    },
  };
  if (classes) ds.classes = classes;
  return ds;
}

function csvLabels(
  raw: Float64Array,
  data: { line: number }[],
  col: number,
  binarize: CsvBinarize | undefined,
  source: string,
): { labels: Uint8Array; classes?: Uint8Array; rule: unknown } {
  const m = raw.length;
  const labels = new Uint8Array(m);
  const at = (i: number) => `${source}: line ${data[i].line}, column ${col + 1}`;
  if (binarize === undefined) {
    let zeroAt = -1;
    let minusAt = -1;
    for (let i = 0; i < m; i++) {
      const v = raw[i];
      if (v === 1) labels[i] = 1;
      else if (v === 0) zeroAt = zeroAt < 0 ? i : zeroAt;
      else if (v === -1) minusAt = minusAt < 0 ? i : minusAt;
      else {
        throw new FsbayesError(
          `${at(i)}: label ${v} is not 0/1 (or ±1); give a binarize rule (e.g. { threshold: t }) to map other values`,
        );
      }
    }
    if (zeroAt >= 0 && minusAt >= 0) {
      throw new FsbayesError(
        `${source}: labels mix 0/1 and ±1 encodings (0 on line ${data[zeroAt].line}, -1 on line ${data[minusAt].line})`,
      );
    }
    return { labels, rule: minusAt >= 0 ? 'pm1' : '01' };
  }
  if (typeof binarize === 'object' && binarize !== null) {
    const t = binarize.threshold;
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new FsbayesError(`binarize threshold must be a finite number, got ${show(t)}`);
    }
    for (let i = 0; i < m; i++) labels[i] = raw[i] >= t ? 1 : 0;
    return { labels, rule: { threshold: t } };
  }
  const rule = checkBinarize(binarize);
  const classes = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const v = raw[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new FsbayesError(`${at(i)}: class label ${v} is not an integer in 0..255, needed by binarize '${rule}'`);
    }
    classes[i] = v;
  }
  return { labels: binarizeDigits(classes, rule), classes, rule };
}

/** Read and parse a CSV file (see {@link parseCsv}); errors name the file. */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  // A number would be read as a file descriptor.
  if (typeof path !== 'string' || path === '')
    throw new FsbayesError(`CSV path must be a non-empty string, got ${show(path)}`);
  checkOptions(opts);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FsbayesError(`${path}: cannot read: ${(e as Error).message}`, { kind: 'io', cause: e });
  }
  return parseCsv(text, { ...opts, name: opts.name ?? basename(path) }, path);
}
