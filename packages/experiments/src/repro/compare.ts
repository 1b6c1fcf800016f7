/**
 * The comparison step shared by the experiments: sources → metrics (with
 * bootstrap intervals), the joint table, and the figures the papers draw
 * (compare's pair plots: P vs P on log axes with the diagonal, a function
 * one table never saw at that table's floor 1/N as the authors plot, and the
 * row-normalised 2-D histogram of the log-probabilities), rank plots and
 * test-error histograms.
 */
import {
  type Comparison,
  compareSources,
  type JointRow,
  jointCSV,
  jointTable,
  pairPlots,
  pairTable,
  type ReportFigure,
  type ReportSection,
  rankFigure,
  type Source,
  scatterPlot,
  subscriptName,
  testErrorFigure,
} from '@fsbayes/compare';
import type { FunctionTable, PbFile } from '@fsbayes/core';
import { type ExperimentContext, writeJson, writeText } from './context.js';
import type { SgdOutcome } from './routes.js';

export interface CompareStep {
  comparison: Comparison;
  rows: JointRow[];
  section: ReportSection;
}

/** Bins per axis of the experiments' 2-D histograms (their tables hold hundreds of functions, not thousands). */
const PAIR_BINS = 12;

/** Metrics of every pair; figures of the pairs in `plotPairs` ([i, j]: source i on x); files prefixed `prefix`. */
export function compareStep(
  ctx: ExperimentContext,
  prefix: string,
  title: string,
  sources: Source[],
  plotPairs: [number, number][],
  o: { bootstrap: number; minCount?: number },
): CompareStep {
  const comparison = compareSources(sources, { bootstrap: o.bootstrap, seed: ctx.seed, minCount: o.minCount ?? 5 });
  const rows = jointTable(sources);
  writeText(ctx, `${prefix}joint.csv`, jointCSV(sources, rows, sources[0].m));
  writeJson(ctx, `${prefix}metrics.json`, comparison);
  // pairPlots(a, b) draws P under a (y) against P under b (x).
  const figures: ReportFigure[] = [];
  const notes: string[] = [];
  for (const [i, j] of plotPairs) {
    const stats = comparison.pairs.find(
      (p) =>
        (p.a === sources[j].name && p.b === sources[i].name) || (p.a === sources[i].name && p.b === sources[j].name),
    );
    const plots = pairPlots(sources[j], sources[i], { bins: PAIR_BINS, stats });
    figures.push(...plots.figures.map((f) => ({ ...f, name: `${prefix}${f.name}` })));
    notes.push(...plots.omitted);
  }
  figures.push({ name: `${prefix}rank`, figure: rankFigure(sources, 'Probability against rank') });
  const te = testErrorFigure(sources, 'Test error on E under each distribution');
  if (te) figures.push({ name: `${prefix}test-error`, figure: te });
  const opts = comparison.options;
  const section: ReportSection = {
    title,
    text: `Correlations over functions with P > 0 on both sides and seen ≥ ${opts.minCount} times by each table (n); KL smooths unseen functions with a pseudo-count of ${opts.alpha}. Every statistic is shown with its ${opts.level * 100}% bootstrap interval (${opts.bootstrap} resamples of each table; P_B is not resampled); the intervals' bias is in ${prefix}metrics.json, every function in ${prefix}joint.csv.`,
    tables: [pairTable(comparison, sources)],
    notes,
    figures,
  };
  return { comparison, rows, section };
}

/** The headline metrics of every pair (no intervals), for summary.json. */
export function pairSummaries(c: Comparison) {
  return c.pairs.map(({ a, b, n, pearsonLog, spearman, kl, js, tv, hellinger, topMassOverlap }) => ({
    a,
    b,
    n,
    pearsonLog,
    spearman,
    kl,
    js,
    tv,
    hellinger,
    topMassOverlap,
  }));
}

/** Rank (1 = most probable) under a P_B file of the table's most frequent function; 0 if P_B lacks it. */
export function rankUnderPb(table: FunctionTable, pb: PbFile): number {
  const top = table.entries()[0].key;
  return [...pb.functions].sort((a, b) => b.logPB - a.logPB).findIndex((f) => f.key === top) + 1;
}

/** The SGD block of a summary. */
export function sgdSummary(sgd: SgdOutcome) {
  const { runs, fitted, notFitted, meanEpochs, meanTestError } = sgd;
  return { runs, fitted, notFitted, distinct: sgd.table.distinct, meanEpochs, meanTestError };
}

/** Scatter of each table's P against P_B, for the functions the P_B file lists (one series per table). */
export function tablesVsPb(
  title: string,
  xLabel: string,
  yLabel: string,
  pb: PbFile,
  tables: { name: string; table: FunctionTable }[],
) {
  const pbOf = new Map(pb.functions.map((f) => [f.key, Math.exp(f.logPB)]));
  const shown = new Set(tables.flatMap((t) => t.table.entries().map((e) => e.key)));
  let mass = 0;
  for (const f of pb.functions) if (shown.has(f.key)) mass += Math.exp(f.logPB);
  return scatterPlot({
    title,
    notes: [
      `Σ ${subscriptName('P_B')} over the functions shown = ${mass.toPrecision(3)} (the P_B file lists ${pb.functions.length}, Σ = ${pb.massCovered.toPrecision(3)})`,
    ],
    x: { label: xLabel, log: true },
    y: { label: yLabel, log: true },
    diagonal: true,
    series: tables.map((t) => ({
      name: t.name,
      radius: 2.5,
      points: t.table
        .entries()
        .filter((e) => pbOf.has(e.key))
        .map((e): [number, number] => [pbOf.get(e.key) as number, e.count / t.table.total]),
    })),
  });
}
