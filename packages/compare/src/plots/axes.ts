/**
 * Scales and axes: data → pixel maps, linear and log10 (decade ticks
 * labelled 10^k), and the frame every chart shares (grid, box, ticks,
 * labels, title, legend).
 */
import { FsbayesError } from '@fsbayes/core';
import type { Area, Color, Mark } from './scene.js';
import { textWidth } from './scene.js';

/** An axis as a chart takes it. */
export interface AxisSpec {
  label: string;
  /** Log10 axis (data must be > 0). */
  log?: boolean;
  /** Fixed [lo, hi] in data units (default: from the data). */
  domain?: [number, number];
}

/** A tick: where and what it says (`sup` is an exponent drawn raised). */
export interface Tick {
  value: number;
  label: string;
  sup?: string;
}

/** A 1-D map from data to pixels. */
export interface Scale {
  log: boolean;
  domain: [number, number];
  range: [number, number];
  map(v: number): number;
  ticks: Tick[];
  minor: number[];
}

/** Unicode minus for exponents, as typeset. */
function exp10Label(k: number): string {
  return k < 0 ? `−${-k}` : String(k);
}

/** Format a linear tick value with the decimals its step needs. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) return v.toExponential(1).replace('e+', 'e');
  const dec = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(dec);
}

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) for about `target` intervals over `span`. */
export function niceStep(span: number, target = 5): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

/** A linear scale over [lo, hi], widened to whole steps unless `exact`. */
export function linearScale(lo: number, hi: number, range: [number, number], exact = false): Scale {
  if (!(hi > lo)) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(hi - lo);
  if (!exact) {
    lo = Math.floor(lo / step + 1e-9) * step;
    hi = Math.ceil(hi / step - 1e-9) * step;
  }
  const ticks: Tick[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    const val = Math.abs(v) < step * 1e-9 ? 0 : v;
    ticks.push({ value: val, label: formatTick(val, step) });
  }
  const map = (v: number) => range[0] + ((v - lo) / (hi - lo)) * (range[1] - range[0]);
  return { log: false, domain: [lo, hi], range, map, ticks, minor: [] };
}

/**
 * A log10 scale over [lo, hi] (> 0), widened to whole decades, with decade
 * ticks 10^k (every d-th decade when there are many) and minor ticks 2–9
 * when there are few.
 */
export function logScale(lo: number, hi: number, range: [number, number]): Scale {
  if (!(lo > 0) || !(hi > 0)) throw new FsbayesError(`log axis needs positive values, got [${lo}, ${hi}]`);
  const a = Math.floor(Math.log10(lo) + 1e-9);
  let b = Math.ceil(Math.log10(hi) - 1e-9);
  if (b <= a) {
    b = a + 1;
  }
  const decades = b - a;
  const every = decades <= 8 ? 1 : Math.ceil(decades / 8);
  const ticks: Tick[] = [];
  for (let k = a; k <= b; k++) {
    if ((k - a) % every === 0 || k === b) ticks.push({ value: 10 ** k, label: '10', sup: exp10Label(k) });
  }
  const minor: number[] = [];
  if (decades <= 6) for (let k = a; k < b; k++) for (let j = 2; j <= 9; j++) minor.push(j * 10 ** k);
  const map = (v: number) => range[0] + ((Math.log10(v) - a) / (b - a)) * (range[1] - range[0]);
  return { log: true, domain: [10 ** a, 10 ** b], range, map, ticks, minor };
}

/** A scale for `spec` over `values` (non-positive values ignored on log axes). */
export function scaleFor(spec: AxisSpec, values: number[], range: [number, number], exact = false): Scale {
  let [lo, hi] = spec.domain ?? extent(spec.log ? values.filter((v) => v > 0) : values);
  if (spec.log) {
    if (!(lo > 0)) lo = 1e-3;
    if (!(hi > 0)) hi = 1;
    return logScale(lo, hi, range);
  }
  return linearScale(lo, hi, range, exact || spec.domain !== undefined);
}

/** Finite min and max (0, 1 when none). */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo > hi ? [0, 1] : [lo, hi];
}

/** Chart layout: figure size and the plot area inside the margins. */
export interface Layout {
  width: number;
  height: number;
  area: Area;
}

/** The layout of a chart of the given size (room on the right for a colour bar when asked). */
export function layout(width = 640, height = 460, extraRight = 0): Layout {
  const m = { left: 80, right: 24 + extraRight, top: 44, bottom: 60 };
  return { width, height, area: { x: m.left, y: m.top, w: width - m.left - m.right, h: height - m.top - m.bottom } };
}

export const AXIS_COLOR = '#333333';
export const GRID_COLOR = '#e6e6e6';
export const FONT_SIZE = 12;
export const TITLE_SIZE = 15;

/** Grid lines behind the data. */
export function gridMarks(a: Area, x: Scale, y: Scale): Mark[] {
  const out: Mark[] = [];
  for (const t of x.ticks) {
    const px = x.map(t.value);
    out.push({ kind: 'line', x1: px, y1: a.y, x2: px, y2: a.y + a.h, color: GRID_COLOR, width: 1 });
  }
  for (const t of y.ticks) {
    const py = y.map(t.value);
    out.push({ kind: 'line', x1: a.x, y1: py, x2: a.x + a.w, y2: py, color: GRID_COLOR, width: 1 });
  }
  return out;
}

/** The box, ticks, tick labels, axis labels and title, drawn over the data. */
export function frameMarks(
  a: Area,
  x: Scale,
  y: Scale,
  xLabel: string,
  yLabel: string,
  title: string,
  width: number,
): Mark[] {
  const out: Mark[] = [{ kind: 'rect', x: a.x, y: a.y, w: a.w, h: a.h, stroke: AXIS_COLOR, strokeWidth: 1 }];
  const bottom = a.y + a.h;
  for (const t of x.ticks) {
    const px = x.map(t.value);
    out.push({ kind: 'line', x1: px, y1: bottom, x2: px, y2: bottom + 6, color: AXIS_COLOR, width: 1 });
    out.push({ kind: 'text', x: px, y: bottom + 17, text: t.label, sup: t.sup, size: FONT_SIZE, anchor: 'middle' });
  }
  for (const v of x.minor) {
    const px = x.map(v);
    out.push({ kind: 'line', x1: px, y1: bottom, x2: px, y2: bottom + 3, color: AXIS_COLOR, width: 1 });
  }
  for (const t of y.ticks) {
    const py = y.map(t.value);
    out.push({ kind: 'line', x1: a.x - 6, y1: py, x2: a.x, y2: py, color: AXIS_COLOR, width: 1 });
    out.push({ kind: 'text', x: a.x - 9, y: py, text: t.label, sup: t.sup, size: FONT_SIZE, anchor: 'end' });
  }
  for (const v of y.minor) {
    const py = y.map(v);
    out.push({ kind: 'line', x1: a.x - 3, y1: py, x2: a.x, y2: py, color: AXIS_COLOR, width: 1 });
  }
  out.push({ kind: 'text', x: a.x + a.w / 2, y: bottom + 42, text: xLabel, size: FONT_SIZE + 1, anchor: 'middle' });
  out.push({ kind: 'text', x: 18, y: a.y + a.h / 2, text: yLabel, size: FONT_SIZE + 1, anchor: 'middle', rotate: -90 });
  if (title)
    out.push({ kind: 'text', x: width / 2, y: 22, text: title, size: TITLE_SIZE, anchor: 'middle', bold: true });
  return out;
}

/** One legend entry: a name and how its swatch looks. */
export interface LegendItem {
  name: string;
  color: Color;
  shape: 'dot' | 'line' | 'dash' | 'box';
}

/** A legend box in a corner of the plot area. */
export function legendMarks(
  a: Area,
  items: LegendItem[],
  corner: 'top-left' | 'top-right' | 'bottom-right' = 'top-right',
): Mark[] {
  if (items.length === 0) return [];
  const size = FONT_SIZE;
  const lineH = 18;
  const w = 34 + Math.max(...items.map((i) => textWidth(i.name, size)));
  const h = 8 + lineH * items.length;
  const x = corner === 'top-left' ? a.x + 8 : a.x + a.w - w - 8;
  const y = corner === 'bottom-right' ? a.y + a.h - h - 8 : a.y + 8;
  const out: Mark[] = [{ kind: 'rect', x, y, w, h, fill: '#ffffff', stroke: '#999999', strokeWidth: 1, opacity: 0.92 }];
  items.forEach((it, i) => {
    const cy = y + 4 + lineH * i + lineH / 2;
    if (it.shape === 'dot') out.push({ kind: 'circle', cx: x + 14, cy, r: 4, fill: it.color });
    else if (it.shape === 'box') out.push({ kind: 'rect', x: x + 8, y: cy - 5, w: 12, h: 10, fill: it.color });
    else {
      out.push({
        kind: 'line',
        x1: x + 5,
        y1: cy,
        x2: x + 23,
        y2: cy,
        color: it.color,
        width: 2,
        ...(it.shape === 'dash' ? { dash: [4, 3] as [number, number] } : {}),
      });
    }
    out.push({ kind: 'text', x: x + 28, y: cy, text: it.name, size });
  });
  return out;
}

/** The series colours (colour-blind-safe Okabe–Ito order, then extras). */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442'];
