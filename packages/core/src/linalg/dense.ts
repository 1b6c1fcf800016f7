/**
 * Dense float64 linear algebra: Cholesky with jitter, triangular solves,
 * Gram matrices and matrix products, each synchronous and as an `…Async`
 * twin (see `index.ts` for the paths and threads).
 */
import { FsbayesError } from '../errors/index.js';
import { checkMemory } from '../resources/memory.js';
import { engine, pick, runAsyncOrTs, runSyncOrTs, threadsFor, threadsForWork } from './dispatch.js';
import { cholPlan, gramPlan, matmulPlan, runPlan, runPlanAsync, trsmPlan } from './ops.js';
import { choleskyInPlace, gramRef, matmulRef, NotPositiveDefiniteError, solveTriangularInPlace } from './reference.js';

/** Options of {@link cholesky}. */
export interface CholeskyOptions {
  /**
   * 'auto' (default): on failure retry with diagonal jitter 1e-10·mean(diag),
   * ×10 each time up to 1e-2·mean(diag). A number: add exactly that jitter.
   * 0: no jitter (throws `NotPositiveDefiniteError` naming the pivot).
   */
  jitter?: 'auto' | number;
  /** Worker threads for large n (default: all cores). */
  threads?: number;
}

/** A Cholesky factor and the jitter it needed. */
export interface CholeskyResult {
  /** Lower factor, n×n row-major, strict upper triangle zero. */
  L: Float64Array;
  /** The diagonal jitter that was added (0 if none). */
  jitter: number;
}

function checkSquare(name: string, A: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new FsbayesError(`${name}: n must be a non-negative integer, got ${n}`);
  if (A.length < n * n) throw new FsbayesError(`${name}: matrix has ${A.length} entries, needs ${n}×${n}`);
}

function meanDiag(A: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += A[i * n + i];
  return n > 0 ? s / n : 0;
}

/**
 * The jitter schedule of `cholesky`: run `attempt(jitter)` (which returns -1
 * on success or the failing pivot) for each jitter in turn.
 */
function choleskyWithJitter(
  A: Float64Array,
  n: number,
  jitterOpt: 'auto' | number,
  attempt: (jitter: number) => { pivot: number; value: number },
): number {
  if (jitterOpt !== 'auto') {
    if (!(jitterOpt >= 0) || !Number.isFinite(jitterOpt))
      throw new FsbayesError(`cholesky: jitter must be 'auto' or a finite number ≥ 0, got ${jitterOpt}`);
    const r = attempt(jitterOpt);
    if (r.pivot >= 0)
      throw new NotPositiveDefiniteError(r.pivot, r.value, jitterOpt > 0 ? ` with jitter ${jitterOpt}` : '');
    return jitterOpt;
  }
  let r = attempt(0);
  if (r.pivot < 0) return 0;
  const first = r;
  const md = meanDiag(A, n);
  if (!(md > 0) || !Number.isFinite(md))
    throw new NotPositiveDefiniteError(first.pivot, first.value, ' (mean diagonal ≤ 0)');
  for (let e = -10; e <= -2; e++) {
    const jitter = md * 10 ** e;
    r = attempt(jitter);
    if (r.pivot < 0) return jitter;
  }
  throw new NotPositiveDefiniteError(
    first.pivot,
    first.value,
    `; still failing at pivot ${r.pivot} with jitter 1e-2·mean(diag) = ${(md * 1e-2).toExponential(3)}`,
  );
}

/** The factor and its copy in wasm memory. */
function checkCholeskyMemory(n: number): void {
  checkMemory(`the Cholesky factor of a ${n} × ${n} matrix`, [
    { what: 'the factor (f64; a copy in wasm memory and the result)', bytes: n * n * 8, pool: 'native', copies: 2 },
  ]);
}

/**
 * Lower Cholesky factor of a symmetric positive (semi)definite n×n matrix
 * (only the lower triangle of A is read; A is not modified).
 *
 * A pivot d_j (after elimination) is accepted when d_j > 4(n+8)ε · A_jj:
 * exactly singular matrices (repeated rows) fail cleanly instead of giving
 * a factor with 1e8-sized entries. jitter 'auto' then retries with
 * 1e-10·mean(diag), ×10 up to 1e-2·mean(diag), and reports what it added.
 */
export function cholesky(A: Float64Array, n: number, opts: CholeskyOptions = {}): CholeskyResult {
  checkSquare('cholesky', A, n);
  checkCholeskyMemory(n);
  const threads = threadsFor(opts.threads);
  const work = (n * n * n) / 3;
  const e = pick(work) === 'wasm' ? engine() : undefined;
  let L: Float64Array = new Float64Array(0);
  const jitter = choleskyWithJitter(A, n, opts.jitter ?? 'auto', (j) => {
    if (e) {
      const r = runPlan(e, cholPlan(e, A, n, j), threadsForWork(work, threads));
      if (r.L) L = r.L;
      return { pivot: r.pivot, value: r.value };
    }
    L = A.slice(0, n * n);
    const pivot = choleskyInPlace(L, n, j);
    return { pivot, value: pivot >= 0 ? L[pivot * n + pivot] : 0 };
  });
  return { L, jitter };
}

/** `cholesky` without blocking the event loop on large matrices (same arguments, same result bits). */
export async function choleskyAsync(A: Float64Array, n: number, opts: CholeskyOptions = {}): Promise<CholeskyResult> {
  checkSquare('cholesky', A, n);
  checkCholeskyMemory(n);
  const work = (n * n * n) / 3;
  const threads = threadsForWork(work, threadsFor(opts.threads));
  const e = pick(work) === 'wasm' ? engine() : undefined;
  if (!e || threads === 1) return cholesky(A, n, opts);
  const jitterOpt = opts.jitter ?? 'auto';
  // The jitter schedule, with each attempt awaited.
  const attempt = (j: number) => runPlanAsync(e, cholPlan(e, A, n, j), threads);
  const schedule: number[] = [];
  if (jitterOpt === 'auto') {
    schedule.push(0);
    const md = meanDiag(A, n);
    if (md > 0 && Number.isFinite(md)) for (let k = -10; k <= -2; k++) schedule.push(md * 10 ** k);
  } else {
    choleskyWithJitter(A, n, jitterOpt, () => ({ pivot: -1, value: 0 })); // validates the option
    schedule.push(jitterOpt);
  }
  let first: { pivot: number; value: number } | undefined;
  let last = { pivot: -1, value: 0 };
  for (const j of schedule) {
    const r = await attempt(j);
    if (r.L) return { L: r.L, jitter: j };
    first ??= r;
    last = r;
  }
  const f = first ?? last;
  if (jitterOpt !== 'auto')
    throw new NotPositiveDefiniteError(f.pivot, f.value, jitterOpt > 0 ? ` with jitter ${jitterOpt}` : '');
  if (schedule.length === 1) throw new NotPositiveDefiniteError(f.pivot, f.value, ' (mean diagonal ≤ 0)');
  throw new NotPositiveDefiniteError(
    f.pivot,
    f.value,
    `; still failing at pivot ${last.pivot} with jitter 1e-2·mean(diag) = ${(meanDiag(A, n) * 1e-2).toExponential(3)}`,
  );
}

/** Right-hand sides up to this many are solved in TypeScript on the caller's L (no copy; memory-bound anyway). */
const TRSV_TS_MAX_RHS = 4;

function checkSolve(L: Float64Array, n: number, B: Float64Array, nrhs: number): void {
  checkSquare('solveTriangular', L, n);
  if (!Number.isInteger(nrhs) || nrhs < 0)
    throw new FsbayesError(`solveTriangular: nrhs must be an integer ≥ 0, got ${nrhs}`);
  if (B.length < n * nrhs) throw new FsbayesError(`solveTriangular: B has ${B.length} entries, needs ${n}×${nrhs}`);
}

function solveTs(L: Float64Array, n: number, B: Float64Array, nrhs: number, transpose: boolean): Float64Array {
  const X = B.slice(0, n * nrhs);
  solveTriangularInPlace(L, n, X, nrhs, transpose);
  return X;
}

/** Solve L X = B (or Lᵀ X = B with `transpose`) for lower-triangular L; B is n×nrhs; returns X (B untouched). */
export function solveTriangular(
  L: Float64Array,
  n: number,
  B: Float64Array,
  nrhs: number,
  opts: { transpose?: boolean; threads?: number } = {},
): Float64Array {
  checkSolve(L, n, B, nrhs);
  const tr = opts.transpose === true;
  const work = nrhs <= TRSV_TS_MAX_RHS ? 0 : (n * n * nrhs) / 2;
  return runSyncOrTs(
    work,
    (e) => trsmPlan(e, L, n, B, nrhs, tr),
    () => solveTs(L, n, B, nrhs, tr),
    opts.threads,
  );
}

/** {@link solveTriangular} without blocking the event loop on large problems (same bits). */
export function solveTriangularAsync(
  L: Float64Array,
  n: number,
  B: Float64Array,
  nrhs: number,
  opts: { transpose?: boolean; threads?: number } = {},
): Promise<Float64Array> {
  checkSolve(L, n, B, nrhs);
  const tr = opts.transpose === true;
  const work = nrhs <= TRSV_TS_MAX_RHS ? 0 : (n * n * nrhs) / 2;
  return runAsyncOrTs(
    work,
    (e) => trsmPlan(e, L, n, B, nrhs, tr),
    () => solveTs(L, n, B, nrhs, tr),
    opts.threads,
  );
}

/** log|A| = 2 Σ log L_ii from A's Cholesky factor. */
export function logDetFromCholesky(L: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(L[i * n + i]);
  return 2 * s;
}

/** Sizes and length of a rows×cols matrix argument, named in the message. */
export function checkMat(name: string, X: Float64Array, rows: number, cols: number, what = 'X'): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0)
    throw new FsbayesError(`${name}: sizes must be non-negative integers, got ${rows}×${cols}`);
  if (X.length < rows * cols) throw new FsbayesError(`${name}: ${what} has ${X.length} entries, needs ${rows}×${cols}`);
}

/** G = X Xᵀ (n×n, full symmetric) for X n×d row-major. */
export function gram(X: Float64Array, n: number, d: number): Float64Array {
  checkMat('gram', X, n, d);
  return runSyncOrTs(
    (n * n * d) / 2,
    (e) => gramPlan(e, X, n, undefined, n, d),
    () => gramRef(X, n, X, n, d, true),
  );
}

/** {@link gram} without blocking the event loop on large problems (same bits). */
export function gramAsync(X: Float64Array, n: number, d: number): Promise<Float64Array> {
  checkMat('gram', X, n, d);
  return runAsyncOrTs(
    (n * n * d) / 2,
    (e) => gramPlan(e, X, n, undefined, n, d),
    () => gramRef(X, n, X, n, d, true),
  );
}

/** G = X1 X2ᵀ (n1×n2) for X1 n1×d, X2 n2×d. */
export function gramCross(X1: Float64Array, n1: number, X2: Float64Array, n2: number, d: number): Float64Array {
  checkMat('gramCross', X1, n1, d, 'X1');
  checkMat('gramCross', X2, n2, d, 'X2');
  return runSyncOrTs(
    n1 * n2 * d,
    (e) => gramPlan(e, X1, n1, X2, n2, d),
    () => gramRef(X1, n1, X2, n2, d, false),
  );
}

/** {@link gramCross} without blocking the event loop on large problems (same bits). */
export function gramCrossAsync(
  X1: Float64Array,
  n1: number,
  X2: Float64Array,
  n2: number,
  d: number,
): Promise<Float64Array> {
  checkMat('gramCross', X1, n1, d, 'X1');
  checkMat('gramCross', X2, n2, d, 'X2');
  return runAsyncOrTs(
    n1 * n2 * d,
    (e) => gramPlan(e, X1, n1, X2, n2, d),
    () => gramRef(X1, n1, X2, n2, d, false),
  );
}

/** C = A B for A m×k and B k×n (row-major). */
export function matmul(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  checkMat('matmul', A, m, k, 'A');
  checkMat('matmul', B, k, n, 'B');
  return runSyncOrTs(
    m * n * k,
    (e) => matmulPlan(e, A, m, k, B, n),
    () => matmulRef(A, m, k, B, n),
  );
}

/** {@link matmul} without blocking the event loop on large problems (same bits). */
export function matmulAsync(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Promise<Float64Array> {
  checkMat('matmul', A, m, k, 'A');
  checkMat('matmul', B, k, n, 'B');
  return runAsyncOrTs(
    m * n * k,
    (e) => matmulPlan(e, A, m, k, B, n),
    () => matmulRef(A, m, k, B, n),
  );
}
