/**
 * The report of a comparison: the headline statistics of every pair with
 * bootstrap intervals first, then the sources, what each pair was compared
 * on, and the papers' figures (P vs P scatter, row-normalised 2-D
 * histogram, rank plot, test-error and P(T) histograms, P(f) vs K_LZ). A
 * figure or table that renormalises a P_B file over its listed functions
 * says how much of the P_B mass those functions hold.
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
import type { Figure } from '../plots/scene.js';
import { subscriptName } from '../plots/text.js';
import type { Source } from '../sources.js';
import {
  formatNumber,
  type ReportFigure,
  type ReportSection,
  type ReportSpec,
  type ReportTable,
  writeReport,
} from './report.js';

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

/** A percentage for notes: 10.8%, 0.31%, 100%. */
function percent(x: number): string {
  const p = 100 * x;
  return `${p >= 99.95 || p < 1 ? Number(p.toPrecision(2)) : p.toFixed(1)}%`;
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
 * The axis label of a source's probability, marked up: `P_{SGD}(f|S)` —
 * conditioned on S when the source is a posterior (a P_B file, or a table
 * whose provenance records a training set), else `P_{name}(f)`.
 */
export function probabilityLabel(s: Source): string {
  const ds = s.dataset;
  const conditioned =
    s.kind === 'pb' || (ds !== null && (typeof ds.trainMask === 'string' || Number(ds.trainSize) > 0));
  const sub = /^P_[A-Za-z0-9]+$/.test(s.name) ? s.name.slice(2) : s.name.replace(/[{}]/g, '');
  return `P_{${sub}}(f${conditioned ? '|S' : ''})`;
}

/**
 * What renormalising an incomplete source (a P_B file) over its listed
 * functions hides: one line per such source, e.g. "P_B: the 300 functions
 * listed hold 10.8% of the P_B mass (Σ P_B = 0.108); renormalised over
 * them". Empty when every source is a table.
 */
export function massNotes(sources: readonly Source[]): string[] {
  return sources
    .filter((s) => !s.complete)
    .map(
      (s) =>
        `${subscriptName(s.name)}: the ${s.keys.length} functions listed hold ${percent(s.massListed)} of its mass (Σ = ${formatNumber(s.massListed)}); renormalised over them`,
    );
}

/** The plain-text form of {@link massNotes} for captions and tables. */
function massText(sources: readonly Source[]): string {
  return sources
    .filter((s) => !s.complete)
    .map(
      (s) =>
        `the ${s.keys.length} functions ${s.name} lists hold ${percent(s.massListed)} of its mass (Σ = ${formatNumber(s.massListed)})`,
    )
    .join('; ');
}

/** The functions a pair is compared on, as in the metrics: tables are complete, P_B files list only what they know. */
export function pairSupport(a: Source, b: Source): string[] {
  if (a.complete && b.complete) return [...new Set([...a.keys, ...b.keys])];
  if (a.complete) return [...b.keys];
  if (b.complete) return [...a.keys];
  const inB = new Set(b.keys);
  return a.keys.filter((k) => inB.has(k));
}

/** Σ P under `s` over `keys` (as the source gives P: not renormalised). */
export function massOn(s: Source, keys: readonly string[]): number {
  const p = probs(s);
  let m = 0;
  for (const k of keys) m += p.get(k) ?? 0;
  return m;
}

/** A pair's figures, and the panels left out with the reason. */
export interface PairPlots {
  figures: ReportFigure[];
  /** One line per panel not drawn, saying why (e.g. a 2-D histogram whose few cells are all equal). */
  omitted: string[];
}

/** The statistics line of a pair's scatter: Pearson, Spearman and JS with their intervals. */
function statsNote(p: PairResult): string {
  const f = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : formatNumber(v));
  const ci = (k: 'pearsonLog' | 'spearman' | 'js') => {
    const v = p[k];
    const c = p.ci?.[k];
    if (v === null || !Number.isFinite(v)) return '–';
    return c && c.finite > 0 ? `${f(v)} [${f(c.lo)}, ${f(c.hi)}]` : f(v);
  };
  return `n = ${p.n}: Pearson r (ln P) ${ci('pearsonLog')}, Spearman ρ ${ci('spearman')}; JS ${ci('js')} nats`;
}

/**
 * The scatter and the 2-D histogram of one pair, x = P under b, y = P under a
 * (so `pairPlots(sgd, pb)` is the papers' P_SGD against P_B), named
 * `scatter-A-vs-B` and `hist2d-A-vs-B`. Each axis is fitted to its data; the
 * 2-D histogram is left out (and said so in `omitted`) when it would show at
 * most 4 cells all of the same value. `stats` (the pair's metrics) puts its
 * correlations with intervals under the scatter's title.
 */
export function pairPlots(
  a: Source,
  b: Source,
  options: Pick<CompareReportOptions, 'bins' | 'normalize' | 'maxPoints'> & { stats?: PairResult } = {},
): PairPlots {
  const o = { bins: options.bins ?? 20, normalize: options.normalize ?? 'row', maxPoints: options.maxPoints ?? 5000 };
  checkHistogramBins(o.bins);
  const pa = probs(a);
  const pb = probs(b);
  const keys = pairSupport(a, b);
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
  const la = probabilityLabel(a);
  const lb = probabilityLabel(b);
  const capped =
    keys.length > shown.length ? ` The ${shown.length} most probable of ${keys.length} functions are shown.` : '';
  const shownMass = [a, b]
    .filter((s) => !s.complete)
    .map((s) => `Σ ${subscriptName(s.name)} over the functions shown = ${formatNumber(massOn(s, shown))}`);
  const figures: ReportFigure[] = [
    {
      name: `scatter-${id}`,
      figure: scatterPlot({
        title: `${la} against ${lb}`,
        notes: [
          ...(options.stats ? [statsNote(options.stats)] : []),
          ...(shownMass.length ? [shownMass.join('; ')] : []),
        ],
        x: { label: lb, log: true },
        y: { label: la, log: true },
        series,
        diagonal: true,
      }),
      caption: `Each point is a function: its probability under ${b.name} (x) and ${a.name} (y), as each source gives it (tables: frequency; P_B: as computed, not renormalised). Each axis spans its own data; dashed: y = x.${capped}`,
    },
  ];
  const omitted: string[] = [];
  const lx = both.map((p) => Math.log10(p[0]));
  const ly = both.map((p) => Math.log10(p[1]));
  if (both.length === 0)
    omitted.push(`2-D histogram of ${a.name} vs ${b.name} not drawn: no function is seen by both.`);
  else {
    const h = histogram2d(lx, ly, { bins: o.bins, normalize: o.normalize });
    const cells = h.values.flat().filter((v) => v > 0);
    const allEqual = cells.every((v) => Math.abs(v - cells[0]) <= 1e-12 * Math.max(1, Math.abs(cells[0])));
    if (cells.length <= 4 && allEqual) {
      omitted.push(
        `2-D histogram of ${a.name} vs ${b.name} not drawn: its ${cells.length} occupied cell${cells.length === 1 ? '' : 's'} all read ${formatNumber(cells[0])} after ${o.normalize === 'none' ? 'counting' : `${o.normalize} normalisation`}, which says nothing the scatter does not.`,
      );
    } else {
      const what = o.normalize === 'row' ? 'each row' : o.normalize === 'column' ? 'each column' : 'no';
      figures.push({
        name: `hist2d-${id}`,
        figure: heatmapPlot({
          title: `${la} against ${lb}: 2-D histogram`,
          notes: [
            `${both.length} functions seen by both; ${o.normalize === 'none' ? 'counts' : `${o.normalize}s normalised to sum to 1`}`,
          ],
          x: { label: lb, log: true },
          y: { label: la, log: true },
          xEdges: h.xEdges,
          yEdges: h.yEdges,
          values: h.values,
          colorLabel: o.normalize === 'none' ? 'functions' : `fraction of ${o.normalize}`,
          diagonal: true,
        }),
        caption: `2-D histogram of the functions seen by both (Mingard et al. 2021): ${o.bins}×${o.bins} bins of log10 P on shared edges (empty outer rows and columns not drawn), ${what} normalised to sum to 1 (rows: bins of P under ${a.name}).`,
      });
    }
  }
  return { figures, omitted };
}

/** The rank plot of the sources (probabilities as given). */
export function rankFigure(sources: readonly Source[], title = 'P(f) against rank'): Figure {
  return rankPlot({
    title,
    series: sources.map((s) => ({ name: subscriptName(s.name), values: [...probs(s).values()] })),
  });
}

/**
 * The probability-weighted histogram of test errors of the sources that know
 * them (null when none does). Each series is renormalised over its listed
 * functions; the P_B mass they hold is stated under the title.
 */
export function testErrorFigure(sources: readonly Source[], title = 'Test error on E'): Figure | null {
  const known = sources.filter((s) => s.errors.every((e) => e !== null));
  if (!known.length) return null;
  const m = sources[0].m;
  return histogramPlot({
    title,
    notes: massNotes(known),
    x: { label: `errors on E (of ${m})` },
    series: known.map((s) => ({
      name: subscriptName(s.name),
      values: s.errors as number[],
      weights: [...probs(s).values()],
    })),
    edges: integerEdges(0, m),
  });
}

/**
 * The headline table: every pair's statistics with their bootstrap
 * intervals, and beside each pair the warnings of its sources.
 */
export function pairTable(cmp: Comparison, sources: readonly Source[]): ReportTable {
  const opt = cmp.options;
  const ci = (p: PairResult, k: keyof NonNullable<PairResult['ci']>) => withInterval(p[k], p.ci?.[k]);
  const warn = new Map(sources.map((s) => [s.name, (s.warnings ?? []).map((w) => `${s.name}: ${w}`)]));
  return {
    caption:
      opt.bootstrap > 0
        ? `Estimate [${opt.level * 100}% bootstrap interval, ${opt.bootstrap} resamples of each table]`
        : 'Estimates (no bootstrap: intervals not computed)',
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
    warnings: cmp.pairs.map((p) => [...(warn.get(p.a) ?? []), ...(warn.get(p.b) ?? [])]),
  };
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
  const m = sources[0].m;
  const byName = new Map(sources.map((s) => [s.name, s]));
  const sections: ReportSection[] = [];

  const unseenText = {
    smooth: `additive smoothing of every table over the support (pseudo-count α = ${opt.alpha} per function)`,
    common:
      'restriction to the functions both sides saw, each renormalised there (the mass left out is in the last table)',
    strict: 'no smoothing (∞ as soon as one side misses a function the other has)',
  }[opt.unseen];
  const mass = massText(sources);
  sections.push({
    title: 'Summary: every pair',
    text: [
      `Correlations use the functions with P > 0 on both sides that every table saw at least ${opt.minCount} times (n). Pearson's r is of the natural-log probabilities, Spearman's ρ of their ranks (ties averaged).`,
      `Support: two tables are compared on the union of their functions; a table and a P_B file on the functions the P_B file lists (the table's mass elsewhere is dropped and reported); each side is renormalised on the support${mass ? ` (${mass})` : ''}. JS (nats, ≤ ln 2), TV and Hellinger are exact there, unseen functions included. KL (nats) uses ${unseenText}. Top-k overlap: Σ min(P_a, P_b) over functions in both top-${opt.topK} lists.`,
      boot
        ? `Brackets: ${opt.level * 100}% percentile bootstrap intervals from ${opt.bootstrap} multinomial resamples of each table's nets (seed ${JSON.stringify(opt.seed)}); P_B values are not resampled. Plug-in divergences of sparse tables are biased upwards, and so are their resamples, so an interval can sit above its estimate; metrics.json gives each interval's bootstrap bias (mean of the resamples minus the estimate).`
        : 'No bootstrap (intervals not computed).',
    ].join('\n\n'),
    tables: [pairTable(cmp, sources)],
  });

  sections.push({
    title: 'Sources',
    text: `All sources are distributions over functions on the same test set E (|E| = ${m}). Tables count nets; P_B files give log P_B(f|S) for the functions they list, whose sum Σ P_B may be below 1.`,
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
          withInterval(s.meanTestError, s.meanTestErrorCi) +
            (s.kind === 'pb' && s.meanTestError !== null ? ' (renormalised over the listed functions)' : ''),
        ]),
        warnings: sources.map((s) => s.warnings),
      },
      {
        caption: 'What each pair was compared on (Σ P: mass of each side on the support, before renormalising)',
        columns: [
          'a',
          'b',
          'support',
          'Σ P_a on support',
          'Σ P_b on support',
          'mass of a unseen by b',
          'mass of b unseen by a',
          'a dropped',
          'b dropped',
          `shared top-${opt.topK}`,
          ...(opt.unseen === 'common' ? ['KL left out of a', 'KL left out of b'] : []),
        ],
        rows: cmp.pairs.map((p) => {
          const sa = byName.get(p.a) as Source;
          const sb = byName.get(p.b) as Source;
          const sup = pairSupport(sa, sb);
          return [
            p.a,
            p.b,
            p.support,
            massOn(sa, sup),
            massOn(sb, sup),
            p.massOnlyA,
            p.massOnlyB,
            p.massDroppedA,
            p.massDroppedB,
            p.topShared,
            ...(opt.unseen === 'common' ? [p.klMassLeftOutA, p.klMassLeftOutB] : []),
          ];
        }),
      },
    ],
  });

  for (const p of cmp.pairs) {
    const plots = pairPlots(byName.get(p.a) as Source, byName.get(p.b) as Source, { ...o, stats: p });
    sections.push({ title: `${p.a} vs ${p.b}`, notes: plots.omitted, figures: plots.figures });
  }

  const dists: ReportFigure[] = [
    {
      name: 'rank',
      figure: rankFigure(sources),
      caption:
        'Each source’s functions sorted by probability (Valle-Pérez et al. 2019, Fig. 1a), as given (not renormalised). A table cannot show probabilities below 1/N.',
    },
  ];
  const te = testErrorFigure(sources);
  if (te) {
    dists.push({
      name: 'test-error',
      figure: te,
      caption: `Probability-weighted histogram of the number of test errors of a function drawn from each source, over the errors that occur${mass ? `; P_B renormalised over its listed functions (${mass})` : ''}.`,
    });
  }
  dists.push({
    name: 'p-of-t',
    figure: histogramPlot({
      title: 'P(T): number of ones on E',
      notes: massNotes(sources),
      x: { label: 'T = number of 1s on E' },
      series: sources.map((s) => ({ name: subscriptName(s.name), values: s.ones, weights: [...probs(s).values()] })),
      edges: integerEdges(0, m),
    }),
    caption: `Probability of T, the number of points of E a function labels 1 (Mingard et al. 2019), over the values that occur${mass ? `; P_B renormalised over its listed functions (${mass})` : ''}.`,
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
          name: subscriptName(s.name),
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
    intro: `Generated by fsbayes compare. Options: min-count ${opt.minCount}, top-k ${opt.topK}, unseen ${opt.unseen}${opt.unseen === 'smooth' ? ` (α = ${opt.alpha})` : ''}, bootstrap ${opt.bootstrap}${boot ? ` (seed ${JSON.stringify(opt.seed)}, level ${opt.level})` : ''}. Every number is in metrics.json, every function under every source in joint.csv.`,
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
): Promise<string[]> {
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
