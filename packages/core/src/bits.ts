/**
 * Bit vectors, in every form the project writes them: 0/1 arrays, text ('0'/'1'
 * characters or hex), packed 32-bit words, and the hex keys of functions.
 *
 * **Text.** A bit vector of length L is written either
 * - as **bits**: L characters '0'/'1', character i being bit i; or
 * - as **hex**: the same bits written 4 per hex digit, left to right; hex
 *   digit j holds bits 4j..4j+3 with bit 4j as its most significant bit. So
 *   '0x0f' is '00001111' and '0x8' is '1000'. When L is not a multiple of 4
 *   the last digit is zero-padded at the end: it holds ceil(L/4)·4 − L padding
 *   bits, which must be 0. Upper- and lower-case digits are accepted.
 *
 * **Which reading applies** (see {@link parseBits}, for targets and training
 * masks): a string starting with `0x`/`0X` is always hex. Without the prefix
 * it is bits, except when an expected length L is given, the string is not L
 * characters long and it is exactly ceil(L/4) hex digits: then it is hex.
 * (With L = 1 the lengths coincide and bits win.) Surrounding whitespace is
 * ignored. The Boolean-function tools (LZ, entropy) take the stricter
 * {@link BitsLike}: '0'/'1' characters or a 0/1 Uint8Array only.
 *
 * **Functions.** A function on a test set E of size m is a bit vector: bit i
 * is the net's binary prediction (f(x_i) > 0) on the i-th point of E.
 *
 * **Packing.** A function travels as `wordsFor(m) = ceil(m/32)` 32-bit words;
 * bit i is stored in word `i >>> 5` at bit position `i & 31` (LSB first). Bits
 * at positions ≥ m in the last word are padding: writers should leave them 0,
 * and every reader here ignores them.
 *
 * **Keys.** The stable key of a function is its hex text without the `0x`
 * prefix, in lowercase: bits 0..m−1 left to right, 4 per digit, the first bit
 * the most significant of the first digit, zero-padded at the end. So a key
 * has exactly `ceil(m/4)` digits; bits "0001" have key "1", "1000 0000" has
 * "80", and "1" (m = 1) has "8"; and `bitsToHex(b)` is `'0x' + keyOfBits(b)`.
 */
import { FsbayesError } from './errors/index.js';
import { show } from './errors/show.js';

// --- 0/1 arrays and their text -------------------------------------------

/** A Boolean string: '0'/'1' characters, or a Uint8Array of 0/1 values. */
export type BitsLike = string | Uint8Array;

/**
 * Validate `s` and return it as a Uint8Array of 0/1 values (a Uint8Array input
 * is returned as is, not copied). Throws on an empty input, naming `what`, and
 * on any character other than '0'/'1' (or value other than 0/1), naming the
 * character and its position.
 */
export function toBitArray(s: BitsLike, what = 'bit string'): Uint8Array {
  if (typeof s === 'string') {
    const n = s.length;
    if (n === 0) throw new FsbayesError(`${what}: empty string (need at least one '0'/'1' character)`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 48) out[i] = 0;
      else if (ch === 49) out[i] = 1;
      else
        throw new FsbayesError(
          `${what}: invalid character ${JSON.stringify(s[i])} at position ${i} (only '0' and '1' allowed)`,
        );
    }
    return out;
  }
  if (!(s instanceof Uint8Array)) {
    throw new FsbayesError(`${what}: expected a string of '0'/'1' or a Uint8Array, got ${describe(s)}`);
  }
  const n = s.length;
  if (n === 0) throw new FsbayesError(`${what}: empty array (need at least one bit)`);
  for (let i = 0; i < n; i++) {
    if (s[i] > 1) throw new FsbayesError(`${what}: invalid value ${s[i]} at position ${i} (only 0 and 1 allowed)`);
  }
  return s;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

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
  return (prefix ? '0x' : '') + (bits.length === 0 ? '' : keyOfBits(bits));
}

// --- packed words and function keys ----------------------------------------

/**
 * The largest test set a function key can describe: 2^31 points make a key
 * of 2^29 hex digits, about the longest string JavaScript can hold (and the
 * packing arithmetic here works in 32 bits).
 */
const MAX_M = 2 ** 31;

/** The number of 32-bit words that hold a function on m points: ceil(m/32). */
export function wordsFor(m: number): number {
  checkM(m, 'wordsFor');
  return (m + 31) >>> 5;
}

/** The number of hex digits in the key of a function on m points: ceil(m/4). */
export function keyLength(m: number): number {
  checkM(m, 'keyLength');
  return (m + 3) >>> 2;
}

/** Throw unless m is an integer in 1..2^31. */
export function checkM(m: number, where: string): void {
  if (!Number.isSafeInteger(m) || m < 1)
    throw new FsbayesError(`${where}: m must be a positive integer, got ${show(m)}`);
  if (m > MAX_M) throw new FsbayesError(`${where}: m = ${m} is more than 2^31, the most a function key can hold`);
}

/** Pack a 0/1 vector (length m) into ceil(m/32) words, LSB first. Values other than 0/1 throw. */
export function packBits(bits: Uint8Array): Uint32Array {
  if (!(bits instanceof Uint8Array))
    throw new FsbayesError(`packBits: expected a Uint8Array of 0/1, got ${show(bits)}`);
  const m = bits.length;
  if (m === 0) throw new FsbayesError('packBits: empty bit vector');
  const out = new Uint32Array((m + 31) >>> 5);
  for (let i = 0; i < m; i++) {
    const b = bits[i];
    if (b > 1) throw new FsbayesError(`packBits: invalid bit value ${b} at position ${i} (only 0 and 1 allowed)`);
    if (b) out[i >>> 5] |= 1 << (i & 31);
  }
  return out;
}

/**
 * Unpack the m bits of a function starting at word `offset` of `words`
 * (a batch buffer holds function j at offset j·wordsFor(m)).
 */
export function unpackBits(words: Uint32Array, m: number, offset = 0): Uint8Array {
  const w = wordsFor(m);
  checkRange(words, offset, w, 'unpackBits');
  const out = new Uint8Array(m);
  for (let i = 0; i < m; i++) out[i] = (words[offset + (i >>> 5)] >>> (i & 31)) & 1;
  return out;
}

function checkRange(words: Uint32Array, offset: number, w: number, where: string): void {
  if (!(words instanceof Uint32Array)) throw new FsbayesError(`${where}: expected a Uint32Array of packed words`);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + w > words.length) {
    throw new FsbayesError(`${where}: need ${w} words at offset ${offset}, but the array has ${words.length}`);
  }
}

/** Reverse the 4 bits of a nibble (bit 0 ↔ bit 3, bit 1 ↔ bit 2). */
function rev4(v: number): number {
  return ((v & 1) << 3) | ((v & 2) << 1) | ((v & 4) >>> 1) | ((v & 8) >>> 3);
}

/**
 * BYTE_HEX[b]: the two key digits of the 8 function bits stored LSB first in
 * byte b. The first digit holds bits 0..3 with bit 0 as its MSB, so it is the
 * bit-reversed low nibble; the second is the bit-reversed high nibble.
 */
const BYTE_HEX: string[] = Array.from({ length: 256 }, (_, b) => HEX[rev4(b & 15)] + HEX[rev4(b >>> 4)]);

/** Inverse of one key digit: the 4 function bits, LSB first (bit 0 at position 0). */
const DIGIT_BITS = new Int8Array(128).fill(-1);
for (let d = 0; d < 16; d++) {
  DIGIT_BITS[HEX.charCodeAt(d)] = rev4(d);
  DIGIT_BITS[HEX.toUpperCase().charCodeAt(d)] = rev4(d);
}

/**
 * The stable hex key of the function packed in `words` (starting at word
 * `offset`) on m points. Bits at positions ≥ m are ignored. Runs through a
 * byte lookup table: ceil(m/8) string appends per key.
 */
export function keyOf(words: Uint32Array, m: number, offset = 0): string {
  checkRange(words, offset, wordsFor(m), 'keyOf');
  return keyAt(words, m, offset);
}

/** {@link keyOf} without argument checks, for loops that have checked the whole buffer. @internal */
export function keyAt(words: Uint32Array, m: number, offset: number): string {
  const fullWords = m >>> 5;
  let key = '';
  for (let j = 0; j < fullWords; j++) {
    const v = words[offset + j];
    key += BYTE_HEX[v & 255] + BYTE_HEX[(v >>> 8) & 255] + BYTE_HEX[(v >>> 16) & 255] + BYTE_HEX[v >>> 24];
  }
  const rest = m & 31;
  if (rest !== 0) {
    const v = words[offset + fullWords] & (2 ** rest - 1);
    const digits = (rest + 3) >>> 2;
    for (let q = 0; q < digits; q += 2) {
      const pair = BYTE_HEX[(v >>> (4 * q)) & 255];
      key += q + 1 < digits ? pair : pair[0];
    }
  }
  return key;
}

/** The key of a 0/1 vector (same as `keyOf(packBits(bits), bits.length)`). */
export function keyOfBits(bits: Uint8Array): string {
  return keyOf(packBits(bits), bits.length);
}

/** The key of a '0'/'1' string such as a dataset's target. */
export function keyOfBitString(s: string): string {
  return keyOfBits(toBitArray(s, 'keyOfBitString'));
}

/**
 * Validate a key for m points and return its canonical (lowercase) form.
 * Throws, naming the key, unless it has exactly ceil(m/4) hex digits and its
 * padding bits (positions ≥ m) are 0.
 */
export function normalizeKey(key: string, m: number): string {
  const len = keyLength(m);
  if (typeof key !== 'string') throw new FsbayesError(`key must be a string, got ${show(key)}`);
  if (key.length !== len) {
    throw new FsbayesError(`key ${JSON.stringify(key)} has ${key.length} hex digits; m = ${m} needs ${len}`);
  }
  for (let j = 0; j < len; j++) {
    const c = key.charCodeAt(j);
    if (c >= 128 || DIGIT_BITS[c] < 0) {
      throw new FsbayesError(
        `key ${JSON.stringify(key)}: invalid hex character ${JSON.stringify(key[j])} at position ${j}`,
      );
    }
  }
  const pad = len * 4 - m;
  if (pad > 0) {
    // The last digit's low `pad` bits (function positions ≥ m) must be zero.
    const d = Number.parseInt(key[len - 1], 16);
    if ((d & ((1 << pad) - 1)) !== 0) {
      throw new FsbayesError(`key ${JSON.stringify(key)}: padding bits beyond m = ${m} must be 0`);
    }
  }
  return key.toLowerCase();
}

/** The packed words (ceil(m/32)) of a key for m points. */
export function keyToWords(key: string, m: number): Uint32Array {
  normalizeKey(key, m);
  const out = new Uint32Array(wordsFor(m));
  for (let j = 0; j < key.length; j++) {
    const nib = DIGIT_BITS[key.charCodeAt(j)];
    out[j >>> 3] |= nib << (4 * (j & 7));
  }
  return out;
}

/** The m bits (0/1) of a key. */
export function keyToBits(key: string, m: number): Uint8Array {
  return unpackBits(keyToWords(key, m), m);
}

/** The m bits of a key as a '0'/'1' string (bit 0 first). */
export function bitString(key: string, m: number): string {
  return bitsToString(keyToBits(key, m));
}

/** Number of set bits in a 32-bit word. */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
}
