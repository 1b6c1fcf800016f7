/** Overlap of the most probable functions of two distributions. */
import { FsbayesError } from '@fsbayes/core';

/**
 * Indices of the k largest values of p, largest first; ties broken by the
 * smaller `order` value (e.g. the key), so the choice is deterministic.
 * Zero-probability entries are never chosen.
 */
export function topIndices(p: ArrayLike<number>, k: number, order: readonly string[]): number[] {
  // One pass keeping the best k in order: O(n·k) at worst, about O(n) for the small k used here
  // (a full sort per bootstrap replicate was the bottleneck on large tables).
  const before = (a: number, b: number) => p[a] > p[b] || (p[a] === p[b] && order[a] < order[b]);
  const best: number[] = [];
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] > 0)) continue;
    if (best.length === k && !before(i, best[k - 1])) continue;
    let j = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(i);
    while (j > 0 && before(i, best[j - 1])) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = i;
  }
  return best;
}

/** What {@link topMassOverlap} returns. */
export interface TopOverlap {
  /**
   * Σ over functions in both top-k lists of min(p, q): the probability both
   * distributions put on their shared most-probable functions. In [0, 1];
   * as k grows it rises to 1 − TV(p, q).
   */
  mass: number;
  /** How many functions are in both top-k lists. */
  shared: number;
  /** The k used (may exceed the number of functions either side has). */
  k: number;
}

/** Overlap of the top-k functions of p and q (aligned arrays over the same keys). */
export function topMassOverlap(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  k: number,
  keys: readonly string[],
): TopOverlap {
  if (!Number.isSafeInteger(k) || k < 1) throw new FsbayesError(`top-k: k must be a positive integer, got ${k}`);
  const ta = topIndices(p, k, keys);
  const tb = new Set(topIndices(q, k, keys));
  let mass = 0;
  let shared = 0;
  for (const i of ta) {
    if (!tb.has(i)) continue;
    shared++;
    mass += Math.min(p[i], q[i]);
  }
  return { mass, shared, k };
}
