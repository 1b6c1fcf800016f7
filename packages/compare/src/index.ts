/**
 * @fsbayes/compare — how close are two distributions over functions?
 * Metrics, plots and reports over function tables and P_B files (it knows
 * tables and P_B values, not how they were made).
 */

export { type JointRow, jointCSV, jointTable } from './joint.js';
export {
  AliasTable,
  type Interval,
  percentileInterval,
  quantile,
  resampleCounts,
} from './metrics/bootstrap.js';
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
export { averageRanks, pearson, spearman } from './metrics/correlation.js';
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
  histogram2dBytes,
} from './metrics/hist2d.js';
export {
  type AlignedPair,
  alignPair,
  DEFAULT_PAIR_OPTIONS,
  type PairMetrics,
  type PairOptions,
  type PairStats,
  pairStats,
  type UnseenPolicy,
} from './metrics/pair.js';
export { chiSquareUniform, fitLine } from './metrics/stats.js';
export { type TopOverlap, topIndices, topMassOverlap } from './metrics/topk.js';
export {
  checkCompatible,
  pbSource,
  readPbSource,
  type Source,
  tableSource,
} from './sources.js';

import type { FunctionTable } from '@fsbayes/core';

/** A named table to compare. */
export interface NamedTable {
  name: string;
  table: FunctionTable;
}

export {
  type AxisSpec,
  type LegendItem,
  linearScale,
  logScale,
  PALETTE,
  powerLabel,
  type Scale,
  type Tick,
} from './plots/axes.js';
export {
  binValues,
  type HeatmapOptions,
  type HistogramOptions,
  type HistogramSeries,
  heatmapPlot,
  histogramPlot,
  integerEdges,
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
export { renderSVG } from './plots/svg.js';
export { plainText, subscriptName, type TextRun, textRuns, textWidth } from './plots/text.js';
export {
  type CompareReportOptions,
  compareReport,
  massNotes,
  massOn,
  type PairPlots,
  pairPlots,
  pairSupport,
  pairTable,
  probabilityLabel,
  rankFigure,
  slug,
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
