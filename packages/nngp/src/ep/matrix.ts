/** Small helpers on full n×n row-major matrices, shared by EP, its predictions and P_B. */

/** A full symmetric copy of K's lower triangle. */
export function symFromLower(K: Float64Array, n: number): Float64Array {
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) S[i * n + j] = S[j * n + i] = K[i * n + j];
  return S;
}

/** Copy the lower triangle onto the upper one. */
export function mirrorLower(S: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) S[i * n + j] = S[j * n + i];
}

/** y = A x for a full row-major n×n A. */
export function matVec(A: Float64Array, x: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += A[o + j] * x[j];
    y[i] = s;
  }
  return y;
}
