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

/** The Markdown of a report (figures as `![caption](NAME.png)`). */
export function renderMarkdown(spec: ReportSpec): string {
  const out: string[] = [`# ${spec.title}`, ''];
  if (spec.intro) out.push(spec.intro.trim(), '');
  for (const s of spec.sections) {
    out.push(`## ${s.title}`, '');
    if (s.text) out.push(s.text.trim(), '');
    for (const w of s.warnings ?? []) out.push(`> **Warning:** ${w.replace(/\n/g, ' ')}`, '');
    for (const t of s.tables ?? []) {
      if (t.caption) out.push(`*${t.caption}*`, '');
      out.push(`| ${t.columns.map(mdCell).join(' | ')} |`);
      out.push(`|${t.columns.map(() => '---').join('|')}|`);
      for (const r of t.rows) out.push(`| ${r.map((v) => mdCell(formatNumber(v))).join(' | ')} |`);
      out.push('');
    }
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

const CSS = `body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}caption{caption-side:top;text-align:left;font-style:italic;padding:.3em 0}
p.warning{background:#fff4e5;border-left:4px solid #d55e00;padding:.4em .8em}
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.9em;color:#444}code{background:#f4f4f4;padding:0 .2em}`;

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
  for (const s of spec.sections) {
    out.push(`<h2>${escapeXml(s.title)}</h2>`);
    if (s.text) out.push(...paras(s.text));
    for (const w of s.warnings ?? []) out.push(`<p class="warning"><strong>Warning:</strong> ${htmlText(w)}</p>`);
    for (const t of s.tables ?? []) {
      out.push('<table>');
      if (t.caption) out.push(`<caption>${htmlText(t.caption)}</caption>`);
      out.push(`<tr>${t.columns.map((c) => `<th>${htmlText(c)}</th>`).join('')}</tr>`);
      for (const r of t.rows) out.push(`<tr>${r.map((v) => `<td>${htmlText(formatNumber(v))}</td>`).join('')}</tr>`);
      out.push('</table>');
    }
    for (const f of s.figures ?? []) {
      const svg = f.figure.toSVG().replace(/^<\?xml[^>]*>\s*/, '');
      out.push(`<figure id="fig-${escapeXml(f.name)}">${svg}`);
      if (f.caption) out.push(`<figcaption>${htmlText(f.caption)}</figcaption>`);
      out.push('</figure>');
    }
  }
  out.push('</body></html>', '');
  return out.join('\n');
}

/** Write a figure as DIR/NAME.svg and DIR/NAME.png (each atomically; DIR is created). Returns both paths. */
export function writeFigure(dir: string, name: string, fig: Figure, pngScale = 2): { svg: string; png: string } {
  if (!NAME.test(name))
    throw new FsbayesError(`figure name must use letters, digits, '-', '_' and '.', got ${JSON.stringify(name)}`);
  const svg = fig.toSVG();
  const png = fig.toPNG(pngScale);
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
export function writeReport(dir: string, spec: ReportSpec): string[] {
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
      put(`${f.name}.png`, f.figure.toPNG(scale));
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
