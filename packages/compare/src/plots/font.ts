/**
 * A tiny built-in 5×7 bitmap font (printable ASCII, drawn by hand for this
 * package) for labels in PNG figures, so that PNGs need no font files or
 * native dependencies. Characters outside ASCII are transliterated first
 * (≥ → >=, − → -, ‖ → ||, Greek letters by name…); anything else draws as '?'.
 */

/** Glyph cell: 5 columns of ink plus 1 of spacing, 7 rows. */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
export const GLYPH_ADVANCE = 6;

/**
 * Glyphs of ' ' (32) to '~' (126): 14 hex digits each, 7 rows of 5 bits,
 * the leftmost column in bit 4.
 */
const FONT =
  '00000000000000040404040400040a0a00000000000a0a1f0a1f0a0a040f140e051e04181902040813030c12140815120d04040000000000' +
  '02040808080402080402020204080004150e1504000004041f040400000000000c04080000001f00000000000000000c0c00010204081000' +
  '0e11131519110e040c040404040e0e11010204081f1f02040201110e02060a121f02021f101e0101110e0608101e11110e1f010204080808' +
  '0e11110e11110e0e11110f01020c000c0c000c0c00000c0c000c04080204081008040200001f001f0000080402010204080e110102040004' +
  '0e11010d15150e0e11111f1111111e11111e11111e0e11101010110e1c12111111121c1f10101e10101f1f10101e1010100e11101711110f' +
  '1111111f1111110e04040404040e0702020202120c111214181412111010101010101f111b1515111111111119151311110e11111111110e' +
  '1e11111e1010100e11111115120d1e11111e1412110f10100e01011e1f0404040404041111111111110e11111111110a041111111515150a' +
  '11110a040a111111110a040404041f01020408101f0e08080808080e001008040201000e02020202020e040a11000000000000000000001f' +
  '0804000000000000000e010f110f1010161911111e00000e1010110e01010d1311110f00000e111f100e0609081c080808000f11110f010e' +
  '1010161911111104000c0404040e0200060202120c101012141814120c04040404040e00001a151511110000161911111100000e1111110e' +
  '001e11111e1010000f11110f01010000161910101000000e100e011e08081c080809060000111111130d00001111110a040000111115150a' +
  '0000110a040a11001111110f010e00001f0204081f02040408040402040404040404040804040204040800000815020000';

const TRANSLIT: Record<string, string> = {
  '≥': '>=',
  '≤': '<=',
  '−': '-',
  '–': '-',
  '—': '-',
  '‖': '||',
  '·': '.',
  '×': 'x',
  '…': '...',
  '’': "'",
  '‘': "'",
  '“': '"',
  '”': '"',
  '→': '->',
  '≈': '~',
  '±': '+/-',
  '∞': 'inf',
  α: 'alpha',
  β: 'beta',
  ε: 'eps',
  ρ: 'rho',
  σ: 'sigma',
  θ: 'theta',
  Σ: 'Sum',
  '∪': 'u',
  '∩': 'n',
  '²': '^2',
  ' ': ' ',
};

/** `text` with every character the font lacks replaced by an ASCII spelling (or '?'). */
export function toFontText(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    out += c >= 32 && c < 127 ? ch : (TRANSLIT[ch] ?? '?');
  }
  return out;
}

/** The 7 row masks of a printable ASCII character (bit 4 = leftmost column); '?' for anything else. */
export function glyphRows(ch: string): number[] {
  let c = ch.charCodeAt(0);
  if (!(c >= 32 && c < 127)) c = 63;
  const o = (c - 32) * 14;
  const rows: number[] = [];
  for (let r = 0; r < GLYPH_HEIGHT; r++) rows.push(Number.parseInt(FONT.slice(o + 2 * r, o + 2 * r + 2), 16));
  return rows;
}
