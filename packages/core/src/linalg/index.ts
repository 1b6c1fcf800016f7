/**
 * Dense float64 linear algebra for GP work: Cholesky with jitter, triangular
 * solves, Gram matrices, matrix products and the FCN NNGP/NTK kernel.
 * All matrices are row-major Float64Arrays; inputs are never modified and
 * results are fresh (ordinary, non-shared) arrays.
 *
 * Paths, by problem size only (never by thread count):
 * - small: plain TypeScript (`reference.ts`, `fcn.ts`), no copies;
 *   triangular solves with ≤ 4 right-hand sides always (memory-bound, and
 *   copying L into wasm would cost more than the solve);
 * - larger: the wasm module `wasm/linalg/` (SIMD, FMA through relaxed SIMD
 *   when V8 allows it), single-threaded up to ~160³ multiply-adds, above
 *   that on all cores (`configureLinalg({ threads })`, or `threads` options).
 * The wasm kernels' arithmetic does not depend on how work is split, so
 * results are bitwise independent of the thread count, and sync equals async.
 *
 * Sync and async. Every function is synchronous; threaded, the calling
 * thread takes part and blocks in the job's barrier (Node allows this; a
 * browser main thread does not, so there only the async versions could
 * thread). The `…Async` twins take the same arguments and run large jobs on
 * the workers alone, leaving the event loop free. Workers start in the
 * background on first use; a synchronous call waits for them at most 1 s
 * over the process's life and otherwise runs on the calling thread (e.g.
 * under `node -e`, where Node cannot start a worker while the main thread
 * blocks). Workers are unref'd: they never keep the process alive.
 *
 * Memory. Each wasm call copies its inputs into one shared
 * WebAssembly.Memory (grown on demand, at most 4 GiB: about N = 16000 for a
 * Cholesky) and its result out: ~10 ms in and ~70 ms out for a 4000×4000
 * matrix on the 2-core VM (the output's fresh pages dominate).
 *
 * Without a built wasm module (or worker script) everything still works, in
 * plain TypeScript, single-threaded.
 */
import { FsbayesError } from '../errors/index.js';
import { checkMemory } from '../resources/memory.js';
import { closeLinalgEngine, defaultThreads, type LinalgEngine, linalgEngine } from './engine.js';
import { checkFcnParams, type FcnKernelParams, type FcnKernelResult, fcnKernelRef } from './fcn.js';
import { cholPlan, fcnPlan, gramPlan, matmulPlan, type Plan, runPlan, runPlanAsync, trsmPlan } from './ops.js';
import { choleskyInPlace, gramRef, matmulRef, NotPositiveDefiniteError, solveTriangularInPlace } from './reference.js';

export type { FcnKernelDevice, FcnKernelParams, FcnKernelResult } from './fcn.js';
export { fcnKernelF32Model, patchExactDiagonal, varianceChain } from './fcn.js';
export { NotPositiveDefiniteError } from './reference.js';

let threadsDefault = 0;
let warm = false;

/**
 * Settings of the linalg layer: `threads` (default all cores; `undefined`
 * restores the default) used by every call without its own `threads`
 * option; `wasm: false` forces plain TypeScript everywhere (for tests and
 * comparisons).
 */
export function configureLinalg(opts: { threads?: number | undefined; wasm?: boolean }): void {
  if ('threads' in opts) {
    const t = opts.threads;
    if (t !== undefined && (!Number.isInteger(t) || t < 1))
      throw new FsbayesError(`linalg: threads must be a positive integer, got ${t}`);
    threadsDefault = t ?? 0;
  }
  if (opts.wasm !== undefined) wasmEnabled = opts.wasm;
}
let wasmEnabled = true;

/** What runs the large problems here: `wasm simd+fma, 2 threads`, or why plain TypeScript. */
export function linalgInfo(): { wasm: boolean; variant?: string; threads: number; detail: string } {
  const e = engine();
  const threads = Math.min(threadsDefault || defaultThreads(), defaultThreads());
  if (!e) return { wasm: false, threads: 1, detail: 'plain TypeScript (wasm linalg module unavailable)' };
  const v = e.variant === 'fma' ? 'simd+fma' : 'simd';
  const t = e.poolError ? 1 : threads;
  return { wasm: true, variant: e.variant, threads: t, detail: `wasm ${v}, ${t} thread${t > 1 ? 's' : ''}` };
}

/** Stop the linalg worker threads (they are unref'd, so this is only needed for a clean shutdown). */
export async function closeLinalg(): Promise<void> {
  warm = false;
  await closeLinalgEngine();
}

function threadsFor(opt: number | undefined): number {
  const t = opt ?? (threadsDefault || defaultThreads());
  if (!Number.isInteger(t) || t < 1) throw new FsbayesError(`linalg: threads must be a positive integer, got ${t}`);
  return t;
}

/** The engine, warmed up (V8 runs a wasm function's first calls in its baseline tier). */
function engine(): LinalgEngine | undefined {
  if (!wasmEnabled) return undefined;
  const e = linalgEngine();
  if (e && !warm) {
    warm = true;
    // Workers start in the background while the calling thread warms up.
    const t = threadsDefault || defaultThreads();
    if (t > 1) e.startPool(t);
    const t0 = performance.now();
    warmUp(e);
    e.warmupMs = performance.now() - t0;
  }
  return e;
}

function warmUp(e: LinalgEngine): void {
  const n = 96;
  const d = 40;
  const X = new Float64Array(n * d).map((_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
  for (let r = 0; r < 4; r++) {
    const G = runPlan(e, gramPlan(e, X, n, undefined, n, d), 1);
    for (let i = 0; i < n; i++) G[i * n + i] += d;
    const { L } = runPlan(e, cholPlan(e, G, n, 0), 1);
    if (L) {
      runPlan(e, trsmPlan(e, L, n, X, d, false), 1);
      runPlan(e, trsmPlan(e, L, n, X, d, true), 1);
    }
    runPlan(e, matmulPlan(e, X, n, d, X, n / 2), 1);
    for (const activation of ['relu', 'step', 'erf'] as const) {
      const p = { hidden: 2, activation, sigmaW: 1.2, sigmaB: 0.3, bias: true, ntk: true };
      runPlan(e, fcnPlan(e, X, n, d, p, undefined, n), 1);
      runPlan(e, fcnPlan(e, X, n, d, p, X, 32), 1);
    }
  }
}

// Size thresholds (flop counts where the path changes); tuned on a 2-core Zen 3, see the benchmarks.
/** Below this many multiply-adds, plain TypeScript (no copies into wasm memory). */
const TS_MAX = 48 ** 3;
/** From this many multiply-adds, threads. */
const THREAD_MIN = 160 ** 3;

function pick(work: number): 'ts' | 'wasm' {
  return work < TS_MAX || !engine() ? 'ts' : 'wasm';
}

function threadsForWork(work: number, opt?: number): number {
  return work >= THREAD_MIN ? threadsFor(opt) : 1;
}

function runSyncOrTs<R>(work: number, plan: (e: LinalgEngine) => Plan<R>, ts: () => R, threads?: number): R {
  const e = pick(work) === 'wasm' ? engine() : undefined;
  return e ? runPlan(e, plan(e), threadsForWork(work, threads)) : ts();
}

async function runAsyncOrTs<R>(
  work: number,
  plan: (e: LinalgEngine) => Plan<R>,
  ts: () => R,
  threads?: number,
): Promise<R> {
  const e = pick(work) === 'wasm' ? engine() : undefined;
  if (!e) return ts();
  const t = threadsForWork(work, threads);
  return t > 1 ? runPlanAsync(e, plan(e), t) : runPlan(e, plan(e), 1);
}

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

/**
 * Lower Cholesky factor of a symmetric positive (semi)definite n×n matrix
 * (only the lower triangle of A is read; A is not modified).
 *
 * A pivot d_j (after elimination) is accepted when d_j > 4(n+8)ε · A_jj:
 * exactly singular matrices (repeated rows) fail cleanly instead of giving
 * a factor with 1e8-sized entries. jitter 'auto' then retries with
 * 1e-10·mean(diag), ×10 up to 1e-2·mean(diag), and reports what it added.
 */
/** The factor and its copy in wasm memory. */
function checkCholeskyMemory(n: number): void {
  checkMemory(`the Cholesky factor of a ${n} × ${n} matrix`, [
    { what: 'the factor (f64; a copy in wasm memory and the result)', bytes: n * n * 8, pool: 'native', copies: 2 },
  ]);
}

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

function checkMat(name: string, X: Float64Array, rows: number, cols: number, what = 'X'): void {
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

export function matmulAsync(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Promise<Float64Array> {
  checkMat('matmul', A, m, k, 'A');
  checkMat('matmul', B, k, n, 'B');
  return runAsyncOrTs(
    m * n * k,
    (e) => matmulPlan(e, A, m, k, B, n),
    () => matmulRef(A, m, k, B, n),
  );
}

function fcnArgs(X: Float64Array, n: number, d: number, p: FcnKernelParams, X2?: Float64Array, n2?: number) {
  checkFcnParams(p);
  checkMat('fcnKernel', X, n, d);
  if (X2) {
    if (n2 === undefined) throw new FsbayesError('fcnKernel: X2 given without n2');
    checkMat('fcnKernel', X2, n2, d, 'X2');
  }
  const cols = X2 ? (n2 as number) : n;
  checkMemory(`the FCN kernel of ${n} × ${cols} points`, [
    {
      what: `the kernel matrix${p.ntk ? ' and the NTK' : ''} (f64; a copy in wasm memory and the result)`,
      bytes: n * cols * 8 * (p.ntk ? 2 : 1),
      pool: 'native',
      copies: 2,
    },
  ]);
  // Gram multiply-adds (half when symmetric) plus roughly 40 per entry and layer for the maps.
  const entries = X2 ? n * cols : (n * n) / 2;
  return { cols, work: entries * (d + 40 * p.hidden * (p.ntk ? 1.2 : 1)) };
}

/**
 * FCN NNGP (and optionally NTK) of `hidden` hidden layers on X (n×d), or the
 * cross kernel K(X, X2) (n×n2) when X2 is given. The recursion and its
 * conventions (readout included; NTK parameterisation; step's NTK is its
 * NNGP since φ' = 0 a.e.) are documented in `fcn.ts`.
 */
export function fcnKernel(
  X: Float64Array,
  n: number,
  d: number,
  p: FcnKernelParams,
  X2?: Float64Array,
  n2?: number,
): FcnKernelResult {
  const { cols, work } = fcnArgs(X, n, d, p, X2, n2);
  return runSyncOrTs(
    work,
    (e) => fcnPlan(e, X, n, d, p, X2, cols),
    () => fcnKernelRef(X, n, d, p, X2, n2),
  );
}

export function fcnKernelAsync(
  X: Float64Array,
  n: number,
  d: number,
  p: FcnKernelParams,
  X2?: Float64Array,
  n2?: number,
): Promise<FcnKernelResult> {
  const { cols, work } = fcnArgs(X, n, d, p, X2, n2);
  return runAsyncOrTs(
    work,
    (e) => fcnPlan(e, X, n, d, p, X2, cols),
    () => fcnKernelRef(X, n, d, p, X2, n2),
  );
}
