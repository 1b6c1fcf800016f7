/**
 * Sort rows of packed functions by key, in place on an index array: an
 * in-place MSD radix sort on key bytes (American flag sort), finishing small
 * buckets by insertion sort. No extra memory beyond 3 KiB per level, and the
 * keys themselves are not moved (a hash table stays usable while it is read
 * in order).
 */
import { compareKeys, keyDigit } from './key-order.js';

/** Buckets at most this large are finished by insertion sort. */
const SMALL = 24;

/**
 * Sort `rows[0..n)` (row r's function is at words [r·w, (r+1)·w) of `keys`)
 * so that their functions are in key order (see `compareKeys`). Rows must
 * hold distinct functions for the order to be total; equal ones end adjacent.
 */
export function sortRowsByKey(keys: Uint32Array, w: number, rows: Uint32Array, n: number): void {
  const digits = 4 * w;
  // Per recursion level: bucket sizes [0, 256), next free slot [256, 512), bucket ends [512, 768).
  const scratch: Int32Array[] = [];

  const insertion = (lo: number, hi: number): void => {
    for (let i = lo + 1; i < hi; i++) {
      const v = rows[i];
      const vo = v * w;
      let j = i - 1;
      while (j >= lo && compareKeys(keys, rows[j] * w, keys, vo, w) > 0) {
        rows[j + 1] = rows[j];
        j--;
      }
      rows[j + 1] = v;
    }
  };

  const sortRange = (lo: number, hi: number, d: number, level: number): void => {
    for (;;) {
      const len = hi - lo;
      if (len <= SMALL) {
        insertion(lo, hi);
        return;
      }
      if (d >= digits) return; // all keys equal
      let s = scratch[level];
      if (s === undefined) {
        s = new Int32Array(768);
        scratch[level] = s;
      }
      s.fill(0, 0, 256);
      for (let i = lo; i < hi; i++) s[keyDigit(keys, rows[i] * w, d)]++;
      let single = false;
      for (let b = 0; b < 256; b++) {
        if (s[b] === len) single = true;
        if (s[b] !== 0) break;
      }
      if (single) {
        d++; // one bucket: the next digit decides
        continue;
      }
      for (let b = 0, at = lo; b < 256; b++) {
        s[256 + b] = at;
        at += s[b];
        s[512 + b] = at;
      }
      for (let b = 0; b < 256; b++) {
        let next = s[256 + b];
        const end = s[512 + b];
        while (next < end) {
          let v = rows[next];
          let dg = keyDigit(keys, v * w, d);
          // Carry v to its bucket, picking up whatever sat there, until one belongs here.
          while (dg !== b) {
            const t = s[256 + dg]++;
            const u = rows[t];
            rows[t] = v;
            v = u;
            dg = keyDigit(keys, v * w, d);
          }
          rows[next++] = v;
        }
        s[256 + b] = next;
      }
      for (let b = 0, start = lo; b < 256; b++) {
        const end = s[512 + b];
        if (end - start > 1) sortRange(start, end, d + 1, level + 1);
        start = end;
      }
      return;
    }
  };

  sortRange(0, n, 0, 0);
}
