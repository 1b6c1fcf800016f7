/**
 * Write an experiment's result into its folder through the compare
 * package's report writer: summary.json, report.md, a self-contained
 * report.html and every figure as SVG and PNG. Returns the main files,
 * relative to the folder.
 */
import { writeReport } from '@fsbayes/compare';
import type { ExperimentResult } from './common.js';
import type { ExperimentContext } from './context.js';

export function renderExperiment(ctx: ExperimentContext, r: ExperimentResult, seconds: number): Record<string, string> {
  const summary = { experiment: ctx.name, scale: ctx.scale, seed: ctx.seed, seconds, ...r.summary };
  writeReport(ctx.out, {
    title: r.title,
    intro: `${r.intro ? `${r.intro}\n\n` : ''}Scale \`${ctx.scale}\`, seed ${ctx.seed}, ${seconds.toFixed(0)} s. Made by \`fsbayes repro ${ctx.name} --scale ${ctx.scale} --seed ${ctx.seed}\`; the numbers are in summary.json, the tables behind the plots beside it.`,
    sections: r.sections,
    files: { 'summary.json': `${JSON.stringify(summary, null, 2)}\n` },
  });
  return { summary: 'summary.json', report: 'report.md', html: 'report.html' };
}
