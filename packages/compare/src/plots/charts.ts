/**
 * The charts of the papers, each returning a {@link Figure} (SVG and PNG
 * from one scene): P vs P scatter (log-log, with y = x), rank plots, test
 * error and P(T) histograms, 2-D histogram heatmaps, P(f) against LZ
 * complexity.
 */
import {
  type AxisSpec,
  extent,
  FONT_SIZE,
  frameMarks,
  gridMarks,
  type LegendItem,
  layout,
  legendMarks,
  linearScale,
  logScale,
  PALETTE,
  type Scale,
  scaleFor,
} from './axes.js';
import { Figure, type Mark } from './scene.js';

/** Size of a chart in pixels (defaults 640 × 460), and notes under its title. */
export interface Size {
  width?: number;
  height?: number;
  /**
   * Lines under the title (marked-up text): what the figure leaves out or
   * renormalises, e.g. the P_B mass of the functions shown. The figure grows
   * by one line each.
   */
  notes?: string[];
}

/** A set of points in a scatter plot. */
export interface ScatterSeries {
  name: string;
  points: [number, number][];
  color?: string;
  /** Marker radius (default 3). */
  radius?: number;
  /** Marker opacity (default 0.55, so that overlaps show density). */
  opacity?: number;
}

/** Options of {@link scatterPlot}. */
export interface ScatterOptions extends Size {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  series: ScatterSeries[];
  /**
   * Draw y = x (dashed) where the two axes' ranges overlap (P against P).
   * Each axis is still fitted to its own data.
   */
  diagonal?: boolean;
  legend?: 'top-left' | 'top-right' | 'bottom-right';
}

function dropBad(points: [number, number][], x: AxisSpec, y: AxisSpec): [number, number][] {
  return points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (!x.log || a > 0) && (!y.log || b > 0));
}

/** A scatter plot (P vs P: log axes and `diagonal: true`); each axis is fitted to its own data. */
export function scatterPlot(o: ScatterOptions): Figure {
  const L = layout(o.width, o.height, 0, o.notes);
  const a = L.area;
  const series = o.series.map((s) => ({ ...s, points: dropBad(s.points, o.x, o.y) }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const x = scaleFor(o.x, xs, [a.x, a.x + a.w]);
  const y = scaleFor(o.y, ys, [a.y + a.h, a.y]);
  const marks: Mark[] = gridMarks(a, x, y);
  const legend: LegendItem[] = [];
  const lo = Math.max(x.domain[0], y.domain[0]);
  const hi = Math.min(x.domain[1], y.domain[1]);
  const diagonal = o.diagonal === true && o.x.log === o.y.log && hi > lo;
  if (diagonal) {
    marks.push({
      kind: 'line',
      x1: x.map(lo),
      y1: y.map(lo),
      x2: x.map(hi),
      y2: y.map(hi),
      color: '#777777',
      width: 1.5,
      dash: [6, 4],
      clip: true,
    });
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    // Identical positions (frequent with small counts) are drawn at most 3 times:
    // enough for the opacity to show density, without bloating the SVG.
    const seen = new Map<string, number>();
    for (const [px, py] of s.points) {
      const cx = x.map(px);
      const cy = y.map(py);
      const key = `${Math.round(cx * 2)},${Math.round(cy * 2)}`;
      const k = seen.get(key) ?? 0;
      if (k >= 3) continue;
      seen.set(key, k + 1);
      marks.push({
        kind: 'circle',
        cx,
        cy,
        r: s.radius ?? 3,
        fill: color,
        opacity: s.opacity ?? 0.55,
        clip: true,
      });
    }
    legend.push({ name: `${s.name} (${s.points.length})`, color, shape: 'dot' });
  });
  if (diagonal) legend.push({ name: 'y = x', color: '#777777', shape: 'dash' });
  marks.push(...frameMarks(a, x, y, { xLabel: o.x.label, yLabel: o.y.label, title: o.title, notes: L.notes }, L.width));
  marks.push(...legendMarks(a, legend, o.legend ?? (o.diagonal ? 'top-left' : 'top-right')));
  return new Figure(L.width, L.height, marks, o.title, a);
}

/** One distribution in a rank plot: its probabilities (or counts), in any order. */
export interface RankSeries {
  name: string;
  values: number[];
  color?: string;
}

/** Options of {@link rankPlot}. */
export interface RankOptions extends Size {
  title: string;
  series: RankSeries[];
  /** Axis labels (defaults 'rank', 'P(f)'). */
  xLabel?: string;
  yLabel?: string;
}

/**
 * Probability against rank on log-log axes (Valle-Pérez et al. Fig. 1a), one
 * line per distribution. Long tails are thinned to about 1,500 points spread
 * evenly in log rank, so files stay small.
 */
export function rankPlot(o: RankOptions): Figure {
  const L = layout(o.width, o.height, 0, o.notes);
  const a = L.area;
  const sorted = o.series.map((s) => s.values.filter((v) => v > 0 && Number.isFinite(v)).sort((p, q) => q - p));
  const maxRank = Math.max(1, ...sorted.map((v) => v.length));
  const x = scaleFor({ label: '', log: true }, [1, Math.max(2, maxRank)], [a.x, a.x + a.w]);
  const y = scaleFor({ label: '', log: true }, sorted.flat(), [a.y + a.h, a.y]);
  const marks: Mark[] = gridMarks(a, x, y);
  const legend: LegendItem[] = [];
  sorted.forEach((vals, i) => {
    const color = o.series[i].color ?? PALETTE[i % PALETTE.length];
    const pts: [number, number][] = [];
    let lastPx = Number.NEGATIVE_INFINITY;
    vals.forEach((v, r) => {
      const px = x.map(r + 1);
      // keep a point per ~0.3 px of log rank, and always the last one
      if (px - lastPx >= 0.3 || r === vals.length - 1) {
        pts.push([px, y.map(v)]);
        lastPx = px;
      }
    });
    if (pts.length === 1) marks.push({ kind: 'circle', cx: pts[0][0], cy: pts[0][1], r: 3, fill: color, clip: true });
    else marks.push({ kind: 'polyline', points: pts, color, width: 2, clip: true });
    legend.push({ name: `${o.series[i].name} (${vals.length})`, color, shape: 'line' });
  });
  marks.push(
    ...frameMarks(
      a,
      x,
      y,
      { xLabel: o.xLabel ?? 'rank', yLabel: o.yLabel ?? 'P(f)', title: o.title, notes: L.notes },
      L.width,
    ),
  );
  marks.push(...legendMarks(a, legend, 'top-right'));
  return new Figure(L.width, L.height, marks, o.title, a);
}

/** One sample in a histogram: values, optionally weighted (e.g. by how often each function was found). */
export interface HistogramSeries {
  name: string;
  values: number[];
  weights?: number[];
  color?: string;
}

/** Options of {@link histogramPlot}. */
export interface HistogramOptions extends Size {
  title: string;
  x: AxisSpec;
  /** y axis (default 'probability' or 'count'; `log` for a log count axis). */
  y?: AxisSpec;
  series: HistogramSeries[];
  /** Bin edges (default: integer bins k ± ½ when every value is an integer, else 30 equal bins). */
  edges?: number[];
  /** 'probability' (default: each series sums to 1) or 'count'. */
  normalize?: 'probability' | 'count';
  /**
   * Show only the bins from the first to the last that hold any mass (default
   * true), so the axis spans the data rather than every possible value.
   */
  trim?: boolean;
}

/** Bin values into the bins [e_i, e_{i+1}) (the last bin closed). */
export function binValues(values: number[], edges: number[], weights?: number[]): number[] {
  const out = new Array<number>(edges.length - 1).fill(0);
  values.forEach((v, i) => {
    if (!Number.isFinite(v) || v < edges[0] || v > edges[edges.length - 1]) return;
    let lo = 0;
    let hi = edges.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (v >= edges[mid]) lo = mid;
      else hi = mid;
    }
    out[lo] += weights ? weights[i] : 1;
  });
  return out;
}

/** Integer bins k − ½ … k + ½ for k = lo..hi. */
export function integerEdges(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 2 }, (_, i) => lo + i - 0.5);
}

/** Overlaid histograms as outlined steps over a light fill (test-error histograms, P(T)). */
export function histogramPlot(o: HistogramOptions): Figure {
  const L = layout(o.width, o.height, 0, o.notes);
  const a = L.area;
  const all = o.series.flatMap((s) => s.values.filter(Number.isFinite));
  let edges = o.edges;
  if (!edges) {
    const [lo, hi] = extent(all);
    if (all.every(Number.isInteger)) edges = integerEdges(Math.round(lo), Math.round(hi));
    else {
      const s = hi > lo ? hi - lo : 1;
      edges = Array.from({ length: 31 }, (_, i) => lo + (s * i) / 30);
    }
  }
  const norm = o.normalize ?? 'probability';
  let heights = o.series.map((s) => {
    const h = binValues(s.values, edges as number[], s.weights);
    const tot = h.reduce((p, q) => p + q, 0);
    return norm === 'probability' && tot > 0 ? h.map((v) => v / tot) : h;
  });
  if (o.trim ?? true) {
    let first = Number.POSITIVE_INFINITY;
    let last = -1;
    for (const h of heights)
      h.forEach((v, b) => {
        if (v > 0) {
          first = Math.min(first, b);
          last = Math.max(last, b);
        }
      });
    if (last >= 0) {
      edges = edges.slice(first, last + 2);
      heights = heights.map((h) => h.slice(first, last + 1));
    }
  }
  const ySpec: AxisSpec = o.y ?? { label: norm === 'probability' ? 'probability' : 'count' };
  const x = scaleFor({ ...o.x, log: false }, [edges[0], edges[edges.length - 1]], [a.x, a.x + a.w], true);
  const yVals = heights.flat();
  const y: Scale = ySpec.log
    ? scaleFor(ySpec, yVals, [a.y + a.h, a.y])
    : linearScale(0, Math.max(...yVals, 0) * 1.05 || 1, [a.y + a.h, a.y]);
  const base = ySpec.log ? y.domain[0] : 0;
  const marks: Mark[] = gridMarks(a, x, y);
  const legend: LegendItem[] = [];
  heights.forEach((h, i) => {
    const color = o.series[i].color ?? PALETTE[i % PALETTE.length];
    const pts: [number, number][] = [];
    h.forEach((v, b) => {
      const x0 = x.map((edges as number[])[b]);
      const x1 = x.map((edges as number[])[b + 1]);
      const vy = ySpec.log && v <= 0 ? base : v;
      const py = y.map(vy);
      if (v > 0)
        marks.push({
          kind: 'rect',
          x: x0,
          y: py,
          w: x1 - x0,
          h: y.map(base) - py,
          fill: color,
          opacity: 0.18,
          clip: true,
        });
      pts.push([x0, py], [x1, py]);
    });
    marks.push({ kind: 'polyline', points: pts, color, width: 2, clip: true });
    legend.push({ name: o.series[i].name, color, shape: 'box' });
  });
  marks.push(
    ...frameMarks(a, x, y, { xLabel: o.x.label, yLabel: ySpec.label, title: o.title, notes: L.notes }, L.width),
  );
  marks.push(...legendMarks(a, legend, 'top-right'));
  return new Figure(L.width, L.height, marks, o.title, a);
}

/** Options of {@link heatmapPlot}. */
export interface HeatmapOptions extends Size {
  title: string;
  /** With `log: true` the edges are log10 values and ticks read 10^k. */
  x: AxisSpec;
  y: AxisSpec;
  xEdges: number[];
  yEdges: number[];
  /** values[row][col], row 0 at the bottom (y bin), col = x bin. Zero cells stay white. */
  values: number[][];
  /** Label of the colour bar. */
  colorLabel?: string;
  /** Draw y = x (for two log-probabilities on shared bins). */
  diagonal?: boolean;
  /** Leave out empty rows and columns at the edges, so each axis spans its data (default true). */
  trim?: boolean;
}

/** The rows and columns of `values` from the first to the last that hold a non-zero cell, with their edges. */
function trimGrid(values: number[][], xEdges: number[], yEdges: number[]) {
  let r0 = Number.POSITIVE_INFINITY;
  let r1 = -1;
  let c0 = Number.POSITIVE_INFINITY;
  let c1 = -1;
  values.forEach((row, r) => {
    row.forEach((v, c) => {
      if (v > 0) {
        r0 = Math.min(r0, r);
        r1 = Math.max(r1, r);
        c0 = Math.min(c0, c);
        c1 = Math.max(c1, c);
      }
    });
  });
  if (r1 < 0) return { values, xEdges, yEdges };
  return {
    values: values.slice(r0, r1 + 1).map((row) => row.slice(c0, c1 + 1)),
    xEdges: xEdges.slice(c0, c1 + 2),
    yEdges: yEdges.slice(r0, r1 + 2),
  };
}

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** A colour of the viridis map at t in [0, 1]. */
export function viridis(t: number): string {
  const u = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + f * (VIRIDIS[i + 1][k] - v)));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** An exponent axis: linear in log10 units, ticks where a log axis over the same span puts them (10^k, or 1-2-5 steps). */
function exponentScale(lo: number, hi: number, range: [number, number]): Scale {
  const s = linearScale(lo, hi, range, true);
  const ticks = logScale(10 ** lo, 10 ** hi, range, true).ticks.map((t) => ({
    value: Math.log10(t.value),
    label: t.label,
  }));
  return { ...s, ticks };
}

/** A heatmap of a 2-D histogram (Mingard et al.'s row-normalised log P vs log P), with a colour bar. */
export function heatmapPlot(opts: HeatmapOptions): Figure {
  const o = opts.trim === false ? opts : { ...opts, ...trimGrid(opts.values, opts.xEdges, opts.yEdges) };
  const L = layout(o.width, o.height, 70, o.notes);
  const a = L.area;
  const xr: [number, number] = [a.x, a.x + a.w];
  const yr: [number, number] = [a.y + a.h, a.y];
  const xLo = o.xEdges[0];
  const xHi = o.xEdges[o.xEdges.length - 1];
  const yLo = o.yEdges[0];
  const yHi = o.yEdges[o.yEdges.length - 1];
  const x = o.x.log ? exponentScale(xLo, xHi, xr) : linearScale(xLo, xHi, xr, true);
  const y = o.y.log ? exponentScale(yLo, yHi, yr) : linearScale(yLo, yHi, yr, true);
  // A loop, not Math.max(...values.flat()): that copies every cell and overflows the stack past ~10⁵ of them.
  let max = 0;
  for (const row of o.values) for (const v of row) if (v > max) max = v;
  const marks: Mark[] = [];
  o.values.forEach((row, r) => {
    row.forEach((v, c) => {
      if (!(v > 0)) return;
      const x0 = x.map(o.xEdges[c]);
      const x1 = x.map(o.xEdges[c + 1]);
      const y0 = y.map(o.yEdges[r + 1]);
      const y1 = y.map(o.yEdges[r]);
      // 0.6 px of overlap with the next cell hides the anti-aliased seam between neighbours.
      marks.push({
        kind: 'rect',
        x: x0,
        y: y0,
        w: x1 - x0 + 0.6,
        h: y1 - y0 + 0.6,
        fill: viridis(max > 0 ? v / max : 0),
        clip: true,
      });
    });
  });
  // y = x only where the two axes' ranges overlap (after trimming they may not).
  const dLo = Math.max(xLo, yLo);
  const dHi = Math.min(xHi, yHi);
  const diagonal = o.diagonal === true && dHi > dLo;
  if (diagonal) {
    const lo = dLo;
    const hi = dHi;
    marks.push({
      kind: 'line',
      x1: x.map(lo),
      y1: y.map(lo),
      x2: x.map(hi),
      y2: y.map(hi),
      color: '#d55e00',
      width: 1.5,
      dash: [6, 4],
      clip: true,
    });
  }
  marks.push(...frameMarks(a, x, y, { xLabel: o.x.label, yLabel: o.y.label, title: o.title, notes: L.notes }, L.width));
  // colour bar
  const bx = a.x + a.w + 18;
  const bw = 16;
  const steps = 40;
  for (let i = 0; i < steps; i++) {
    const y0 = a.y + (a.h * (steps - 1 - i)) / steps;
    marks.push({ kind: 'rect', x: bx, y: y0, w: bw, h: a.h / steps + 0.5, fill: viridis(i / (steps - 1)) });
  }
  marks.push({ kind: 'rect', x: bx, y: a.y, w: bw, h: a.h, stroke: '#333333', strokeWidth: 1 });
  const cs = linearScale(0, max || 1, [a.y + a.h, a.y], true);
  for (const t of cs.ticks) {
    const py = cs.map(t.value);
    marks.push({ kind: 'line', x1: bx + bw, y1: py, x2: bx + bw + 4, y2: py, color: '#333333', width: 1 });
    marks.push({ kind: 'text', x: bx + bw + 6, y: py, text: t.label, size: FONT_SIZE - 2 });
  }
  if (o.colorLabel) {
    marks.push({
      kind: 'text',
      x: L.width - 8,
      y: a.y + a.h / 2,
      text: o.colorLabel,
      size: FONT_SIZE,
      anchor: 'middle',
      rotate: -90,
    });
  }
  if (diagonal) marks.push(...legendMarks(a, [{ name: 'y = x', color: '#d55e00', shape: 'dash' }], 'top-left'));
  return new Figure(L.width, L.height, marks, o.title, a);
}

/** One distribution in an LZ plot: each function's K_LZ and probability. */
export interface LzSeries {
  name: string;
  lz: number[];
  p: number[];
  color?: string;
}

/** Options of {@link lzPlot}. */
export interface LzOptions extends Size {
  title: string;
  series: LzSeries[];
}

/** P(f) (log) against Lempel–Ziv complexity K_LZ (Valle-Pérez et al. 2019, Mingard et al. 2019 Fig. 1). */
export function lzPlot(o: LzOptions): Figure {
  return scatterPlot({
    title: o.title,
    width: o.width,
    height: o.height,
    notes: o.notes,
    x: { label: 'Lempel–Ziv complexity K_{LZ}' },
    y: { label: 'P(f)', log: true },
    series: o.series.map((s) => ({ name: s.name, color: s.color, points: s.lz.map((v, i) => [v, s.p[i]]) })),
  });
}
