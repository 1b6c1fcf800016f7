/**
 * Text with sub- and superscripts for figure labels: `P_{SGD}(f|S)` is P
 * with SGD set as a subscript, `10^{−3}` a power of ten, `log_{10} P` a
 * log. Only `_{…}` and `^{…}` are markup (not nested); everything else is
 * drawn as written. Widths come from the shipped font's own advances.
 */
import { plainWidth } from './font.js';

/** A run of text: on the baseline, lowered (subscript) or raised (superscript). */
export interface TextRun {
  text: string;
  shift: 'none' | 'sub' | 'sup';
}

/** Size of sub- and superscripts relative to the text. */
export const SCRIPT_SCALE = 0.7;
/** How far a subscript is lowered and a superscript raised, in ems of the text. */
export const SUB_SHIFT = 0.22;
export const SUP_SHIFT = 0.42;

/** The runs of a marked-up text (see the module comment). */
export function textRuns(text: string): TextRun[] {
  const out: TextRun[] = [];
  const re = /([_^])\{([^{}]*)\}/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const i = m.index as number;
    if (i > last) out.push({ text: text.slice(last, i), shift: 'none' });
    if (m[2]) out.push({ text: m[2], shift: m[1] === '_' ? 'sub' : 'sup' });
    last = i + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), shift: 'none' });
  return out;
}

/** The text without markup (e.g. `P_{B}(f|S)` → `PB(f|S)`), for titles and alt text. */
export function plainText(text: string): string {
  return textRuns(text)
    .map((r) => r.text)
    .join('');
}

/** Width in pixels of a marked-up text at `size` px, as the SVG and PNG draw it. */
export function textWidth(text: string, size: number, bold = false): number {
  let w = 0;
  for (const r of textRuns(text)) w += plainWidth(r.text, r.shift === 'none' ? size : size * SCRIPT_SCALE, bold);
  return w;
}

/** `P_SGD` → `P_{SGD}`: a name of the form letter_word written with a real subscript; other names as they are. */
export function subscriptName(name: string): string {
  const m = /^([A-Za-z])_([A-Za-z0-9]+)$/.exec(name);
  return m ? `${m[1]}_{${m[2]}}` : name;
}
