/**
 * Reports: a folder with report.md (figures linked as PNG), a
 * self-contained report.html (figures inlined as SVG), each figure as
 * NAME.svg and NAME.png, and any extra files (metrics.json, CSV). Generic:
 * experiment scripts describe sections of text, tables and figures.
 *
 * Every file is rendered first, then written atomically (no half-written
 * file). For a folder that appears whole or not at all, write into a
 * staging folder and swap it in: core's `prepareOutputs(…).writeFolder`
 * does both, as `fsbayes compare --out` and `fsbayes repro` do.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FsbayesError, writeFileAtomicSync } from '@fsbayes/core';
import type { Figure } from '../plots/scene.js';
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

/** A figure in a report, written as NAME.svg and NAME.png. */
export interface ReportFigure {
  /** File stem: letters, digits, '-', '_' and '.'. */
  name: string;
  figure: Figure;
  caption?: string;
}

/** A section: a heading, then paragraphs, tables and figures in that order. */
export interface ReportSection {
  title: string;
  /** Paragraphs separated by blank lines; `code` spans are kept. */
  text?: string;
  /**
   * Why numbers of this section are not to be trusted (EP not converged,
   * jitter, a degenerate kernel, …): shown right under the text, before the
   * tables and figures, each as a marked warning.
   */
  warnings?: string[];
  tables?: ReportTable[];
  /** Lines shown before the figures: what was left out and why (e.g. an uninformative panel). */
  notes?: string[];
  figures?: ReportFigure[];
}

/** A whole report. */
export interface ReportSpec {
  title: string;
  /** Text under the title. */
  intro?: string;
  sections: ReportSection[];
  /** Extra files written beside the report (e.g. 'metrics.json', 'joint.csv'). */
  files?: Record<string, string | Uint8Array>;
  /** PNG scale (default 2). */
  pngScale?: number;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

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

/** Section anchors: GitHub's heading slugs (lower case, punctuation dropped, spaces to '-'), made unique. */
export function sectionIds(spec: ReportSpec): string[] {
  const used = new Map<string, number>();
  return spec.sections.map((s) => {
    const base =
      s.title
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .trim()
        .replace(/\s/g, '-') || 'section';
    const k = used.get(base) ?? 0;
    used.set(base, k + 1);
    return k === 0 ? base : `${base}-${k}`;
  });
}

/** The Markdown of a report: a table of contents, then the sections (figures as `![caption](NAME.png)`). */
export function renderMarkdown(spec: ReportSpec): string {
  const out: string[] = [`# ${spec.title}`, ''];
  if (spec.intro) out.push(spec.intro.trim(), '');
  const ids = sectionIds(spec);
  if (spec.sections.length > 1) {
    out.push('**Contents**', '');
    spec.sections.forEach((s, i) => {
      out.push(`- [${s.title.replace(/[[\]]/g, '')}](#${ids[i]})`);
    });
    out.push('');
  }
  for (const s of spec.sections) {
    out.push(`## ${s.title}`, '');
    if (s.text) out.push(s.text.trim(), '');
    for (const w of s.warnings ?? []) out.push(`> **Warning:** ${w.replace(/\n/g, ' ')}`, '');
    for (const t of s.tables ?? []) {
      if (t.caption) out.push(`*${t.caption}*`, '');
      const c = tableCells(t);
      out.push(`| ${c.columns.map(mdCell).join(' | ')} |`);
      out.push(`|${c.columns.map(() => '---').join('|')}|`);
      for (const r of c.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
      out.push('');
    }
    for (const note of s.notes ?? []) out.push(`*${note}*`, '');
    for (const f of s.figures ?? []) {
      out.push(`![${f.caption ?? f.name}](${f.name}.png)`, '');
      if (f.caption) out.push(`*${f.caption}* ([SVG](${f.name}.svg))`, '');
    }
  }
  return out.join('\n');
}

/** Escape text for HTML, keeping `code` spans as <code>. */
function htmlText(s: string): string {
  return escapeXml(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

// Figures sit in a grid: one column on narrow screens, two (or more) side by side on wide ones.
const CSS = `body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1500px;margin:2em auto;padding:0 1.5em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
nav.toc{background:#f7f7f7;border:1px solid #e2e2e2;padding:.4em 1.2em;margin:1em 0;display:inline-block}nav.toc ol{margin:.3em 0;padding-left:1.4em}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right;white-space:nowrap}th{white-space:normal;vertical-align:bottom;min-width:4em}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}caption{caption-side:top;text-align:left;font-style:italic;padding:.3em 0}
td.warn{text-align:left;background:#fff4e5;color:#8a3b00;white-space:normal;min-width:16em;max-width:32em}
p.warning{background:#fff4e5;border-left:4px solid #d55e00;padding:.4em .8em}p.note{color:#555;font-style:italic}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,560px),1fr));gap:1.2em 2em;align-items:start}
figure{margin:0}figure svg{width:100%;height:auto;display:block}figcaption{font-size:.9em;color:#444}code{background:#f4f4f4;padding:0 .2em}`;

/** The self-contained HTML of a report (SVGs inlined; no external files). */
export function renderHtml(spec: ReportSpec): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(spec.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${escapeXml(spec.title)}</h1>`,
  ];
  const paras = (t: string) =>
    t
      .trim()
      .split(/\n\s*\n/)
      .map((p) => `<p>${htmlText(p)}</p>`);
  if (spec.intro) out.push(...paras(spec.intro));
  const ids = sectionIds(spec);
  if (spec.sections.length > 1) {
    out.push('<nav class="toc"><strong>Contents</strong><ol>');
    spec.sections.forEach((s, i) => {
      out.push(`<li><a href="#${ids[i]}">${escapeXml(s.title)}</a></li>`);
    });
    out.push('</ol></nav>');
  }
  spec.sections.forEach((s, si) => {
    out.push(`<section id="${ids[si]}">`, `<h2>${escapeXml(s.title)}</h2>`);
    if (s.text) out.push(...paras(s.text));
    for (const w of s.warnings ?? []) out.push(`<p class="warning"><strong>Warning:</strong> ${htmlText(w)}</p>`);
    for (const t of s.tables ?? []) {
      const c = tableCells(t);
      const nWarn = c.columns.length - t.columns.length;
      out.push('<div class="table-wrap"><table>');
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
    }
    for (const note of s.notes ?? []) out.push(`<p class="note">${htmlText(note)}</p>`);
    if (s.figures?.length) {
      out.push('<div class="figures">');
      for (const f of s.figures) {
        const svg = f.figure.toSVG().replace(/^<\?xml[^>]*>\s*/, '');
        out.push(`<figure id="fig-${escapeXml(f.name)}">${svg}`);
        if (f.caption) out.push(`<figcaption>${htmlText(f.caption)}</figcaption>`);
        out.push('</figure>');
      }
      out.push('</div>');
    }
    out.push('</section>');
  });
  out.push('</body></html>', '');
  return out.join('\n');
}

/** Write a figure as DIR/NAME.svg and DIR/NAME.png (each atomically; DIR is created). Returns both paths. */
export async function writeFigure(
  dir: string,
  name: string,
  fig: Figure,
  pngScale = 2,
): Promise<{ svg: string; png: string }> {
  if (!NAME.test(name))
    throw new FsbayesError(`figure name must use letters, digits, '-', '_' and '.', got ${JSON.stringify(name)}`);
  const svg = fig.toSVG();
  const png = await fig.toPNG(pngScale);
  mkdirSync(dir, { recursive: true });
  const paths = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
  writeFileAtomicSync(paths.svg, svg);
  writeFileAtomicSync(paths.png, png);
  return paths;
}

/**
 * Write DIR/report.md, DIR/report.html, every figure (NAME.svg, NAME.png)
 * and every extra file. Everything is rendered in memory first, then each
 * file is written atomically (DIR should be a fresh or staging folder, see
 * the module comment). Returns the paths written.
 */
export async function writeReport(dir: string, spec: ReportSpec): Promise<string[]> {
  const files = new Map<string, string | Uint8Array>();
  const put = (name: string, data: string | Uint8Array) => {
    if (!NAME.test(name))
      throw new FsbayesError(
        `report file name must use letters, digits, '-', '_' and '.', got ${JSON.stringify(name)}`,
      );
    if (files.has(name)) throw new FsbayesError(`report: two files are both named ${JSON.stringify(name)}`);
    files.set(name, data);
  };
  const scale = spec.pngScale ?? 2;
  for (const s of spec.sections) {
    for (const f of s.figures ?? []) {
      put(`${f.name}.svg`, f.figure.toSVG());
      put(`${f.name}.png`, await f.figure.toPNG(scale));
    }
  }
  for (const [name, data] of Object.entries(spec.files ?? {})) put(name, data);
  put('report.md', renderMarkdown(spec));
  put('report.html', renderHtml(spec));
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, data] of files) {
    const p = join(dir, name);
    writeFileAtomicSync(p, data);
    written.push(p);
  }
  return written;
}
