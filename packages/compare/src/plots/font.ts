/**
 * The one font of every figure: DejaVu Sans (regular and bold), subsets
 * shipped in this package's `fonts/` folder (licence in fonts/LICENSE.txt).
 * The PNG rasteriser is given exactly these bytes, and layout measures text
 * with their own advance widths (the subsets carry no kerning or ligatures,
 * so a text's width is the sum of its glyphs' advances): the same figure is
 * the same pixels on every machine, and legends fit their text.
 */
import { readFileSync } from 'node:fs';
import { FsbayesError } from '@fsbayes/core';

/** The family name the SVGs ask for, with fallbacks for viewers without it. */
export const FONT_FAMILY = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif";

/** The family name inside the shipped files (what the rasteriser matches). */
export const FONT_NAME = 'DejaVu Sans';

/** Advance widths and the character map of a TrueType font. */
export interface FontMetrics {
  unitsPerEm: number;
  /** Height of capitals above the baseline, in font units. */
  capHeight: number;
  /** Advance width of a code point, in font units; undefined when the font has no glyph for it. */
  advance(codePoint: number): number | undefined;
}

/**
 * Parse the metrics of a TrueType/OpenType font: `head` (units per em),
 * `hhea` + `hmtx` (advances), `cmap` (formats 4 and 12), `OS/2` (cap height).
 */
export function parseFontMetrics(bytes: Uint8Array): FontMetrics {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, number>();
  const numTables = dv.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    const tag = String.fromCharCode(...bytes.subarray(rec, rec + 4));
    tables.set(tag, dv.getUint32(rec + 8));
  }
  const at = (tag: string): number => {
    const o = tables.get(tag);
    if (o === undefined) throw new FsbayesError(`font: no '${tag}' table`, { kind: 'internal' });
    return o;
  };
  const unitsPerEm = dv.getUint16(at('head') + 18);
  const numberOfHMetrics = dv.getUint16(at('hhea') + 34);
  const hmtx = at('hmtx');
  const os2 = tables.get('OS/2');
  const capHeight = os2 !== undefined && dv.getUint16(os2) >= 2 ? dv.getInt16(os2 + 88) : Math.round(unitsPerEm * 0.7);
  const glyphOf = new Map<number, number>();
  const cmap = at('cmap');
  const subtables = dv.getUint16(cmap + 2);
  let best = -1;
  let bestFormat = 0;
  for (let i = 0; i < subtables; i++) {
    const platform = dv.getUint16(cmap + 4 + 8 * i);
    const off = cmap + dv.getUint32(cmap + 8 + 8 * i);
    const format = dv.getUint16(off);
    // Unicode (platform 0) or Windows (3) subtables; format 12 (full Unicode) over 4 (BMP).
    if ((platform === 0 || platform === 3) && (format === 4 || format === 12) && format > bestFormat) {
      best = off;
      bestFormat = format;
    }
  }
  if (best < 0) throw new FsbayesError('font: no Unicode cmap (format 4 or 12)', { kind: 'internal' });
  if (bestFormat === 4) {
    const segX2 = dv.getUint16(best + 6);
    const ends = best + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const ranges = deltas + segX2;
    for (let s = 0; s < segX2 / 2; s++) {
      const end = dv.getUint16(ends + 2 * s);
      const start = dv.getUint16(starts + 2 * s);
      const delta = dv.getInt16(deltas + 2 * s);
      const rangeOff = dv.getUint16(ranges + 2 * s);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let g: number;
        if (rangeOff === 0) g = (c + delta) & 0xffff;
        else {
          g = dv.getUint16(ranges + 2 * s + rangeOff + 2 * (c - start));
          if (g !== 0) g = (g + delta) & 0xffff;
        }
        if (g !== 0) glyphOf.set(c, g);
      }
    }
  } else {
    const groups = dv.getUint32(best + 12);
    for (let k = 0; k < groups; k++) {
      const o = best + 16 + 12 * k;
      const start = dv.getUint32(o);
      const end = dv.getUint32(o + 4);
      const g0 = dv.getUint32(o + 8);
      for (let c = start; c <= end; c++) glyphOf.set(c, g0 + c - start);
    }
  }
  const advanceOfGlyph = (g: number) => dv.getUint16(hmtx + 4 * Math.min(g, numberOfHMetrics - 1));
  return {
    unitsPerEm,
    capHeight,
    advance: (cp) => {
      const g = glyphOf.get(cp);
      return g === undefined ? undefined : advanceOfGlyph(g);
    },
  };
}

function fontFile(name: string): Uint8Array {
  const url = new URL(`../../fonts/${name}`, import.meta.url);
  try {
    return new Uint8Array(readFileSync(url));
  } catch (e) {
    throw new FsbayesError(`the figure font ${url.pathname} is missing: reinstall @fsbayes/compare`, {
      kind: 'io',
      cause: e,
    });
  }
}

/** The shipped font files: regular and bold. */
export const FONT_FILES = {
  regular: fontFile('DejaVuSans.subset.ttf'),
  bold: fontFile('DejaVuSans-Bold.subset.ttf'),
} as const;

const METRICS = { regular: parseFontMetrics(FONT_FILES.regular), bold: parseFontMetrics(FONT_FILES.bold) };

/** The metrics of the regular or bold face. */
export function fontMetrics(bold = false): FontMetrics {
  return bold ? METRICS.bold : METRICS.regular;
}

/** Characters of `text` the figure font cannot draw (they would show as blanks in the PNG). */
export function missingGlyphs(text: string): string[] {
  const out = new Set<string>();
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (METRICS.regular.advance(cp) === undefined || METRICS.bold.advance(cp) === undefined) out.add(ch);
  }
  return [...out];
}

/** Width in pixels of plain text (no markup) at `size` px. A character the font lacks counts as a '?'. */
export function plainWidth(text: string, size: number, bold = false): number {
  const m = fontMetrics(bold);
  const fallback = m.advance(0x3f) ?? m.unitsPerEm / 2;
  let w = 0;
  for (const ch of text) w += m.advance(ch.codePointAt(0) as number) ?? fallback;
  return (w * size) / m.unitsPerEm;
}
