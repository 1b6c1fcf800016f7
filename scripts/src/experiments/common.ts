/**
 * What an experiment returns: a title, a JSON summary (printed with --json
 * and written as summary.json) and report sections with tables and figures,
 * which `render.ts` turns into SVG/PNG plots and report.md/report.html.
 */
import { chiSquareSurvival } from '@fsbayes/core';

/** One named line or point cloud of a figure. */
export interface Series {
  name: string;
  x: number[];
  y: number[];
}

/** A figure, described as data; rendered by the compare package's plots. */
export type FigureSpec =
  | {
      name: string;
      kind: 'line' | 'scatter';
      title: string;
      xLabel: string;
      yLabel: string;
      logX?: boolean;
      logY?: boolean;
      /** Draw y = x (P-vs-P plots). */
      diagonal?: boolean;
      series: Series[];
    }
  | {
      name: string;
      kind: 'histogram';
      title: string;
      xLabel: string;
      yLabel: string;
      /** Bin edges (length = values + 1) and one value list per series. */
      edges: number[];
      series: { name: string; values: number[] }[];
    }
  | {
      name: string;
      kind: 'heatmap';
      title: string;
      xLabel: string;
      yLabel: string;
      xEdges: number[];
      yEdges: number[];
      /** Row-major [y][x]. */
      values: number[][];
      diagonal?: boolean;
    };

export interface SectionSpec {
  heading: string;
  text?: string;
  table?: { columns: string[]; rows: (string | number | null)[][] };
  figures?: FigureSpec[];
}

export interface ExperimentResult {
  title: string;
  summary: Record<string, unknown>;
  sections: SectionSpec[];
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
