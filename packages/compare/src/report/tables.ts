/**
 * Tables of numbers as reports and notebooks show them: the cells (numbers
 * formatted, a warnings column when any row has warnings), as Markdown, as
 * HTML and as aligned plain text; and `showTable`, which makes a table show
 * itself in Jupyter (HTML) and in console.log (text).
 */
import { INSPECT_CUSTOM, JUPYTER_DISPLAY, type MimeBundle } from '../display.js';
import { escapeXml } from '../plots/svg.js';

/** A table of numbers (or text) in a report. */
export interface ReportTable {
  columns: string[];
  rows: (string | number | null)[][];
  caption?: string;
  /**
   * Per row, why its numbers are not to be trusted: shown in a last
   * "warnings" column beside them (the column appears when any row has one).
   */
  warnings?: (readonly string[] | undefined)[];
}

/** Format a number for a table: integers as they are, others to 4 significant digits; null/NaN as '–'. */
export function formatNumber(v: string | number | null): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Escape text for HTML, keeping `code` spans as <code>. */
export function htmlText(s: string): string {
  return escapeXml(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** A table's header and rows as text cells, with the warnings column when any row has warnings. */
function tableCells(t: ReportTable): { columns: string[]; rows: string[][]; warned: boolean[] } {
  const warned = t.rows.map((_, i) => (t.warnings?.[i]?.length ?? 0) > 0);
  const any = warned.some(Boolean);
  return {
    columns: any ? [...t.columns, 'warnings'] : t.columns,
    rows: t.rows.map((r, i) => {
      const cells = r.map(formatNumber);
      return any ? [...cells, (t.warnings?.[i] ?? []).join('; ')] : cells;
    }),
    warned,
  };
}

/** The Markdown lines of a table: its caption in italics, then a GitHub table. */
export function markdownTableLines(t: ReportTable): string[] {
  const out: string[] = [];
  if (t.caption) out.push(`*${t.caption}*`, '');
  const c = tableCells(t);
  out.push(`| ${c.columns.map(mdCell).join(' | ')} |`);
  out.push(`|${c.columns.map(() => '---').join('|')}|`);
  for (const r of c.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
  return out;
}

/** The HTML lines of a table (classes as report.html styles them: warnings in `td.warn`). */
export function htmlTableLines(t: ReportTable): string[] {
  const c = tableCells(t);
  const nWarn = c.columns.length - t.columns.length;
  const out = ['<div class="table-wrap"><table>'];
  if (t.caption) out.push(`<caption>${htmlText(t.caption)}</caption>`);
  out.push(`<tr>${c.columns.map((h) => `<th>${htmlText(h)}</th>`).join('')}</tr>`);
  c.rows.forEach((r, i) => {
    const cells = r.map((v, j) =>
      nWarn && j === r.length - 1
        ? `<td class="warn">${c.warned[i] ? `⚠ ${htmlText(v)}` : ''}</td>`
        : `<td>${htmlText(v)}</td>`,
    );
    out.push(`<tr>${cells.join('')}</tr>`);
  });
  out.push('</table></div>');
  return out;
}

/**
 * A table as aligned plain text, for a console or a notebook's text output:
 * the caption, then the columns (the first left-aligned, the rest right-aligned),
 * then each row's warnings as a numbered line under the table.
 */
export function tableText(t: ReportTable): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(formatNumber))];
  const n = Math.max(...cells.map((r) => r.length));
  const width = Array.from({ length: n }, (_, j) => Math.max(...cells.map((r) => [...(r[j] ?? '')].length)));
  const pad = (s: string, j: number) => {
    const fill = ' '.repeat(width[j] - [...s].length);
    return j === 0 ? s + fill : fill + s;
  };
  const lines = t.caption ? [t.caption] : [];
  for (const r of cells)
    lines.push(
      Array.from({ length: n }, (_, j) => pad(r[j] ?? '', j))
        .join('  ')
        .trimEnd(),
    );
  t.rows.forEach((_, i) => {
    for (const w of t.warnings?.[i] ?? []) lines.push(`warning (row ${i + 1}): ${w}`);
  });
  return lines.join('\n');
}

/**
 * `table` itself, made to show itself: as an HTML table in Jupyter (Deno's
 * kernel calls `Symbol.for('Jupyter.display')`) and as {@link tableText} in
 * console.log. The two methods are added as non-enumerable properties, so
 * the table's fields, its JSON and its spread copies are unchanged.
 */
export function showTable<T extends ReportTable>(table: T): T {
  Object.defineProperty(table, JUPYTER_DISPLAY, {
    value: (): MimeBundle => ({ 'text/html': htmlTableLines(table).join('\n'), 'text/plain': tableText(table) }),
    configurable: true,
  });
  Object.defineProperty(table, INSPECT_CUSTOM, { value: () => tableText(table), configurable: true });
  return table;
}
