/**
 * Scales and axes: data → pixel maps, linear and log10 (decade ticks
 * labelled 10^k), and the frame every chart shares (grid, box, ticks,
 * labels, title, legend).
 */
import { FsbayesError } from '@fsbayes/core';
import type { Area, Color, Mark } from './scene.js';
import { textWidth } from './text.js';

/** An axis as a chart takes it. */
export interface AxisSpec {
  label: string;
  /** Log10 axis (data must be > 0). */
  log?: boolean;
  /** Fixed [lo, hi] in data units (default: from the data). */
  domain?: [number, number];
}

/** A tick: where and what it says (marked up: `10^{−3}`). */
export interface Tick {
  value: number;
  label: string;
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

/** `10^{k}` with a typeset minus. */
export function powerLabel(k: number): string {
  return `10^{${exp10Label(k)}}`;
}

/** A tick value on a log axis: a plain decimal when short, else m×10^k. */
function logTickLabel(v: number): string {
  const k = Math.floor(Math.log10(v) + 1e-9);
  const mant = Math.round(v / 10 ** k);
  if (mant === 1) return powerLabel(k);
  if (k >= -3 && k <= 4) return String(Number(v.toPrecision(2)));
  return `${mant}×${powerLabel(k)}`;
}

/**
 * A log10 scale fitted to [lo, hi] (> 0): the data's span plus a margin of
 * 4% at each end (at least 0.05 decades), unless `exact`. Ticks at the
 * decades 10^k inside (every d-th when there are many); when fewer than two
 * decades fall inside, ticks at 1, 2, 5 × 10^k instead. Minor ticks at
 * 2–9 × 10^k when the axis spans at most 6 decades.
 */
export function logScale(lo: number, hi: number, range: [number, number], exact = false): Scale {
  if (!(lo > 0) || !(hi > 0)) throw new FsbayesError(`log axis needs positive values, got [${lo}, ${hi}]`);
  let a = Math.log10(lo);
  let b = Math.log10(hi);
  if (!exact || !(b > a)) {
    const pad = Math.max(0.05, 0.04 * (b - a));
    a -= pad;
    b += pad;
  }
  const ticks: Tick[] = [];
  const k0 = Math.ceil(a - 1e-9);
  const k1 = Math.floor(b + 1e-9);
  const decades = k1 - k0 + 1;
  if (decades >= 2) {
    const every = decades <= 9 ? 1 : Math.ceil(decades / 8);
    for (let k = k0; k <= k1; k++) if ((k - k0) % every === 0) ticks.push({ value: 10 ** k, label: powerLabel(k) });
  } else {
    for (let k = Math.floor(a); k <= Math.ceil(b); k++)
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** k;
        const lv = Math.log10(v);
        if (lv >= a - 1e-9 && lv <= b + 1e-9) ticks.push({ value: v, label: logTickLabel(v) });
      }
  }
  const minor: number[] = [];
  if (b - a <= 6)
    for (let k = Math.floor(a); k < Math.ceil(b); k++)
      for (let j = 2; j <= 9; j++) {
        const lv = Math.log10(j * 10 ** k);
        if (lv > a && lv < b) minor.push(j * 10 ** k);
      }
  const map = (v: number) => range[0] + ((Math.log10(v) - a) / (b - a)) * (range[1] - range[0]);
  return { log: true, domain: [10 ** a, 10 ** b], range, map, ticks, minor };
}

/** A scale for `spec` over `values` (non-positive values ignored on log axes). */
export function scaleFor(spec: AxisSpec, values: number[], range: [number, number], exact = false): Scale {
  let [lo, hi] = spec.domain ?? extent(spec.log ? values.filter((v) => v > 0) : values);
  if (spec.log) {
    if (!(lo > 0)) lo = 1e-3;
    if (!(hi > 0)) hi = 1;
    return logScale(lo, hi, range, exact || spec.domain !== undefined);
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

/** Chart layout: figure size, the plot area inside the margins, and the note lines under the title. */
export interface Layout {
  width: number;
  height: number;
  area: Area;
  /** The notes, wrapped to the figure's width. */
  notes: string[];
}

/** Greedy word wrap of marked-up text to `maxWidth` pixels at `size` px (a word longer than a line gets its own). */
export function wrapText(text: string, maxWidth: number, size: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/ +/)) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && textWidth(next, size) > maxWidth) {
      lines.push(cur);
      cur = word;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Height of one note line under the title. */
export const NOTE_LINE = 15;

/**
 * The layout of a chart of the given size: room on the right for a colour
 * bar when asked, and for `notes` lines under the title (the figure grows by
 * them, so the plot area keeps its size).
 */
export function layout(width = 640, height = 460, extraRight = 0, notes: readonly string[] = []): Layout {
  const lines = notes.flatMap((n) => wrapText(n, width - 24, NOTE_SIZE));
  const grow = lines.length * NOTE_LINE;
  const m = { left: 84, right: 24 + extraRight, top: 44 + grow, bottom: 60 };
  const h = height + grow;
  return {
    width,
    height: h,
    area: { x: m.left, y: m.top, w: width - m.left - m.right, h: h - m.top - m.bottom },
    notes: lines,
  };
}

/** What a chart's frame says: axis labels, title and notes (marked-up text, see text.ts). */
export interface FrameText {
  xLabel: string;
  yLabel: string;
  title: string;
  /** Lines under the title, already wrapped ({@link Layout}'s `notes`): what the figure shows and leaves out. */
  notes?: string[];
}

export const AXIS_COLOR = '#333333';
export const GRID_COLOR = '#e6e6e6';
export const FONT_SIZE = 12;
export const TITLE_SIZE = 15;
export const NOTE_SIZE = 11;

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

/** The box, ticks, tick labels, axis labels, title and notes, drawn over the data. */
export function frameMarks(a: Area, x: Scale, y: Scale, text: FrameText, width: number): Mark[] {
  const { xLabel, yLabel, title } = text;
  const out: Mark[] = [{ kind: 'rect', x: a.x, y: a.y, w: a.w, h: a.h, stroke: AXIS_COLOR, strokeWidth: 1 }];
  const bottom = a.y + a.h;
  for (const t of x.ticks) {
    const px = x.map(t.value);
    out.push({ kind: 'line', x1: px, y1: bottom, x2: px, y2: bottom + 6, color: AXIS_COLOR, width: 1 });
    out.push({ kind: 'text', x: px, y: bottom + 17, text: t.label, size: FONT_SIZE, anchor: 'middle' });
  }
  for (const v of x.minor) {
    const px = x.map(v);
    out.push({ kind: 'line', x1: px, y1: bottom, x2: px, y2: bottom + 3, color: AXIS_COLOR, width: 1 });
  }
  for (const t of y.ticks) {
    const py = y.map(t.value);
    out.push({ kind: 'line', x1: a.x - 6, y1: py, x2: a.x, y2: py, color: AXIS_COLOR, width: 1 });
    out.push({ kind: 'text', x: a.x - 9, y: py, text: t.label, size: FONT_SIZE, anchor: 'end' });
  }
  for (const v of y.minor) {
    const py = y.map(v);
    out.push({ kind: 'line', x1: a.x - 3, y1: py, x2: a.x, y2: py, color: AXIS_COLOR, width: 1 });
  }
  out.push({ kind: 'text', x: a.x + a.w / 2, y: bottom + 42, text: xLabel, size: FONT_SIZE + 1, anchor: 'middle' });
  // The y label clears the widest tick label.
  const widest = Math.max(0, ...y.ticks.map((t) => textWidth(t.label, FONT_SIZE)));
  const yl = Math.max(12, a.x - 9 - widest - 12);
  out.push({ kind: 'text', x: yl, y: a.y + a.h / 2, text: yLabel, size: FONT_SIZE + 1, anchor: 'middle', rotate: -90 });
  if (title)
    out.push({ kind: 'text', x: width / 2, y: 22, text: title, size: TITLE_SIZE, anchor: 'middle', bold: true });
  (text.notes ?? []).forEach((note, i) => {
    out.push({
      kind: 'text',
      x: width / 2,
      y: 40 + NOTE_LINE * i,
      text: note,
      size: NOTE_SIZE,
      anchor: 'middle',
      color: '#444444',
    });
  });
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
