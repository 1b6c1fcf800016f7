/**
 * Write an experiment's result into its folder through the compare
 * package's report writer: summary.json, report.md, a self-contained
 * report.html and every figure as SVG and PNG. Wall-clock times go to
 * timings.json only, so the same command gives the same bytes everywhere
 * else. Returns the main files, relative to the folder.
 */
import { writeReport } from '@fsbayes/compare';
import { type ExperimentContext, reproCommand, splitTimings } from './context.js';
import type { ExperimentResult } from './result.js';

export async function renderExperiment(
  ctx: ExperimentContext,
  r: ExperimentResult,
  seconds: number,
): Promise<Record<string, string>> {
  const split = splitTimings({ experiment: ctx.name, scale: ctx.scale, seed: ctx.seed, ...r.summary });
  const parts: Record<string, number> = { ...ctx.timings };
  for (const [k, s] of Object.entries(split.timings)) parts[`summary.json: ${k}`] = s;
  await writeReport(ctx.out, {
    title: r.title,
    intro: `${r.intro ? `${r.intro}\n\n` : ''}Scale \`${ctx.scale}\`, seed ${ctx.seed}. Made by \`${reproCommand(ctx)}\`; the numbers are in summary.json (wall-clock times in timings.json), the tables behind the plots beside it.`,
    sections: r.sections,
    files: {
      'summary.json': `${JSON.stringify(split.value, null, 2)}\n`,
      'timings.json': `${JSON.stringify({ seconds, parts }, null, 2)}\n`,
    },
  });
  return { summary: 'summary.json', report: 'report.md', html: 'report.html', timings: 'timings.json' };
}
