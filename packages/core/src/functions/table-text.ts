/**
 * A function table as text for a console or a notebook: a line saying what
 * it holds, then its most frequent functions in aligned columns. What
 * `console.log(table)` prints (through `Symbol.for('nodejs.util.inspect.custom')`,
 * which Node's inspect and Deno's console both honour).
 */
import { FsbayesError } from '../errors/index.js';
import type { FunctionTable } from './table.js';

/** The registry symbol Node's `util.inspect` calls for an object's own text (no `node:util` import needed). */
export const INSPECT_CUSTOM: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Keys longer than this are cut, with '…': a row must fit a notebook's width. */
const KEY_CHARS = 32;

/** A count with thousands separators, written the same everywhere (no locale). */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The text of `table`: a summary line, then its `rows` most frequent functions. */
export function functionTableText(table: FunctionTable, rows = 10): string {
  if (!Number.isSafeInteger(rows) || rows < 0)
    throw new FsbayesError(`FunctionTable.toText: rows must be a non-negative integer, got ${rows}`);
  const total = table.total;
  const err = total > 0 ? table.meanTestError() : null;
  const head = `FunctionTable: ${grouped(total)} functions counted, ${grouped(table.distinct)} distinct, on |E| = ${table.m} points${err === null ? '' : `; mean test error ${err.toFixed(4)}`}`;
  if (total === 0) return head;
  const shown = table.entries().slice(0, rows);
  const cells = [
    ['#', 'count', 'P(f)', 'errors', 'ones', 'key'],
    ...shown.map((e, i) => [
      String(i + 1),
      grouped(e.count),
      (e.count / total).toPrecision(4),
      e.errors === null ? '–' : String(e.errors),
      String(e.ones),
      `0x${e.key.length > KEY_CHARS ? `${e.key.slice(0, KEY_CHARS)}…` : e.key}`,
    ]),
  ];
  const width = cells[0].map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  // Numbers right-aligned, the key left-aligned.
  const lines = cells.map((r) =>
    r
      .map((c, j) => (j === r.length - 1 ? c : c.padStart(width[j])))
      .join('  ')
      .trimEnd(),
  );
  const more =
    table.distinct > shown.length
      ? `(the ${shown.length} most frequent of ${grouped(table.distinct)}; entries() lists all)`
      : null;
  return [head, ...lines, ...(more ? [more] : [])].join('\n');
}
