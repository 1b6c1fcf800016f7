/**
 * What an experiment returns: a title, a JSON summary (printed with --json
 * and written as summary.json) and report sections with tables and figures
 * (the compare package's), which `render.ts` writes as report.md,
 * report.html and SVG/PNG plots.
 */
import type { ReportSection } from '@fsbayes/compare';

/** What an experiment returns: title, intro, the JSON summary and the report sections. */
export interface ExperimentResult {
  title: string;
  intro?: string;
  summary: Record<string, unknown>;
  sections: ReportSection[];
}

/** A number for a table cell: null for NaN/±∞/missing. */
export function num(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}
