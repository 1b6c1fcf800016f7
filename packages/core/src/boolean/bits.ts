/**
 * Input handling shared by the Boolean-function tools: a Boolean function on n
 * points is given either as a string of '0'/'1' characters or as a Uint8Array
 * of 0/1 values, index i being the value on the i-th point.
 */
import { FsbayesError } from '../errors/index.js';

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
