/**
 * Packed functions and their keys.
 *
 * A function on a test set E of size m is a bit vector: bit i is the net's
 * binary prediction (f(x_i) > 0) on the i-th point of E.
 *
 * **Packing.** A function travels as `wordsFor(m) = ceil(m/32)` 32-bit words;
 * bit i is stored in word `i >>> 5` at bit position `i & 31` (LSB first). Bits
 * at positions ≥ m in the last word are padding: writers should leave them 0,
 * and every reader here ignores them.
 *
 * **Keys.** The stable key of a function is the hex string of its bits read
 * as bits 0..m−1 left to right, 4 bits per lowercase hex digit, the first bit
 * being the most significant bit of the first digit, zero-padded at the end
 * to a multiple of 4 bits. So a key has exactly `ceil(m/4)` digits; bits
 * "0001" have key "1", "1000 0000" has "80", and "1" (m = 1) has "8". This is
 * the same convention as the datasets module's hex targets.
 */
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';

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

const HEX = '0123456789abcdef';

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
  const m = s.length;
  if (m === 0) throw new FsbayesError('keyOfBitString: empty string');
  const bits = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 49) bits[i] = 1;
    else if (ch !== 48) {
      throw new FsbayesError(
        `keyOfBitString: invalid character ${JSON.stringify(s[i])} at position ${i} (only '0' and '1' allowed)`,
      );
    }
  }
  return keyOfBits(bits);
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
  const bits = keyToBits(key, m);
  let s = '';
  for (let i = 0; i < m; i++) s += bits[i] ? '1' : '0';
  return s;
}

/** Number of set bits in a 32-bit word. */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
}
