/**
 * The order of packed functions: the order of their hex keys.
 *
 * A key reads the bits 0..m−1 left to right (see `bits.ts`), so keys sort as
 * the bit strings do with bit 0 most significant. On packed words (bit i in
 * word i >>> 5 at position i & 31, LSB first) the first differing bit is the
 * lowest set bit of a ^ b in the first differing word. Tables on disk are
 * sorted in this order, so sorted runs and files merge by key.
 */

/** REV8[b]: the byte b with its 8 bits reversed. */
export const REV8: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    let r = 0;
    for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 128 >>> i;
    t[b] = r;
  }
  return t;
})();

/**
 * Compare the `w`-word packed functions at word offsets `ao` of `a` and `bo`
 * of `b` in key order: negative, 0 or positive. Padding bits must be 0.
 */
export function compareKeys(a: Uint32Array, ao: number, b: Uint32Array, bo: number, w: number): number {
  for (let j = 0; j < w; j++) {
    const x = a[ao + j];
    const y = b[bo + j];
    if (x !== y) {
      const d = x ^ y;
      return (x & d & -d) !== 0 ? 1 : -1;
    }
  }
  return 0;
}

/**
 * Digit `d` (a byte, most significant first) of the function at word offset
 * `o`: bits 8d..8d+7 with bit 8d as the byte's MSB, so digits compare as the
 * keys do.
 */
export function keyDigit(keys: Uint32Array, o: number, d: number): number {
  return REV8[(keys[o + (d >>> 2)] >>> ((d & 3) << 3)) & 255];
}
