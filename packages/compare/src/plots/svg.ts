/** Render a {@link Figure} as SVG text. */
import type { Figure, Mark } from './scene.js';

const FONT = "DejaVu Sans Mono, Menlo, Consolas, 'Liberation Mono', monospace";

/** Escape text for XML. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
}

function markSVG(m: Mark, clip: string): string {
  const c = m.kind !== 'text' && m.clip ? ` clip-path="url(#${clip})"` : '';
  const op = m.kind !== 'text' && m.opacity !== undefined && m.opacity < 1 ? ` opacity="${n(m.opacity)}"` : '';
  switch (m.kind) {
    case 'line': {
      const dash = m.dash ? ` stroke-dasharray="${n(m.dash[0])} ${n(m.dash[1])}"` : '';
      return `<line x1="${n(m.x1)}" y1="${n(m.y1)}" x2="${n(m.x2)}" y2="${n(m.y2)}" stroke="${m.color}" stroke-width="${n(m.width)}"${dash}${op}${c}/>`;
    }
    case 'polyline': {
      const dash = m.dash ? ` stroke-dasharray="${n(m.dash[0])} ${n(m.dash[1])}"` : '';
      const pts = m.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');
      return `<polyline points="${pts}" fill="none" stroke="${m.color}" stroke-width="${n(m.width)}" stroke-linejoin="round"${dash}${op}${c}/>`;
    }
    case 'rect': {
      const stroke = m.stroke ? ` stroke="${m.stroke}" stroke-width="${n(m.strokeWidth ?? 1)}"` : '';
      return `<rect x="${n(m.x)}" y="${n(m.y)}" width="${n(m.w)}" height="${n(m.h)}" fill="${m.fill ?? 'none'}"${stroke}${op}${c}/>`;
    }
    case 'circle': {
      const stroke = m.stroke ? ` stroke="${m.stroke}" stroke-width="0.75"` : '';
      return `<circle cx="${n(m.cx)}" cy="${n(m.cy)}" r="${n(m.r)}" fill="${m.fill}"${stroke}${op}${c}/>`;
    }
    case 'text': {
      const anchor = m.anchor ?? 'start';
      const rot = m.rotate ? ` transform="rotate(${m.rotate} ${n(m.x)} ${n(m.y)})"` : '';
      const bold = m.bold ? ' font-weight="bold"' : '';
      const sup = m.sup ? `<tspan dy="-0.45em" font-size="75%">${escapeXml(m.sup)}</tspan>` : '';
      return `<text x="${n(m.x)}" y="${n(m.y)}" font-size="${n(m.size)}" fill="${m.color ?? '#000000'}" text-anchor="${anchor}" dominant-baseline="central"${bold}${rot}>${escapeXml(m.text)}${sup}</text>`;
    }
  }
}

/**
 * All marks; runs of discs with the same look share one <g> carrying fill,
 * opacity and clip, so a scatter of thousands of points stays small.
 */
function marksSVG(marks: readonly Mark[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < marks.length) {
    const m = marks[i];
    if (m.kind !== 'circle' || m.stroke) {
      out.push(markSVG(m, 'CLIP'));
      i++;
      continue;
    }
    let j = i;
    const same = (o: Mark) =>
      o.kind === 'circle' &&
      !o.stroke &&
      o.fill === m.fill &&
      o.opacity === m.opacity &&
      o.clip === m.clip &&
      o.r === m.r;
    while (j < marks.length && same(marks[j])) j++;
    if (j - i < 4) {
      for (let k = i; k < j; k++) out.push(markSVG(marks[k], 'CLIP'));
    } else {
      const op = m.opacity !== undefined && m.opacity < 1 ? ` opacity="${n(m.opacity)}"` : '';
      const c = m.clip ? ' clip-path="url(#CLIP)"' : '';
      out.push(`<g fill="${m.fill}"${op}${c}>`);
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

/** FNV-1a of a string, for ids that stay unique when several SVGs are inlined in one page. */
function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** A standalone SVG document for `fig`. */
export function renderSVG(fig: Figure): string {
  const a = fig.plotArea;
  const draft = marksSVG(fig.marks);
  const id = `clip-${fnv(draft + fig.title)}`;
  const body = draft.replaceAll('url(#CLIP)', `url(#${id})`);
  const defs = a
    ? `<defs><clipPath id="${id}"><rect x="${n(a.x)}" y="${n(a.y)}" width="${n(a.w)}" height="${n(a.h)}"/></clipPath></defs>\n`
    : '';
  const title = fig.title ? `<title>${escapeXml(fig.title)}</title>\n` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fig.width}" height="${fig.height}" viewBox="0 0 ${fig.width} ${fig.height}" font-family="${FONT}">\n` +
    title +
    defs +
    `<rect x="0" y="0" width="${fig.width}" height="${fig.height}" fill="#ffffff"/>\n` +
    body +
    '\n</svg>\n'
  );
}
