/**
 * @fsbayes/compare — how close are two distributions over functions?
 * Metrics, plots and reports over function tables and P_B files (it knows
 * tables and P_B values, not how they were made).
 *
 * The public names, chosen: sources (tables, P_B files) and their check,
 * the comparison of sources and its pair statistics, the divergences,
 * correlations and tests it is made of, the charts (each a `Figure`, drawn
 * as SVG or PNG) and the reports. The bootstrap's alias sampler, quantiles,
 * ranks, scales, colour maps, bins and the PNG/SVG encoders stay inside
 * (tests import them by path).
 */

export { type JointRow, jointCSV, jointTable } from './joint.js';
export { type Interval, percentileInterval } from './metrics/bootstrap.js';
export {
  type CompareOptions,
  type Comparison,
  compareSources,
  expectedTestError,
  PAIR_STAT_KEYS,
  type PairResult,
  type PairStatKey,
  type SourceSummary,
} from './metrics/compare.js';
export { pearson, spearman } from './metrics/correlation.js';
export {
  hellingerDistance,
  jsDivergence,
  klDivergence,
  klDivergenceLog,
  totalVariation,
} from './metrics/divergence.js';
export {
  checkHistogramBins,
  type Hist2dNormalize,
  type Hist2dOptions,
  type Histogram2d,
  histogram2d,
} from './metrics/hist2d.js';
export {
  DEFAULT_PAIR_OPTIONS,
  type PairMetrics,
  type PairOptions,
  type PairStats,
  pairStats,
  type UnseenPolicy,
} from './metrics/pair.js';
export { chiSquareUniform, fitLine } from './metrics/stats.js';
export { type TopOverlap, topMassOverlap } from './metrics/topk.js';
export type { AxisSpec } from './plots/axes.js';
export {
  type HeatmapOptions,
  type HistogramOptions,
  type HistogramSeries,
  heatmapPlot,
  histogramPlot,
  type LzOptions,
  type LzSeries,
  lzPlot,
  type RankOptions,
  type RankSeries,
  rankPlot,
  type ScatterOptions,
  type ScatterSeries,
  scatterPlot,
  viridis,
} from './plots/charts.js';
export {
  FONT_FAMILY,
  FONT_FILES,
  type FontMetrics,
  fontMetrics,
  missingGlyphs,
  parseFontMetrics,
} from './plots/font.js';
export { type LineOptions, type LineSeries, linePlot } from './plots/line.js';
export { loadRasteriser, svgToPNG } from './plots/png.js';
export { type Area, type Color, Figure, type Mark } from './plots/scene.js';
export { subscriptName } from './plots/text.js';
export {
  type CompareReportOptions,
  compareReport,
  massNotes,
  massOn,
  type PairPlots,
  pairPlots,
  pairTable,
  rankFigure,
  testErrorFigure,
  withInterval,
  writeCompareReport,
} from './report/compare-report.js';
export {
  formatNumber,
  type ReportFigure,
  type ReportSection,
  type ReportSpec,
  type ReportTable,
  renderHtml,
  renderMarkdown,
  sectionIds,
  writeFigure,
  writeReport,
} from './report/report.js';
export {
  checkCompatible,
  pbSource,
  readPbSource,
  type Source,
  tableSource,
} from './sources.js';
