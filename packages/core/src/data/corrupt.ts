/** Label corruption: part of a training set's labels replaced by coin flips (as in Valle-Pérez et al. 2019). */
import { FsbayesError } from '../errors/index.js';
import type { Rng } from '../rng/index.js';

/**
 * Replace a fraction `c` of the labels by fair coin flips: round(c·m) points
 * chosen by a seeded shuffle, each given `rng.uint32() & 1` (so about half of
 * them keep their label). Returns new labels; the input is not changed.
 */
export function corruptLabels(labels: Uint8Array, c: number, rng: Rng): Uint8Array {
  if (!(c >= 0 && c <= 1)) throw new FsbayesError(`corruption must be in [0, 1], got ${c}`);
  const out = labels.slice();
  const k = Math.round(c * labels.length);
  const idx = Array.from({ length: labels.length }, (_, i) => i);
  rng.shuffle(idx);
  for (let j = 0; j < k; j++) out[idx[j]] = rng.uint32() & 1;
  return out;
}
