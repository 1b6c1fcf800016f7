/**
 * How a function is written in the CSV files fsbayes makes (tables, joint
 * tables, P_B files, experiment tables), so that spreadsheet and pandas
 * readers keep it as text: a key such as `0100` or a bit string such as
 * `00000010` is all digits, and `pandas.read_csv` would read it as an
 * integer (leading zeros lost; a long one becomes a float).
 *
 * - `key`: the hex key with a `0x` prefix (`0x6992c9…`); Python's
 *   `int(k, 16)` reads it as it is.
 * - `bits`: the m bits, bit 0 first, after a `b` (`b0110…`); drop the
 *   first character for the bit string.
 *
 * The readers here accept a cell with or without its prefix, so files
 * written before the prefixes were added still read.
 */

import { bitString, keyOfBitString, normalizeKey } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';

/** The `key` cell of a function: `0x` + its hex key. */
export function csvKeyCell(key: string): string {
  return `0x${key}`;
}

/** The `bits` cell of a function on m points: `b` + its bits, bit 0 first. */
export function csvBitsCell(key: string, m: number): string {
  return `b${bitString(key, m)}`;
}

/** The key of a `key` cell, with or without the `0x` prefix (checked for m points). */
export function parseCsvKeyCell(cell: string, m: number): string {
  if (typeof cell !== 'string') throw new FsbayesError(`CSV key cell must be text, got ${show(cell)}`);
  return normalizeKey(/^0[xX]/.test(cell) ? cell.slice(2) : cell, m);
}

/** The key of a `bits` cell, with or without the `b` prefix; it must hold exactly m bits. */
export function parseCsvBitsCell(cell: string, m: number): string {
  if (typeof cell !== 'string') throw new FsbayesError(`CSV bits cell must be text, got ${show(cell)}`);
  const bits = cell.startsWith('b') ? cell.slice(1) : cell;
  if (bits.length !== m) throw new FsbayesError(`CSV bits cell ${show(cell)} has ${bits.length} bits; m = ${m}`);
  return keyOfBitString(bits);
}
