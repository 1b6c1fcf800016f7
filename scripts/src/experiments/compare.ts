/**
 * The comparison step shared by the experiments: sources → metrics, the
 * joint table, and the figures the papers draw (P vs P scatter with the
 * diagonal, the row-normalised 2-D histogram, rank plots, test-error
 * histograms).
 */
import {
  type Comparison,
  compareSources,
  histogram2d,
  type JointRow,
  jointCSV,
  jointTable,
  type Source,
} from '@fsbayes/compare';
import type { FigureSpec, SectionSpec } from './common.js';
import { type ExperimentContext, writeJson, writeText } from './context.js';

export interface CompareStep {
  comparison: Comparison;
  rows: JointRow[];
  figures: FigureSpec[];
  section: SectionSpec;
}

/** Metrics of every pair, with bootstrap intervals; figures of the pairs named in `plotPairs` ([i, j] = source i on x). */
export function compareStep(
  ctx: ExperimentContext,
  prefix: string,
  heading: string,
  sources: Source[],
  plotPairs: [number, number][],
  o: { bootstrap: number; minCount?: number },
): CompareStep {
  const comparison = compareSources(sources, { bootstrap: o.bootstrap, seed: ctx.seed, minCount: o.minCount ?? 5 });
  const rows = jointTable(sources);
  writeText(ctx, `${prefix}joint.csv`, jointCSV(sources, rows, sources[0].m));
  writeJson(ctx, `${prefix}metrics.json`, comparison);
  const figures: FigureSpec[] = [];
  for (const [i, j] of plotPairs) {
    const a = sources[i];
    const b = sources[j];
    // Functions both sides give a probability; a table's unseen function sits at the floor 1/N (as the authors plot).
    const floor = (s: Source) => (s.total ? 1 / s.total : 0);
    const pts = rows
      .map((r) => ({ x: r.p[i], y: r.p[j] }))
      .filter((p) => p.x !== null && p.y !== null && (p.x > 0 || p.y > 0))
      .map((p) => ({ x: Math.max(p.x as number, floor(a)), y: Math.max(p.y as number, floor(b)) }));
    figures.push({
      name: `${prefix}scatter-${a.name}-vs-${b.name}`.replace(/[^A-Za-z0-9_.-]+/g, '_'),
      kind: 'scatter',
      title: `${b.name} against ${a.name}`,
      xLabel: `P (${a.name})`,
      yLabel: `P (${b.name})`,
      logX: true,
      logY: true,
      diagonal: true,
      series: [{ name: 'functions', x: pts.map((p) => p.x), y: pts.map((p) => p.y) }],
    });
    const both = pts.filter((p) => p.x > 0 && p.y > 0);
    if (both.length > 3) {
      const h = histogram2d(
        both.map((p) => Math.log10(p.x)),
        both.map((p) => Math.log10(p.y)),
        { bins: 15, normalize: 'row' },
      );
      figures.push({
        name: `${prefix}hist2d-${a.name}-vs-${b.name}`.replace(/[^A-Za-z0-9_.-]+/g, '_'),
        kind: 'heatmap',
        title: `log10 P (${b.name}) against log10 P (${a.name}), rows normalised`,
        xLabel: `log10 P (${a.name})`,
        yLabel: `log10 P (${b.name})`,
        xEdges: h.xEdges,
        yEdges: h.yEdges,
        values: h.values,
        diagonal: true,
      });
    }
  }
  figures.push({
    name: `${prefix}rank`,
    kind: 'line',
    title: 'Probability against rank',
    xLabel: 'rank',
    yLabel: 'P(f)',
    logX: true,
    logY: true,
    series: sources.map((s) => {
      const p = [...s.logP].map(Math.exp).sort((u, v) => v - u);
      return { name: s.name, x: p.map((_, k) => k + 1), y: p };
    }),
  });
  const m = sources[0].m;
  const edges = Array.from({ length: m + 2 }, (_, k) => k - 0.5).map((e) => e / m);
  figures.push({
    name: `${prefix}test-error`,
    kind: 'histogram',
    title: 'Test error on E under each distribution',
    xLabel: 'test error',
    yLabel: 'probability',
    edges,
    series: sources.map((s) => {
      const v = new Array(m + 1).fill(0);
      let mass = 0;
      s.logP.forEach((lp, k) => {
        const e = s.errors[k];
        if (e !== null) {
          v[e] += Math.exp(lp);
          mass += Math.exp(lp);
        }
      });
      return { name: s.name, values: v.map((x) => (mass > 0 ? x / mass : 0)) };
    }),
  });
  const f = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : x);
  const section: SectionSpec = {
    heading,
    text: `Pairs of distributions over functions on E (correlations over functions with P > 0 on both sides and seen ≥ ${comparison.options.minCount} times by each table; KL smooths unseen functions with a pseudo-count of ${comparison.options.alpha}; ${comparison.options.bootstrap} bootstrap replicates give the 95% intervals in metrics.json).`,
    table: {
      columns: [
        'A',
        'B',
        'n',
        'Pearson log',
        'Spearman',
        'KL(A‖B)',
        'JS',
        'TV',
        'Hellinger',
        `top-${comparison.options.topK} overlap`,
      ],
      rows: comparison.pairs.map((p) => [
        p.a,
        p.b,
        p.n,
        f(p.pearsonLog),
        f(p.spearman),
        f(p.kl),
        f(p.js),
        f(p.tv),
        f(p.hellinger),
        f(p.topMassOverlap),
      ]),
    },
    figures,
  };
  return { comparison, rows, figures, section };
}
