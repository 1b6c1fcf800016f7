/**
 * Line charts: y against x for several named series (P(T) against T, the
 * bound and the error against |S|), linear or log axes, points marked.
 */
import { FsbayesError } from '@fsbayes/core';
import {
  type AxisSpec,
  frameMarks,
  gridMarks,
  type LegendItem,
  layout,
  legendMarks,
  PALETTE,
  scaleFor,
} from './axes.js';
import type { Size } from './charts.js';
import { Figure, type Mark } from './scene.js';

/** One line: points in x order (non-finite points, and ≤ 0 on a log axis, break nothing: they are skipped). */
export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
  color?: string;
  /** Dashed line (e.g. a bound beside the quantity it bounds). */
  dash?: boolean;
  /** Mark each point with a dot (default true when there are ≤ 40 points). */
  dots?: boolean;
}

/** Options of {@link linePlot}. */
export interface LineOptions extends Size {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  series: LineSeries[];
  legend?: 'top-left' | 'top-right' | 'bottom-right';
}

/** A line chart. */
export function linePlot(o: LineOptions): Figure {
  const L = layout(o.width, o.height, 0, o.notes);
  const a = L.area;
  const ok = (v: number, spec: AxisSpec) => Number.isFinite(v) && (!spec.log || v > 0);
  const series = o.series.map((s) => {
    if (s.x.length !== s.y.length)
      throw new FsbayesError(`linePlot: series '${s.name}' has ${s.x.length} x and ${s.y.length} y values`);
    const pts: [number, number][] = [];
    s.x.forEach((xv, i) => {
      if (ok(xv, o.x) && ok(s.y[i], o.y)) pts.push([xv, s.y[i]]);
    });
    return { ...s, pts };
  });
  const x = scaleFor(
    o.x,
    series.flatMap((s) => s.pts.map((p) => p[0])),
    [a.x, a.x + a.w],
  );
  const y = scaleFor(
    o.y,
    series.flatMap((s) => s.pts.map((p) => p[1])),
    [a.y + a.h, a.y],
  );
  const marks: Mark[] = gridMarks(a, x, y);
  const legend: LegendItem[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const px = s.pts.map(([u, v]): [number, number] => [x.map(u), y.map(v)]);
    if (px.length > 1)
      marks.push({ kind: 'polyline', points: px, color, width: 2, clip: true, ...(s.dash ? { dash: [6, 4] } : {}) });
    if (s.dots ?? px.length <= 40)
      for (const [cx, cy] of px) marks.push({ kind: 'circle', cx, cy, r: 3, fill: color, clip: true });
    legend.push({ name: s.name, color, shape: s.dash ? 'dash' : 'line' });
  });
  marks.push(...frameMarks(a, x, y, { xLabel: o.x.label, yLabel: o.y.label, title: o.title, notes: L.notes }, L.width));
  marks.push(...legendMarks(a, legend, o.legend ?? 'top-right'));
  return new Figure(L.width, L.height, marks, o.title, a);
}
