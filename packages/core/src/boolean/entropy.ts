/** Counting ones and entropies of Boolean functions and of count vectors. */

import { type BitsLike, toBitArray } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';

/** T(s): the number of 1 bits (the number of inputs a Boolean function maps to 1). */
export function ones(s: BitsLike): number {
  const bits = toBitArray(s, 'ones');
  let t = 0;
  for (let j = 0; j < bits.length; j++) t += bits[j];
  return t;
}

/**
 * H(T/n) in bits: the binary entropy of the fraction of ones, as in Mingard
 * et al. (arXiv 1909.11522). 0 for a constant string, 1 when exactly half the
 * bits are ones.
 */
export function binaryEntropy(s: BitsLike): number {
  const bits = toBitArray(s, 'binaryEntropy');
  let t = 0;
  for (let j = 0; j < bits.length; j++) t += bits[j];
  const p = t / bits.length;
  if (p === 0 || p === 1) return 0;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/** Unit of an entropy: 'bits' (log base 2) or 'nats' (natural log). */
export type EntropyUnit = 'bits' | 'nats';

/**
 * Shannon entropy of the empirical distribution p_i = counts_i / Σ counts
 * (the plug-in estimate: no small-sample correction, so it is biased low when
 * many outcomes are seen only once). Zero counts contribute nothing. Counts
 * must be finite and non-negative with a positive sum. Unit: bits by default.
 */
export function entropyOfCounts(counts: Iterable<number>, unit: EntropyUnit = 'bits'): number {
  if (unit !== 'bits' && unit !== 'nats')
    throw new FsbayesError(`entropyOfCounts: unit must be 'bits' or 'nats', got ${show(unit)}`);
  if (counts === null || typeof (counts as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function')
    throw new FsbayesError(`entropyOfCounts: counts must be an array of numbers, got ${show(counts)}`);
  const arr = Array.from(counts);
  let total = 0;
  for (let j = 0; j < arr.length; j++) {
    const c = arr[j];
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) {
      throw new FsbayesError(
        `entropyOfCounts: count at index ${j} must be a finite non-negative number, got ${show(c)}`,
      );
    }
    total += c;
  }
  if (!(total > 0)) throw new FsbayesError('entropyOfCounts: counts sum to 0 (no observations)');
  // H = ln N − (1/N) Σ c ln c, summed in a stable order.
  let s = 0;
  for (const c of arr) if (c > 0) s += c * Math.log(c);
  let h = Math.log(total) - s / total;
  if (h < 0) h = 0; // rounding when one outcome holds all the mass
  return unit === 'bits' ? h / Math.LN2 : h;
}
