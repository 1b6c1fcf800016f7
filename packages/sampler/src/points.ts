/** Point sets (S or E) and the packing of labels into function words. */
import { packBits } from '@fsbayes/core';

/** Points on which nets are evaluated: [m × d] row-major inputs and, where known, their 0/1 labels. */
export interface PointSet {
  inputs: Float64Array;
  m: number;
  labels: Uint8Array | null;
}

/** Labels packed like a function (bit i of word i>>>5), padding bits 0. */
export function labelWords(labels: Uint8Array): Uint32Array {
  return packBits(labels);
}

/** Mask of the valid bits in the last word of a function on m points. */
export function lastWordMask(m: number): number {
  return m % 32 === 0 ? 0xffffffff : 2 ** (m % 32) - 1;
}

/** Rows [m1 × d] then [m2 × d] as one [(m1+m2) × d] input array. */
export function concatInputs(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
