/**
 * What an experiment returns: a title, a JSON summary (printed with --json
 * and written as summary.json) and report sections with tables and figures
 * (the compare package's), which `render.ts` writes as report.md,
 * report.html and SVG/PNG plots.
 */
import type { ReportSection } from '@fsbayes/compare';
import { chiSquareSurvival } from '@fsbayes/core';

export interface ExperimentResult {
  title: string;
  intro?: string;
  summary: Record<string, unknown>;
  sections: ReportSection[];
}

/** χ² test of counts against the uniform distribution over their bins. */
export function chiSquareUniform(counts: number[]): { statistic: number; dof: number; pValue: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  let statistic = 0;
  for (const c of counts) statistic += (c - expected) ** 2 / expected;
  const dof = counts.length - 1;
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof) };
}

/** A number for a table cell: null for NaN/±∞/missing. */
export function num(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}
