/**
 * A small rasteriser for {@link Figure} scenes: lines, polylines,
 * rectangles, discs and bitmap-font text into an RGB buffer, then PNG.
 *
 * Each mark is first collected as a set of covered pixels and then blended
 * once, so translucent marks (opacity < 1) do not darken where a thick line
 * overlaps itself. No anti-aliasing: figures are drawn at 2× by default.
 */
import { FsbayesError } from '@fsbayes/core';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyphRows, toFontText } from './font.js';
import { encodePNG } from './png.js';
import type { Area, Figure, Mark, TextMark } from './scene.js';

/** Parse '#rrggbb' (or '#rgb'). */
export function parseColor(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(c);
  if (!m) throw new FsbayesError(`colour must be #rrggbb, got ${JSON.stringify(c)}`);
  let h = m[1];
  if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
  return [Number.parseInt(h.slice(0, 2), 16), Number.parseInt(h.slice(2, 4), 16), Number.parseInt(h.slice(4, 6), 16)];
}

/** An RGB canvas. */
export class Raster {
  readonly rgb: Uint8Array;
  private readonly mask: Uint8Array;
  private touched: number[] = [];
  /** Clip rectangle in device pixels [x0, y0, x1, y1), or the whole canvas. */
  private clip: [number, number, number, number];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = new Uint8Array(width * height * 3).fill(255);
    this.mask = new Uint8Array(width * height);
    this.clip = [0, 0, width, height];
  }

  setClip(area: [number, number, number, number] | null): void {
    this.clip = area ?? [0, 0, this.width, this.height];
  }

  /** Mark pixel (x, y) as covered by the current shape. */
  private cover(x: number, y: number): void {
    if (x < this.clip[0] || y < this.clip[1] || x >= this.clip[2] || y >= this.clip[3]) return;
    const i = y * this.width + x;
    if (this.mask[i]) return;
    this.mask[i] = 1;
    this.touched.push(i);
  }

  /** Blend every covered pixel once with colour and opacity, then clear the shape. */
  private flush(color: string, opacity = 1): void {
    const [r, g, b] = parseColor(color);
    const a = Math.max(0, Math.min(1, opacity));
    for (const i of this.touched) {
      const o = 3 * i;
      this.rgb[o] = Math.round(this.rgb[o] * (1 - a) + r * a);
      this.rgb[o + 1] = Math.round(this.rgb[o + 1] * (1 - a) + g * a);
      this.rgb[o + 2] = Math.round(this.rgb[o + 2] * (1 - a) + b * a);
      this.mask[i] = 0;
    }
    this.touched = [];
  }

  /** Cover the pixels whose centres lie in [x0, x1) × [y0, y1) (at least one pixel each way). */
  private coverRect(x0: number, y0: number, x1: number, y1: number): void {
    let ax = Math.round(Math.min(x0, x1));
    let bx = Math.round(Math.max(x0, x1));
    let ay = Math.round(Math.min(y0, y1));
    let by = Math.round(Math.max(y0, y1));
    if (bx === ax) bx = ax + 1;
    if (by === ay) by = ay + 1;
    ax = Math.max(ax, 0);
    ay = Math.max(ay, 0);
    bx = Math.min(bx, this.width);
    by = Math.min(by, this.height);
    for (let y = ay; y < by; y++) for (let x = ax; x < bx; x++) this.cover(x, y);
  }

  private coverDisc(cx: number, cy: number, r: number): void {
    if (r < 0.75) {
      this.cover(Math.floor(cx), Math.floor(cy));
      return;
    }
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + r));
    const r2 = r * r;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        if (dx * dx + dy * dy <= r2) this.cover(x, y);
      }
    }
  }

  /** A thick segment: axis-aligned ones as crisp rectangles, others as discs stamped every half pixel. */
  private coverSegment(x1: number, y1: number, x2: number, y2: number, w: number, dash?: [number, number]): void {
    const len = Math.hypot(x2 - x1, y2 - y1);
    if (!dash && (x1 === x2 || y1 === y2)) {
      const h = w / 2;
      if (y1 === y2) this.coverRect(Math.min(x1, x2), y1 - h, Math.max(x1, x2), y1 + h);
      else this.coverRect(x1 - h, Math.min(y1, y2), x1 + h, Math.max(y1, y2));
      return;
    }
    const steps = Math.max(1, Math.ceil(len * 2));
    const period = dash ? dash[0] + dash[1] : 0;
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      if (dash && (t * len) % period >= dash[0]) continue;
      this.coverDisc(x1 + t * (x2 - x1), y1 + t * (y2 - y1), Math.max(w / 2, 0.5));
    }
  }

  line(x1: number, y1: number, x2: number, y2: number, w: number, color: string, opacity = 1, dash?: [number, number]) {
    this.coverSegment(x1, y1, x2, y2, w, dash);
    this.flush(color, opacity);
  }

  polyline(points: [number, number][], w: number, color: string, opacity = 1, dash?: [number, number]) {
    for (let i = 1; i < points.length; i++) {
      this.coverSegment(points[i - 1][0], points[i - 1][1], points[i][0], points[i][1], w, dash);
    }
    this.flush(color, opacity);
  }

  fillRect(x: number, y: number, w: number, h: number, color: string, opacity = 1): void {
    this.coverRect(x, y, x + w, y + h);
    this.flush(color, opacity);
  }

  strokeRect(x: number, y: number, w: number, h: number, lw: number, color: string): void {
    const t = Math.max(1, Math.round(lw));
    this.coverRect(x, y, x + w, y + t);
    this.coverRect(x, y + h - t, x + w, y + h);
    this.coverRect(x, y, x + t, y + h);
    this.coverRect(x + w - t, y, x + w, y + h);
    this.flush(color, 1);
  }

  disc(cx: number, cy: number, r: number, color: string, opacity = 1): void {
    this.coverDisc(cx, cy, r);
    this.flush(color, opacity);
  }

  /** An outline circle of width w (inner radius r − w). */
  ring(cx: number, cy: number, r: number, w: number, color: string): void {
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + r));
    const ri = Math.max(0, r - w);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (d <= r && d >= ri) this.cover(x, y);
      }
    }
    this.flush(color, 1);
  }

  /**
   * Text in the bitmap font, glyph pixels `g` device pixels wide, anchored
   * at (x, y) (vertical centre); `rotate` −90 reads bottom to top.
   * Returns the advance in device pixels.
   */
  text(
    s: string,
    x: number,
    y: number,
    g: number,
    color: string,
    anchor: 'start' | 'middle' | 'end',
    rotate = 0,
    bold = false,
  ): number {
    const t = toFontText(s);
    const adv = GLYPH_ADVANCE * g;
    const width = t.length * adv - g;
    const shift = anchor === 'middle' ? width / 2 : anchor === 'end' ? width : 0;
    const half = (GLYPH_HEIGHT * g) / 2;
    for (let k = 0; k < t.length; k++) {
      const rows = glyphRows(t[k]);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let col = 0; col < 5 + (bold ? 1 : 0); col++) {
          const on = (rows[r] >> (4 - col)) & 1 || (bold && col > 0 && (rows[r] >> (5 - col)) & 1);
          if (!on) continue;
          // (u, v): position along and across the text, relative to the anchor
          const u = k * adv + col * g - shift;
          const v = r * g - half;
          for (let dy = 0; dy < g; dy++) {
            for (let dx = 0; dx < g; dx++) {
              if (rotate === -90) this.cover(Math.round(x + v + dy), Math.round(y - u - dx - 1));
              else this.cover(Math.round(x + u + dx), Math.round(y + v + dy));
            }
          }
        }
      }
    }
    this.flush(color, 1);
    return width;
  }

  toPNG(): Uint8Array {
    return encodePNG(this.width, this.height, this.rgb);
  }
}

/** Glyph pixel size for a font size: a glyph advance of 6·g ≈ the SVG's 0.6 em per character. */
export function glyphScale(size: number, scale: number): number {
  return Math.max(1, Math.round(0.1 * size * scale));
}

function drawText(r: Raster, m: TextMark, s: number): void {
  const g = glyphScale(m.size, s);
  const color = m.color ?? '#000000';
  const anchor = m.anchor ?? 'start';
  const x = m.x * s;
  const y = m.y * s;
  if (!m.sup) {
    r.text(m.text, x, y, g, color, anchor, m.rotate ?? 0, m.bold);
    return;
  }
  // Base text then a smaller, raised superscript; anchor the pair as one.
  const gs = Math.max(1, Math.round(g * 0.75));
  const wBase = toFontText(m.text).length * GLYPH_ADVANCE * g;
  const wSup = toFontText(m.sup).length * GLYPH_ADVANCE * gs - gs;
  const total = wBase + wSup;
  const start = anchor === 'middle' ? -total / 2 : anchor === 'end' ? -total : 0;
  const raise = 0.45 * m.size * s;
  if (m.rotate === -90) {
    r.text(m.text, x, y - start, g, color, 'start', -90, m.bold);
    r.text(m.sup, x - raise, y - start - wBase, gs, color, 'start', -90, m.bold);
  } else {
    r.text(m.text, x + start, y, g, color, 'start', 0, m.bold);
    r.text(m.sup, x + start + wBase, y - raise, gs, color, 'start', 0, m.bold);
  }
}

function drawMark(r: Raster, m: Mark, s: number, clip: Area | null): void {
  const clipped = m.kind !== 'text' && m.clip && clip;
  r.setClip(
    clipped
      ? [
          Math.round(clip.x * s),
          Math.round(clip.y * s),
          Math.round((clip.x + clip.w) * s),
          Math.round((clip.y + clip.h) * s),
        ]
      : null,
  );
  switch (m.kind) {
    case 'line':
      r.line(
        m.x1 * s,
        m.y1 * s,
        m.x2 * s,
        m.y2 * s,
        m.width * s,
        m.color,
        m.opacity,
        m.dash?.map((d) => d * s) as [number, number] | undefined,
      );
      break;
    case 'polyline':
      r.polyline(
        m.points.map(([x, y]) => [x * s, y * s]),
        m.width * s,
        m.color,
        m.opacity,
        m.dash?.map((d) => d * s) as [number, number] | undefined,
      );
      break;
    case 'rect':
      if (m.fill) r.fillRect(m.x * s, m.y * s, m.w * s, m.h * s, m.fill, m.opacity);
      if (m.stroke) r.strokeRect(m.x * s, m.y * s, m.w * s, m.h * s, (m.strokeWidth ?? 1) * s, m.stroke);
      break;
    case 'circle':
      r.disc(m.cx * s, m.cy * s, m.r * s, m.fill, m.opacity);
      if (m.stroke) r.ring(m.cx * s, m.cy * s, m.r * s, Math.max(1, 0.75 * s), m.stroke);
      break;
    case 'text':
      drawText(r, m, s);
      break;
  }
}

/** Rasterise a figure at `scale` device pixels per figure pixel and encode it as PNG. */
export function renderPNG(fig: Figure, scale = 2): Uint8Array {
  if (!(scale > 0 && scale <= 8)) throw new FsbayesError(`PNG scale must be in (0, 8], got ${scale}`);
  const r = new Raster(Math.round(fig.width * scale), Math.round(fig.height * scale));
  for (const m of fig.marks) drawMark(r, m, scale, fig.plotArea);
  return r.toPNG();
}
