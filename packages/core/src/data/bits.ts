/**
 * Bit strings for targets and training masks.
 *
 * A bit vector of length L is written either
 * - as **bits**: L characters '0'/'1', character i being bit i; or
 * - as **hex**: the same bits written 4 per hex digit, left to right; hex
 *   digit j holds bits 4j..4j+3 with bit 4j as its most significant bit. So
 *   '0x0f' is '00001111' and '0x8' is '1000'. When L is not a multiple of 4
 *   the last digit is zero-padded at the end: it holds ceil(L/4)·4 − L padding
 *   bits, which must be 0. Upper- and lower-case digits are accepted.
 *
 * **Which reading applies** (see {@link parseBits}): a string starting with
 * `0x`/`0X` is always hex. Without the prefix it is bits, except when an
 * expected length L is given, the string is not L characters long and it is
 * exactly ceil(L/4) hex digits: then it is hex. (With L = 1 the lengths
 * coincide and bits win.) Surrounding whitespace is ignored.
 *
 * This is the same convention as function keys in `functions/bits.ts`.
 */
import { FsbayesError } from '../errors/index.js';

const HEX = '0123456789abcdef';

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48; // 0-9
  if (ch >= 97 && ch <= 102) return ch - 87; // a-f
  if (ch >= 65 && ch <= 70) return ch - 55; // A-F
  return -1;
}

function isHexString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (hexValue(s.charCodeAt(i)) < 0) return false;
  return true;
}

function isBitString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 48 && c !== 49) return false;
  }
  return true;
}

function plural(k: number, word: string): string {
  return `${k} ${word}${k === 1 ? '' : 's'}`;
}

/**
 * Parse a bit vector given as a '0'/'1' string or as hex (rules in the module
 * doc), or validate one given as a Uint8Array of 0/1 values (returned as is).
 *
 * @param str the bits, the hex, or a Uint8Array
 * @param expectedLength the required number of bits L, if known
 * @param what the name used in error messages, e.g. `'target'` or `'mask'`
 * @param context how error messages explain L, e.g. `'the Boolean system with
 *   n=7 has 128 inputs'` (default `'L are expected'`)
 * @throws an Error naming the bad character and its position (counted from 0
 *   in the trimmed string, `0x` prefix included), or the bad length
 */
export function parseBits(
  str: string | Uint8Array,
  expectedLength?: number,
  what = 'target',
  context?: string,
): Uint8Array {
  if (expectedLength !== undefined && (!Number.isSafeInteger(expectedLength) || expectedLength < 1)) {
    throw new FsbayesError(`parseBits: expected length must be a positive integer, got ${expectedLength}`);
  }
  const L = expectedLength;
  const why = context ?? `${L} are expected`;
  if (str instanceof Uint8Array) {
    if (L !== undefined && str.length !== L)
      throw new FsbayesError(`${what} has ${plural(str.length, 'bit')} but ${why}`);
    for (let i = 0; i < str.length; i++) {
      if (str[i] > 1) throw new FsbayesError(`${what} has value ${str[i]} at position ${i}; bits must be 0 or 1`);
    }
    return str;
  }
  if (typeof str !== 'string') {
    throw new FsbayesError(`${what} must be a string of 0/1 bits, 0x-prefixed hex or a Uint8Array, got ${typeof str}`);
  }
  const s = str.trim();
  if (s.length === 0) throw new FsbayesError(`${what} is empty; use 0/1 bits or 0x-prefixed hex`);

  if (s.startsWith('0x') || s.startsWith('0X')) return parseHex(s.slice(2), 2, L, what, why);

  if (L !== undefined && s.length !== L && s.length === Math.ceil(L / 4) && isHexString(s)) {
    return parseHex(s, 0, L, what, why);
  }
  if (L !== undefined && s.length !== L) {
    if (isBitString(s)) throw new FsbayesError(`${what} has ${plural(s.length, 'bit')} but ${why}`);
    if (isHexString(s)) {
      throw new FsbayesError(
        `${what} looks like hex with ${plural(s.length, 'digit')} (${s.length * 4} bits) but ${why}, ` +
          `which takes ${plural(L, 'bit')} or ${plural(Math.ceil(L / 4), 'hex digit')}`,
      );
    }
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 49) out[i] = 1;
    else if (c !== 48)
      throw new FsbayesError(`${what} contains '${s[i]}' at position ${i}; use 0/1 bits or 0x-prefixed hex`);
  }
  return out;
}

function parseHex(hex: string, offset: number, L: number | undefined, what: string, why: string): Uint8Array {
  if (hex.length === 0) throw new FsbayesError(`${what} '0x' has no hex digits`);
  for (let i = 0; i < hex.length; i++) {
    if (hexValue(hex.charCodeAt(i)) < 0) {
      throw new FsbayesError(
        `${what} contains '${hex[i]}' at position ${i + offset}, which is not a hex digit; ` +
          `use 0/1 bits or 0x-prefixed hex`,
      );
    }
  }
  const n = L ?? hex.length * 4;
  const digits = Math.ceil(n / 4);
  if (hex.length !== digits) {
    throw new FsbayesError(
      `${what} has ${plural(hex.length, 'hex digit')} (${hex.length * 4} bits) but ${why}, ` +
        `which takes ${plural(digits, 'hex digit')}`,
    );
  }
  const out = new Uint8Array(n);
  for (let j = 0; j < digits; j++) {
    const v = hexValue(hex.charCodeAt(j));
    for (let b = 0; b < 4; b++) {
      const bit = (v >>> (3 - b)) & 1;
      const i = 4 * j + b;
      if (i < n) out[i] = bit;
      else if (bit) {
        throw new FsbayesError(
          `${what} hex digit '${hex[j]}' sets padding bit ${i} beyond the ${plural(n, 'bit')} expected; ` +
            `the last digit may use only its top ${n - 4 * j} bit(s)`,
        );
      }
    }
  }
  return out;
}

function checkBitValues(bits: Uint8Array, where: string): void {
  if (!(bits instanceof Uint8Array)) throw new FsbayesError(`${where}: expected a Uint8Array of 0/1 values`);
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] > 1) throw new FsbayesError(`${where}: value ${bits[i]} at position ${i}; bits must be 0 or 1`);
  }
}

/** The bits as a '0'/'1' string (character i is bit i). Throws on values other than 0/1. */
export function bitsToString(bits: Uint8Array): string {
  checkBitValues(bits, 'bitsToString');
  let s = '';
  for (let i = 0; i < bits.length; i++) s += bits[i] ? '1' : '0';
  return s;
}

/**
 * The bits as lowercase hex, 4 bits per digit, bit 4j being the most
 * significant bit of digit j, the last digit zero-padded at the end; prefixed
 * with `0x` unless `prefix` is false. `parseBits(bitsToHex(b), b.length)`
 * gives back `b`. Throws on values other than 0/1.
 */
export function bitsToHex(bits: Uint8Array, prefix = true): string {
  checkBitValues(bits, 'bitsToHex');
  let s = prefix ? '0x' : '';
  for (let j = 0; 4 * j < bits.length; j++) {
    let v = 0;
    for (let b = 0; b < 4; b++) {
      const i = 4 * j + b;
      v = (v << 1) | (i < bits.length ? bits[i] : 0);
    }
    s += HEX[v];
  }
  return s;
}
