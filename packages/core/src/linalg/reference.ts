/**
 * Plain-TypeScript float64 linear algebra: the reference every wasm routine is
 * tested against, and the path small problems take (no copy into wasm memory,
 * no worker hand-off). Row-major throughout.
 */
import { FsbayesError } from '../errors/index.js';

/** Why a Cholesky factorisation stopped: the 0-based pivot index and its value. */
export class NotPositiveDefiniteError extends FsbayesError {
  constructor(
    readonly pivot: number,
    readonly value: number,
    extra = '',
  ) {
    super(
      `cholesky: matrix is not positive definite (pivot ${pivot} = ${value.toExponential(3)} after elimination)${extra}`,
    );
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * A pivot d_j is accepted when d_j > pivotTol(n) · A_jj (A's own diagonal
 * entry, jitter included): exact singularity (a repeated row) leaves a pivot
 * of rounding size, which must count as a failure rather than produce a
 * factor with 1e8-sized entries.
 */
export function pivotTol(n: number): number {
  return 4 * (n + 8) * 2.220446049250313e-16;
}

/**
 * In-place lower Cholesky factorisation of the n×n row-major `a` (lower
 * triangle read; the strict upper triangle is zeroed). Adds `jitter` to the
 * diagonal first. Returns -1 on success, else the failing pivot's index.
 * The failing pivot's value is left in a[j*n+j].
 */
export function choleskyInPlace(a: Float64Array, n: number, jitter: number): number {
  const tol = pivotTol(n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const ajj = a[rj + j] + jitter;
    let d = ajj;
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > tol * ajj)) {
      a[rj + j] = d;
      return j;
    }
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s * inv;
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return -1;
}

/** Forward (L X = B) or back (Lᵀ X = B) substitution, in place on x (n×nrhs). */
export function solveTriangularInPlace(L: Float64Array, n: number, x: Float64Array, nrhs: number, transpose: boolean) {
  if (nrhs === 1) {
    trsv1(L, n, x, transpose);
    return;
  }
  if (!transpose) {
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const xi = i * nrhs;
      for (let k = 0; k < i; k++) {
        const l = L[ri + k];
        if (l === 0) continue;
        const xk = k * nrhs;
        for (let c = 0; c < nrhs; c++) x[xi + c] -= l * x[xk + c];
      }
      const inv = 1 / L[ri + i];
      for (let c = 0; c < nrhs; c++) x[xi + c] *= inv;
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      const xi = i * nrhs;
      const inv = 1 / L[i * n + i];
      for (let c = 0; c < nrhs; c++) x[xi + c] *= inv;
      // x_i is final: eliminate it from rows k < i (column i of Lᵀ is row i of L).
      const ri = i * n;
      for (let k = 0; k < i; k++) {
        const l = L[ri + k];
        if (l === 0) continue;
        const xk = k * nrhs;
        for (let c = 0; c < nrhs; c++) x[xk + c] -= l * x[xi + c];
      }
    }
  }
}

/** One right-hand side: row dot products (L x = b) or row axpys (Lᵀ x = b), 4-way unrolled; reads L row by row. */
function trsv1(L: Float64Array, n: number, x: Float64Array, transpose: boolean): void {
  if (!transpose) {
    for (let i = 0; i < n; i++) {
      const r = i * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 4 <= i; k += 4) {
        s0 += L[r + k] * x[k];
        s1 += L[r + k + 1] * x[k + 1];
        s2 += L[r + k + 2] * x[k + 2];
        s3 += L[r + k + 3] * x[k + 3];
      }
      for (; k < i; k++) s0 += L[r + k] * x[k];
      x[i] = (x[i] - (s0 + s1 + (s2 + s3))) / L[r + i];
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      const r = i * n;
      const xi = x[i] / L[r + i];
      x[i] = xi;
      let k = 0;
      for (; k + 4 <= i; k += 4) {
        x[k] -= xi * L[r + k];
        x[k + 1] -= xi * L[r + k + 1];
        x[k + 2] -= xi * L[r + k + 2];
        x[k + 3] -= xi * L[r + k + 3];
      }
      for (; k < i; k++) x[k] -= xi * L[r + k];
    }
  }
}

/** C (m×n) = A (m×k) · B (k×n), i-k-j order. */
export function matmulRef(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
    }
  }
  return C;
}

/** C (n1×n2) = X1 X2ᵀ for X1 n1×d, X2 n2×d; when `sym` (X1 = X2) only i ≥ j is computed and mirrored. */
export function gramRef(X1: Float64Array, n1: number, X2: Float64Array, n2: number, d: number, sym: boolean) {
  const C = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++) {
    const xi = i * d;
    const jEnd = sym ? i + 1 : n2;
    for (let j = 0; j < jEnd; j++) {
      const xj = j * d;
      let s = 0;
      for (let p = 0; p < d; p++) s += X1[xi + p] * X2[xj + p];
      C[i * n2 + j] = s;
      if (sym) C[j * n2 + i] = s;
    }
  }
  return C;
}
