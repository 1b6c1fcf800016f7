/** Render a {@link Figure} as SVG text. */

import { clipMarks } from './clip.js';
import { FONT_FAMILY, fontMetrics } from './font.js';
import type { Figure, Mark, TextMark } from './scene.js';
import { plainText, SCRIPT_SCALE, SUB_SHIFT, SUP_SHIFT, textRuns } from './text.js';

/** Escape text for XML. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
}

/**
 * One mark (clipping is done by the enclosing group). Translucency is
 * fill-opacity / stroke-opacity, never `opacity`: each overlapping disc then
 * adds its own alpha (density shows), and rasterisers need no offscreen
 * layer per element.
 */
function markSVG(m: Mark): string {
  const op = m.kind !== 'text' && m.opacity !== undefined && m.opacity < 1 ? n(m.opacity) : null;
  switch (m.kind) {
    case 'line': {
      const dash = m.dash ? ` stroke-dasharray="${n(m.dash[0])} ${n(m.dash[1])}"` : '';
      const o = op ? ` stroke-opacity="${op}"` : '';
      return `<line x1="${n(m.x1)}" y1="${n(m.y1)}" x2="${n(m.x2)}" y2="${n(m.y2)}" stroke="${m.color}" stroke-width="${n(m.width)}"${dash}${o}/>`;
    }
    case 'polyline': {
      const dash = m.dash ? ` stroke-dasharray="${n(m.dash[0])} ${n(m.dash[1])}"` : '';
      const o = op ? ` stroke-opacity="${op}"` : '';
      const pts = m.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');
      return `<polyline points="${pts}" fill="none" stroke="${m.color}" stroke-width="${n(m.width)}" stroke-linejoin="round"${dash}${o}/>`;
    }
    case 'rect': {
      const stroke = m.stroke ? ` stroke="${m.stroke}" stroke-width="${n(m.strokeWidth ?? 1)}"` : '';
      const o = op ? ` fill-opacity="${op}"${m.stroke ? ` stroke-opacity="${op}"` : ''}` : '';
      return `<rect x="${n(m.x)}" y="${n(m.y)}" width="${n(m.w)}" height="${n(m.h)}" fill="${m.fill ?? 'none'}"${stroke}${o}/>`;
    }
    case 'circle': {
      const stroke = m.stroke ? ` stroke="${m.stroke}" stroke-width="0.75"` : '';
      const o = op ? ` fill-opacity="${op}"${m.stroke ? ` stroke-opacity="${op}"` : ''}` : '';
      return `<circle cx="${n(m.cx)}" cy="${n(m.cy)}" r="${n(m.r)}" fill="${m.fill}"${stroke}${o}/>`;
    }
    case 'text':
      return textSVG(m);
  }
}

/**
 * Text centred on y: the baseline sits half a cap height below y (no
 * dominant-baseline, which renderers treat differently). Sub- and
 * superscripts are tspans shifted with dy and set smaller; the next run
 * shifts back. dy rather than baseline-shift: every SVG renderer (resvg,
 * browsers, Inkscape) supports it.
 */
function textSVG(m: TextMark): string {
  const metrics = fontMetrics(m.bold);
  const base = m.y + (metrics.capHeight / metrics.unitsPerEm / 2) * m.size;
  const anchor = m.anchor ?? 'start';
  const rot = m.rotate ? ` transform="rotate(${m.rotate} ${n(m.x)} ${n(m.y)})"` : '';
  const bold = m.bold ? ' font-weight="bold"' : '';
  let body = '';
  let offset = 0; // current dy from the baseline, px (down is +)
  for (const r of textRuns(m.text)) {
    const want = r.shift === 'sub' ? SUB_SHIFT * m.size : r.shift === 'sup' ? -SUP_SHIFT * m.size : 0;
    const size = r.shift === 'none' ? '' : ` font-size="${n(m.size * SCRIPT_SCALE)}"`;
    if (want === offset && !size) body += escapeXml(r.text);
    else body += `<tspan dy="${n(want - offset)}"${size}>${escapeXml(r.text)}</tspan>`;
    offset = want;
  }
  return `<text x="${n(m.x)}" y="${n(base)}" font-size="${n(m.size)}" fill="${m.color ?? '#000000'}" text-anchor="${anchor}"${bold}${rot}>${body}</text>`;
}

/**
 * All marks, in order, clipped to the plot area on the geometry (clip.ts).
 * Runs of plain discs with the same look share one <g> carrying fill and
 * fill-opacity, so a scatter of thousands of points stays small.
 */
function marksSVG(marks: readonly Mark[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < marks.length) {
    const m = marks[i];
    if (m.kind !== 'circle' || m.stroke) {
      out.push(markSVG(m));
      i++;
      continue;
    }
    let j = i;
    const same = (o: Mark) =>
      o.kind === 'circle' && !o.stroke && o.fill === m.fill && o.opacity === m.opacity && o.r === m.r;
    while (j < marks.length && same(marks[j])) j++;
    if (j - i < 4) {
      for (let k = i; k < j; k++) out.push(markSVG(marks[k]));
    } else {
      const op = m.opacity !== undefined && m.opacity < 1 ? ` fill-opacity="${n(m.opacity)}"` : '';
      out.push(`<g fill="${m.fill}"${op}>`);
      for (let k = i; k < j; k++) {
        const d = marks[k] as typeof m;
        out.push(`<circle cx="${n(d.cx)}" cy="${n(d.cy)}" r="${n(d.r)}"/>`);
      }
      out.push('</g>');
    }
    i = j;
  }
  return out.join('\n');
}

/** A standalone SVG document for `fig` (no external references, no ids). */
export function renderSVG(fig: Figure): string {
  const body = marksSVG(clipMarks(fig.marks, fig.plotArea));
  const title = fig.title ? `<title>${escapeXml(plainText(fig.title))}</title>\n` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fig.width}" height="${fig.height}" viewBox="0 0 ${fig.width} ${fig.height}" font-family="${escapeXml(FONT_FAMILY)}">\n` +
    title +
    `<rect x="0" y="0" width="${fig.width}" height="${fig.height}" fill="#ffffff"/>\n` +
    body +
    '\n</svg>\n'
  );
}
