/**
 * The report of a comparison: tables of every statistic with bootstrap
 * intervals, and the papers' figures (P vs P scatter, row-normalised 2-D
 * histogram, rank plot, test-error and P(T) histograms, P(f) vs K_LZ).
 */
import { bitString, lzComplexity } from '@fsbayes/core';
import { jointCSV, jointTable } from '../joint.js';
import type { Interval } from '../metrics/bootstrap.js';
import type { Comparison, PairResult } from '../metrics/compare.js';
import { checkHistogramBins, type Hist2dNormalize, histogram2d } from '../metrics/hist2d.js';
import {
  heatmapPlot,
  histogramPlot,
  integerEdges,
  lzPlot,
  rankPlot,
  type ScatterSeries,
  scatterPlot,
} from '../plots/charts.js';
import type { Source } from '../sources.js';
import { formatNumber, type ReportFigure, type ReportSection, type ReportSpec, writeReport } from './report.js';

/** Options of {@link compareReport}. */
export interface CompareReportOptions {
  /** Report title (default: the source names joined by "vs"). */
  title?: string;
  /** Bins per axis of the 2-D histograms (default 20). */
  bins?: number;
  /** Normalisation of the 2-D histograms (default 'row', see `histogram2d`). */
  normalize?: Hist2dNormalize;
  /** Most points per scatter / LZ plot: the most probable functions are kept (default 5,000). */
  maxPoints?: number;
  /** Extra files to write beside the report. */
  files?: Record<string, string | Uint8Array>;
}

/** "0.912 [0.88, 0.94]": a value with its interval. */
export function withInterval(v: number | null, ci: Interval | null | undefined): string {
  const s = formatNumber(v);
  // No estimate, no interval: resamples of a statistic undefined on the data say nothing about it.
  if (!ci || ci.finite === 0 || v === null || !Number.isFinite(v)) return s;
  return `${s} [${formatNumber(ci.lo)}, ${formatNumber(ci.hi)}]`;
}

/** A file-name-safe form of a source name. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

/** The functions of a source with their probabilities as given (tables count/total; P_B as in the file). */
function probs(s: Source): Map<string, number> {
  const m = new Map<string, number>();
  s.keys.forEach((k, i) => {
    m.set(k, s.counts ? s.counts[i] / (s.total as number) : Math.exp(s.logP[i]));
  });
  return m;
}

/**
 * The scatter and the 2-D histogram of one pair, x = P under b, y = P under a
 * (so `pairPlots(sgd, pb)` is the papers' P_SGD against P_B), named
 * `scatter-A-vs-B` and `hist2d-A-vs-B`.
 */
export function pairPlots(
  a: Source,
  b: Source,
  options: Pick<CompareReportOptions, 'bins' | 'normalize' | 'maxPoints'> = {},
): ReportFigure[] {
  const o = { bins: options.bins ?? 20, normalize: options.normalize ?? 'row', maxPoints: options.maxPoints ?? 5000 };
  checkHistogramBins(o.bins);
  const pa = probs(a);
  const pb = probs(b);
  // The support as in the metrics: tables are complete, P_B files list only what they know.
  let keys: string[];
  if (a.complete && b.complete) keys = [...new Set([...a.keys, ...b.keys])];
  else if (a.complete) keys = [...b.keys];
  else if (b.complete) keys = [...a.keys];
  else keys = a.keys.filter((k) => pb.has(k));
  keys.sort((k1, k2) => Math.max(pa.get(k2) ?? 0, pb.get(k2) ?? 0) - Math.max(pa.get(k1) ?? 0, pb.get(k1) ?? 0));
  const shown = keys.slice(0, o.maxPoints);
  // Functions one table never saw sit at its floor 1/N, as in the authors' plots.
  const floorA = a.total ? 1 / a.total : 0;
  const floorB = b.total ? 1 / b.total : 0;
  const both: [number, number][] = [];
  const one: [number, number][] = [];
  for (const k of shown) {
    const x = pb.get(k) ?? 0;
    const y = pa.get(k) ?? 0;
    if (x > 0 && y > 0) both.push([x, y]);
    else one.push([x > 0 ? x : floorB, y > 0 ? y : floorA]);
  }
  // Unseen-by-one first, so the functions both saw are drawn on top.
  const series: ScatterSeries[] = [];
  if (one.length) series.push({ name: 'unseen by one (at 1/N)', points: one, color: '#aaaaaa', opacity: 0.8 });
  series.push({ name: 'seen by both', points: both, color: '#0072b2' });
  const id = `${slug(a.name)}-vs-${slug(b.name)}`;
  const capped =
    keys.length > shown.length ? ` The ${shown.length} most probable of ${keys.length} functions are shown.` : '';
  const figs: ReportFigure[] = [
    {
      name: `scatter-${id}`,
      figure: scatterPlot({
        title: `P(f) under ${a.name} vs ${b.name}`,
        x: { label: `P(f) under ${b.name}`, log: true },
        y: { label: `P(f) under ${a.name}`, log: true },
        series,
        diagonal: true,
      }),
      caption: `Each point is a function: its probability under ${b.name} (x) and ${a.name} (y), as each source gives it (tables: frequency; P_B: as computed, not renormalised). Dashed: y = x.${capped}`,
    },
  ];
  const lx = both.map((p) => Math.log10(p[0]));
  const ly = both.map((p) => Math.log10(p[1]));
  if (both.length > 0) {
    const h = histogram2d(lx, ly, { bins: o.bins, normalize: o.normalize });
    const what = o.normalize === 'row' ? 'each row' : o.normalize === 'column' ? 'each column' : 'no';
    figs.push({
      name: `hist2d-${id}`,
      figure: heatmapPlot({
        title: `log P under ${a.name} vs ${b.name} (${o.normalize === 'none' ? 'counts' : `${o.normalize}s normalised`})`,
        x: { label: `P(f) under ${b.name}`, log: true },
        y: { label: `P(f) under ${a.name}`, log: true },
        xEdges: h.xEdges,
        yEdges: h.yEdges,
        values: h.values,
        colorLabel: o.normalize === 'none' ? 'functions' : `fraction of ${o.normalize}`,
        diagonal: true,
      }),
      caption: `2-D histogram of the functions seen by both (Mingard et al. 2021): ${o.bins}×${o.bins} bins of log10 P, ${what} normalised to sum to 1 (rows: bins of P under ${a.name}).`,
    });
  }
  return figs;
}

/** Build the report of a comparison (figures are scenes here; writeReport renders them). */
export function compareReport(
  sources: readonly Source[],
  cmp: Comparison,
  options: CompareReportOptions = {},
): ReportSpec {
  const o = { bins: options.bins ?? 20, normalize: options.normalize ?? 'row', maxPoints: options.maxPoints ?? 5000 };
  checkHistogramBins(o.bins); // before any figure is built
  const opt = cmp.options;
  const boot = opt.bootstrap > 0;
  const ci = (p: PairResult, k: keyof NonNullable<PairResult['ci']>) => withInterval(p[k], p.ci?.[k]);
  const m = sources[0].m;
  const sections: ReportSection[] = [];

  sections.push({
    title: 'Sources',
    text: `All sources are distributions over functions on the same test set E (|E| = ${m}). Tables count nets; P_B files give log P_B(f|S) for the functions they list, whose sum Σ P_B may be below 1.`,
    warnings: sources.flatMap((s) => (s.warnings ?? []).map((w) => `${s.name}: ${w}`)),
    tables: [
      {
        columns: [
          'source',
          'kind',
          'nets',
          'functions',
          'Σ P listed',
          `expected test error${boot ? ` [${opt.level * 100}% CI]` : ''}`,
        ],
        rows: cmp.sources.map((s) => [
          s.name,
          s.kind === 'table' ? 'table' : 'P_B file',
          s.total,
          s.distinct,
          s.massListed,
          withInterval(s.meanTestError, s.meanTestErrorCi),
        ]),
      },
    ],
  });

  const unseenText = {
    smooth: `additive smoothing of every table over the support (pseudo-count α = ${opt.alpha} per function)`,
    common:
      'restriction to the functions both sides saw, each renormalised there (the mass left out is in the last table)',
    strict: 'no smoothing (∞ as soon as one side misses a function the other has)',
  }[opt.unseen];
  sections.push({
    title: 'Pairs',
    text: [
      `Correlations use the functions with P > 0 on both sides that every table saw at least ${opt.minCount} times (n). Pearson's r is of the natural-log probabilities, Spearman's ρ of their ranks (ties averaged).`,
      `Support: two tables are compared on the union of their functions; a table and a P_B file on the functions the P_B file lists (the table's mass elsewhere is dropped and reported); each side is renormalised on the support. JS (nats, ≤ ln 2), TV and Hellinger are exact there, unseen functions included. KL (nats) uses ${unseenText}. Top-k overlap: Σ min(P_a, P_b) over functions in both top-${opt.topK} lists.`,
      boot
        ? `Brackets: ${opt.level * 100}% percentile bootstrap intervals from ${opt.bootstrap} multinomial resamples of each table's nets (seed ${JSON.stringify(opt.seed)}); P_B values are not resampled. Plug-in divergences of sparse tables are biased upwards, and so are their resamples, so an interval can sit above its estimate; metrics.json gives each interval's bootstrap bias (mean of the resamples minus the estimate).`
        : 'No bootstrap (intervals not computed).',
    ].join('\n\n'),
    tables: [
      {
        columns: [
          'a',
          'b',
          'n',
          'Pearson ln P',
          'Spearman',
          'KL(a‖b)',
          'KL(b‖a)',
          'JS',
          'TV',
          'Hellinger',
          `top-${opt.topK} overlap`,
        ],
        rows: cmp.pairs.map((p) => [
          p.a,
          p.b,
          p.n,
          ci(p, 'pearsonLog'),
          ci(p, 'spearman'),
          ci(p, 'kl'),
          ci(p, 'klReverse'),
          ci(p, 'js'),
          ci(p, 'tv'),
          ci(p, 'hellinger'),
          ci(p, 'topMassOverlap'),
        ]),
      },
      {
        caption: 'What each pair was compared on',
        columns: [
          'a',
          'b',
          'support',
          'mass of a unseen by b',
          'mass of b unseen by a',
          'a dropped',
          'b dropped',
          `shared top-${opt.topK}`,
          ...(opt.unseen === 'common' ? ['KL left out of a', 'KL left out of b'] : []),
        ],
        rows: cmp.pairs.map((p) => [
          p.a,
          p.b,
          p.support,
          p.massOnlyA,
          p.massOnlyB,
          p.massDroppedA,
          p.massDroppedB,
          p.topShared,
          ...(opt.unseen === 'common' ? [p.klMassLeftOutA, p.klMassLeftOutB] : []),
        ]),
      },
    ],
  });

  const byName = new Map(sources.map((s) => [s.name, s]));
  for (const p of cmp.pairs) {
    sections.push({
      title: `${p.a} vs ${p.b}`,
      figures: pairPlots(byName.get(p.a) as Source, byName.get(p.b) as Source, o),
    });
  }

  const dists: ReportFigure[] = [
    {
      name: 'rank',
      figure: rankPlot({
        title: 'P(f) against rank',
        series: sources.map((s) => ({ name: s.name, values: [...probs(s).values()] })),
      }),
      caption:
        'Each source’s functions sorted by probability (Valle-Pérez et al. 2019, Fig. 1a). A table cannot show probabilities below 1/N.',
    },
  ];
  const hasErrors = sources.filter((s) => s.errors.every((e) => e !== null));
  if (hasErrors.length) {
    dists.push({
      name: 'test-error',
      figure: histogramPlot({
        title: 'Test error on E',
        x: { label: 'errors on E (of ' + m + ')' },
        series: hasErrors.map((s) => ({ name: s.name, values: s.errors as number[], weights: [...probs(s).values()] })),
        edges: integerEdges(0, m),
      }),
      caption:
        'Probability-weighted histogram of the number of test errors of a function drawn from each source (P_B renormalised over its listed functions).',
    });
  }
  dists.push({
    name: 'p-of-t',
    figure: histogramPlot({
      title: 'P(T): number of ones on E',
      x: { label: 'T = number of 1s on E' },
      series: sources.map((s) => ({ name: s.name, values: s.ones, weights: [...probs(s).values()] })),
      edges: integerEdges(0, m),
    }),
    caption: 'Probability of T, the number of points of E a function labels 1 (Mingard et al. 2019).',
  });
  dists.push({
    name: 'lz',
    figure: lzPlot({
      title: 'P(f) against Lempel–Ziv complexity',
      series: sources.map((s) => {
        const idx = s.keys
          .map((_, i) => i)
          .sort((i, j) => s.logP[j] - s.logP[i])
          .slice(0, o.maxPoints);
        const p = probs(s);
        return {
          name: s.name,
          lz: idx.map((i) => lzComplexity(bitString(s.keys[i], m))),
          p: idx.map((i) => p.get(s.keys[i]) as number),
        };
      }),
    }),
    caption: `Each function's probability against its K_LZ on E (Valle-Pérez et al. 2019): simple functions should be the likely ones. At most the ${o.maxPoints} most probable functions per source.`,
  });
  sections.push({ title: 'Distributions', figures: dists });

  return {
    title: options.title ?? `Comparison: ${sources.map((s) => s.name).join(' vs ')}`,
    intro: `Generated by fsbayes compare. Options: min-count ${opt.minCount}, top-k ${opt.topK}, unseen ${opt.unseen}${opt.unseen === 'smooth' ? ` (α = ${opt.alpha})` : ''}, bootstrap ${opt.bootstrap}${boot ? ` (seed ${JSON.stringify(opt.seed)}, level ${opt.level})` : ''}.`,
    sections,
    files: options.files,
  };
}

/**
 * Write the whole comparison to `dir`: report.md, report.html, the figures,
 * metrics.json (sources, pairs with intervals, options, plus `extra`) and
 * joint.csv (every function under every source). Returns the paths written.
 * What `fsbayes compare --out` does; experiment scripts can call it directly.
 */
export function writeCompareReport(
  dir: string,
  sources: readonly Source[],
  cmp: Comparison,
  options: CompareReportOptions & { extra?: Record<string, unknown> } = {},
): string[] {
  const metrics = { sources: cmp.sources, pairs: cmp.pairs, options: cmp.options, m: sources[0].m, ...options.extra };
  const spec = compareReport(sources, cmp, {
    ...options,
    files: {
      'metrics.json': `${JSON.stringify(metrics, null, 2)}\n`,
      'joint.csv': jointCSV(sources, jointTable(sources), sources[0].m),
      ...options.files,
    },
  });
  return writeReport(dir, spec);
}
