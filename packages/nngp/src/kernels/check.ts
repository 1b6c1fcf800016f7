/** Input checks shared by the kernel entry points. */
import { FsbayesError } from '@fsbayes/core';

/** Throw a clear error unless X is a finite Float64Array of n rows of dimension d. */
export function checkBlock(X: Float64Array, n: number, d: number, name: string): void {
  if (!(X instanceof Float64Array)) throw new FsbayesError(`${name} must be a Float64Array`);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new FsbayesError(`${name}: number of inputs must be a positive integer, got ${n}`);
  if (X.length !== n * d) {
    throw new FsbayesError(`${name}: ${n} inputs of dimension ${d} need ${n * d} values, got ${X.length}`);
  }
  for (let k = 0; k < X.length; k++) {
    if (!Number.isFinite(X[k])) {
      throw new FsbayesError(`${name}: input ${Math.floor(k / d)}, feature ${k % d} is ${X[k]}, not a finite number`);
    }
  }
}
