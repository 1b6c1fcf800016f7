/** Random function data for the columnar-table tests. */
import { wordsFor } from '../src/bits.js';
import type { Rng } from '../src/rng/index.js';

const u32 = (rng: Rng) => rng.int(2 ** 16) * 2 ** 16 + rng.int(2 ** 16);

/**
 * A pool of `k` distinct-ish functions on m points: half random, half near
 * copies of a few of them (one or two bits flipped, so long shared key
 * prefixes), with junk in the padding bits (every table must ignore them).
 */
export function functionPool(rng: Rng, m: number, k: number): Uint32Array {
  const w = wordsFor(m);
  const pool = new Uint32Array(k * w);
  for (let i = 0; i < k; i++) {
    const o = i * w;
    if (i < 8 || rng.uniform() < 0.5) {
      for (let j = 0; j < w; j++) pool[o + j] = u32(rng);
    } else {
      const base = rng.int(8) * w;
      for (let j = 0; j < w; j++) pool[o + j] = pool[base + j];
      for (let f = 1 + rng.int(2); f > 0; f--) {
        const bit = rng.int(m);
        pool[o + (bit >>> 5)] ^= 1 << (bit & 31);
      }
    }
    if (m % 32 !== 0) pool[o + w - 1] ^= (u32(rng) >>> (m % 32)) << (m % 32); // padding junk
  }
  return pool;
}

/** `n` functions drawn from the pool with a skewed law (a few common, many rare), packed one after another. */
export function drawFunctions(rng: Rng, pool: Uint32Array, w: number, n: number): Uint32Array {
  const k = pool.length / w;
  const out = new Uint32Array(n * w);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    const from = Math.floor(k * u * u * u) * w;
    for (let j = 0; j < w; j++) out[i * w + j] = pool[from + j];
  }
  return out;
}
