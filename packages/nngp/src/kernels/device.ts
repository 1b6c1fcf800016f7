/**
 * The infinite-width FCN kernel (NNGP and NTK) on the GPU, through the gpu
 * backend's grid programs (gpu.js, float32): one thread per kernel entry
 * computes the float32 dot product of its two inputs and then the whole
 * layer recursion (the `gpu` source of each activation's row of
 * {@link DUALS}) in registers, so the n1×n2 Gram matrix never makes a round
 * trip. The per-point variances (the diagonal chain, O(n·depth)) come from
 * the float64 reference, and the diagonal of a symmetric kernel is then
 * overwritten with its exact float64 value, so only off-diagonal entries
 * carry float32 error. {@link fcnKernelF32Model} is the same computation on
 * the CPU with every operation rounded to float32.
 *
 * What float32 costs (measured with the CPU model, README "Kernels on the
 * GPU"): entries differ from float64 by ~1e-7 relative on the Boolean
 * system and ~1e-6 on 784-pixel MNIST, which moves EP's log P(S) by ~5e-6
 * nats at |S| = 32 and ~2e-4 nats at |S| = 1000 — three orders of magnitude
 * under EP's own bias. Float64 on the CPU stays the default everywhere; the
 * GPU path is used when asked for.
 */
import { FsbayesError, type GpuGridPrograms } from '@fsbayes/core';
import { DUALS } from './dual.js';
import { checkFcnParams, type FcnKernelArgs, type FcnKernelParams, type FcnKernelResult, fcnRecursion } from './fcn.js';
import { fcnSelf, type Self } from './reference.js';

/** Something that computes FCN kernels off the CPU (e.g. the gpu backend, float32 entries, exact float64 diagonal). */
export interface KernelDevice {
  /** The NNGP (and NTK when `p.ntk`) of X (n×d) with itself or with X2 (n2×d). */
  fcnKernel(...args: FcnKernelArgs): Promise<FcnKernelResult>;
}

/** The backend as a {@link KernelDevice} (one with GPU grid programs), or null when it cannot compute kernels. */
export function kernelDeviceOf(backend: object): KernelDevice | null {
  const grid = (backend as { gridPrograms?: Partial<GpuGridPrograms> }).gridPrograms;
  if (!grid || typeof grid.run !== 'function' || typeof grid.maxFloats !== 'number') return null;
  const runner = grid as GpuGridPrograms;
  return {
    async fcnKernel(X, n, d, p, X2, n2) {
      checkFcnParams(p);
      if (!Number.isSafeInteger(n) || n < 1 || X.length < n * d)
        throw new FsbayesError(`gpu fcnKernel: X must hold n×d = ${n}×${d} values, got ${X.length}`);
      if (X2 !== undefined && (n2 === undefined || !Number.isSafeInteger(n2) || n2 < 1 || X2.length < n2 * d))
        throw new FsbayesError(`gpu fcnKernel: X2 must hold n2×d = ${n2}×${d} values, got ${X2.length}`);
      return gpuFcnKernel(runner, X, n, d, p, X2, n2);
    },
  };
}

/** A float literal that gpu.js types as float (always has a decimal point or exponent). */
function lit(x: number): string {
  const s = String(Math.fround(x));
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * gpu.js source of one entry of the kernel: thread (x = column j, y = row i
 * of the block). `which` picks the returned value (a GPU program returns one
 * number per thread; the NTK is a second program of the same source).
 */
export function fcnEntrySource(p: FcnKernelParams, d: number, rows: number, n2: number, which: 'nngp' | 'ntk'): string {
  const { act, sw2: w, sb2: b } = fcnRecursion(p);
  const sw2 = lit(w);
  const sb2 = lit(b);
  return `function fcnKernelEntry(x1, x2, q1, q2) {
  const i = this.thread.y;
  const j = this.thread.x;
  let s = 0.0;
  for (let k = 0; k < ${d}; k++) {
    s += x1[i * ${d} + k] * x2[j * ${d} + k];
  }
  let kk = ${sb2} + (${sw2} * s) / ${lit(d)};
  let tt = kk;
  for (let l = 0; l < ${p.hidden}; l++) {
    const a = q1[l * ${rows} + i];
    const b = q2[l * ${n2} + j];
    let kd = 0.0;
    let e = 0.0;
${DUALS[act].gpu(lit)}
    kk = ${sb2} + ${sw2} * e;
    tt = kk + ${sw2} * kd * tt;
  }
  return ${which === 'nngp' ? 'kk' : 'tt'};
}`;
}

/** Each point alone (float64 reference): variances per layer and the exact diagonal. */
function selves(X: Float64Array, n: number, d: number, p: FcnKernelParams): Self[] {
  return fcnSelf(d, p.hidden, fcnRecursion(p), { X, n });
}

/** Overwrite the diagonal of a symmetric n×n kernel (and NTK) with its exact float64 values. */
function patchExactDiagonal(K: Float64Array, T: Float64Array | undefined, self: Self[]): void {
  const n = self.length;
  for (let i = 0; i < n; i++) {
    K[i * n + i] = self[i].q[self[i].q.length - 1];
    if (T) T[i * n + i] = self[i].t;
  }
}

/**
 * The FCN kernel of X1 (n1×d) with itself (X2 undefined) or with X2 (n2×d),
 * computed block of rows by block of rows on the GPU. Same conventions and
 * parameters as {@link fcnKernel}.
 */
export async function gpuFcnKernel(
  runner: GpuGridPrograms,
  ...[X, n, d, p, X2, n2]: FcnKernelArgs
): Promise<FcnKernelResult> {
  const sym = X2 === undefined;
  const Y = X2 ?? X;
  const m = sym ? n : (n2 ?? 0);
  const s1 = selves(X, n, d, p);
  const s2 = sym ? s1 : selves(Y, m, d, p);
  const yf = Float32Array.from(Y.subarray(0, m * d));
  const q2f = new Float32Array(Math.max(1, p.hidden * m));
  for (let l = 0; l < p.hidden; l++) for (let j = 0; j < m; j++) q2f[l * m + j] = s2[j].q[l];
  // Rows per block: the output block and the row inputs each fit one buffer.
  const rowsMax = Math.max(1, Math.min(Math.floor(runner.maxFloats / Math.max(m, d, 1)), n));
  const K = new Float64Array(n * m);
  const T = p.ntk ? new Float64Array(n * m) : undefined;
  for (let r0 = 0; r0 < n; r0 += rowsMax) {
    const rows = Math.min(rowsMax, n - r0);
    const xf = Float32Array.from(X.subarray(r0 * d, (r0 + rows) * d));
    const q1f = new Float32Array(Math.max(1, p.hidden * rows));
    for (let l = 0; l < p.hidden; l++) for (let i = 0; i < rows; i++) q1f[l * rows + i] = s1[r0 + i].q[l];
    const args = [xf, yf, q1f, q2f];
    K.set(await runner.run(fcnEntrySource(p, d, rows, m, 'nngp'), m, rows, args), r0 * m);
    if (T) T.set(await runner.run(fcnEntrySource(p, d, rows, m, 'ntk'), m, rows, args), r0 * m);
  }
  if (sym) patchExactDiagonal(K, T, s1);
  return T ? { nngp: K, ntk: T } : { nngp: K };
}

/**
 * A CPU model of the float32 GPU kernel ({@link gpuFcnKernel}): inputs
 * rounded to float32, each dot product accumulated in float32 in input
 * order, every operation of the layer maps rounded to float32 (each
 * activation's `f32` model; transcendental functions as correctly rounded
 * float64 results rounded once, so a real GPU's few-ulp atan2/asin/sqrt can
 * be slightly worse), the per-point variances computed in float64 and handed
 * over as float32, and — as the GPU path does — the diagonal of a symmetric
 * kernel taken exactly from the float64 reference. Used to measure what
 * float32 kernels cost downstream (EP's log P(S)) on machines without a GPU,
 * and as an independent check of the GPU kernel.
 */
export function fcnKernelF32Model(...[X, n, d, p, X2, n2]: FcnKernelArgs): FcnKernelResult {
  checkFcnParams(p);
  const f = Math.fround;
  const { act, sw2: w, sb2: b } = fcnRecursion(p);
  const map = DUALS[act];
  const sym = X2 === undefined;
  const Y = X2 ?? X;
  const m = sym ? n : (n2 ?? 0);
  const sw2 = f(w);
  const sb2 = f(b);
  const Xf = Float32Array.from(X);
  const Yf = sym ? Xf : Float32Array.from(Y);
  const s1 = selves(X, n, d, p);
  const s2 = sym ? s1 : selves(Y, m, d, p);
  const K = new Float64Array(n * m);
  const T = p.ntk ? new Float64Array(n * m) : undefined;
  const kd = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s = f(s + f(Xf[i * d + k] * Yf[j * d + k]));
      let kk = f(sb2 + f(f(sw2 * s) / d));
      let tt = kk;
      for (let l = 0; l < p.hidden; l++) {
        const e = map.f32(f(s1[i].q[l]), f(s2[j].q[l]), kk, kd, f);
        kk = f(sb2 + f(sw2 * e));
        tt = f(kk + f(f(sw2 * kd[0]) * tt));
      }
      K[i * m + j] = kk;
      if (T) T[i * m + j] = tt;
    }
  }
  if (sym) patchExactDiagonal(K, T, s1);
  return T ? { nngp: K, ntk: T } : { nngp: K };
}
