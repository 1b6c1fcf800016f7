/**
 * Clipping to the plot area done on the geometry, not with an SVG
 * clip-path (which rasterisers draw as a mask layer: slow, and the same
 * picture): segments and polylines are cut at the border (Liang–Barsky),
 * rectangles intersected, and a disc kept when its centre is inside.
 */
import type { Area, Mark } from './scene.js';

const EPS = 1e-9;

/** The part of segment p→q inside `a`, or null (Liang–Barsky). */
export function clipSegment(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  a: Area,
): [number, number, number, number] | null {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, x1 - a.x],
    [dx, a.x + a.w - x1],
    [-dy, y1 - a.y],
    [dy, a.y + a.h - y1],
  ];
  for (const [p, q] of edges) {
    if (Math.abs(p) < EPS) {
      if (q < -EPS) return null;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1 + EPS) return null;
  }
  return [x1 + t0 * dx, y1 + t0 * dy, x1 + t1 * dx, y1 + t1 * dy];
}

/** The pieces of a polyline inside `a` (it is split where it leaves and comes back). */
export function clipPolyline(points: [number, number][], a: Area): [number, number][][] {
  const out: [number, number][][] = [];
  let cur: [number, number][] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const s = clipSegment(points[i][0], points[i][1], points[i + 1][0], points[i + 1][1], a);
    if (!s) {
      if (cur.length) out.push(cur);
      cur = [];
      continue;
    }
    const last = cur[cur.length - 1];
    if (!last || Math.abs(last[0] - s[0]) > EPS || Math.abs(last[1] - s[1]) > EPS) {
      if (cur.length) out.push(cur);
      cur = [[s[0], s[1]]];
    }
    cur.push([s[2], s[3]]);
    // The segment was cut short: the line leaves here.
    if (Math.abs(s[2] - points[i + 1][0]) > EPS || Math.abs(s[3] - points[i + 1][1]) > EPS) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The marks with every `clip` mark cut to `a` (marks outside dropped); the others as they are. */
export function clipMarks(marks: readonly Mark[], a: Area | null): Mark[] {
  if (!a) return [...marks];
  const out: Mark[] = [];
  for (const m of marks) {
    if (m.kind === 'text' || !m.clip) {
      out.push(m);
      continue;
    }
    switch (m.kind) {
      case 'line': {
        const s = clipSegment(m.x1, m.y1, m.x2, m.y2, a);
        if (s) out.push({ ...m, x1: s[0], y1: s[1], x2: s[2], y2: s[3], clip: false });
        break;
      }
      case 'polyline':
        for (const pts of clipPolyline(m.points, a)) out.push({ ...m, points: pts, clip: false });
        break;
      case 'rect': {
        const x0 = Math.max(m.x, a.x);
        const y0 = Math.max(m.y, a.y);
        const x1 = Math.min(m.x + m.w, a.x + a.w);
        const y1 = Math.min(m.y + m.h, a.y + a.h);
        if (x1 > x0 && y1 > y0) out.push({ ...m, x: x0, y: y0, w: x1 - x0, h: y1 - y0, clip: false });
        break;
      }
      case 'circle':
        if (m.cx >= a.x - 0.5 && m.cx <= a.x + a.w + 0.5 && m.cy >= a.y - 0.5 && m.cy <= a.y + a.h + 0.5)
          out.push({ ...m, clip: false });
        break;
    }
  }
  return out;
}
