/**
 * The infinite-width FCN kernel (NNGP and NTK) on the GPU, through gpu.js:
 * one thread per kernel entry computes the float32 dot product of its two
 * inputs and then the whole layer recursion (arc-cosine for relu/step,
 * arcsin for erf) in registers, so the n1×n2 Gram matrix never makes a round
 * trip. The per-point variances (the diagonal chain, O(n·depth)) come from
 * the float64 CPU code, and the diagonal of a symmetric kernel is then
 * overwritten with its exact float64 value, so only off-diagonal entries
 * carry float32 error.
 *
 * What float32 costs (measured with the CPU model `fcnKernelF32Model`,
 * README "Kernels on the GPU"): entries differ from float64 by ~1e-7
 * relative on the Boolean system and ~1e-6 on 784-pixel MNIST, which moves
 * EP's log P(S) by ~5e-6 nats at |S| = 32 and ~2e-4 nats at |S| = 1000 —
 * three orders of magnitude under EP's own bias. Float64 on the CPU stays
 * the default everywhere; the GPU path is used when asked for.
 */
import {
  ACTIVATION_CODE,
  type FcnKernelParams,
  type FcnKernelResult,
  patchExactDiagonal,
  varianceChain,
} from '../linalg/fcn.js';

/** A float literal that gpu.js types as float (always has a decimal point or exponent). */
function lit(x: number): string {
  const s = String(Math.fround(x));
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * gpu.js source of one entry of the kernel: thread (x = column j, y = row i
 * of the block). `which` picks the returned value (gpu.js kernels return one
 * number per thread; the NTK is a second kernel of the same source).
 */
export function fcnEntrySource(p: FcnKernelParams, d: number, rows: number, n2: number, which: 'nngp' | 'ntk'): string {
  const act = ACTIVATION_CODE[p.activation];
  const sw2 = lit(p.sigmaW * p.sigmaW);
  const sb2 = lit(p.bias ? p.sigmaB * p.sigmaB : 0);
  const PI = lit(Math.PI);
  const INV2PI = lit(1 / (2 * Math.PI));
  let layer: string;
  if (act === 2) {
    layer = `      const prod = (1.0 + 2.0 * a) * (1.0 + 2.0 * b);
      let t = (2.0 * kk) / Math.sqrt(prod);
      t = Math.min(Math.max(t, -1.0), 1.0);
      const det = prod - 4.0 * kk * kk;
      kd = ${lit(4 / Math.PI)} / Math.sqrt(Math.max(det, 0.0));
      e = ${lit(2 / Math.PI)} * Math.asin(t);`;
  } else {
    // a unit with zero variance is the constant 0: relu(0) = step(0) = 0 (e = kd = 0), as in the finite nets
    layer = `      if (a > 0.0 && b > 0.0) {
        const sn = Math.sqrt(Math.max(a * b - kk * kk, 0.0));
        const th = Math.atan2(sn, kk);
        kd = (${PI} - th) * ${INV2PI};
        e = ${act === 0 ? `(sn + (${PI} - th) * kk) * ${INV2PI}` : 'kd'};${act === 1 ? '\n        kd = 0.0;' : ''}
      }`;
  }
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
${layer}
    kk = ${sb2} + ${sw2} * e;
    tt = kk + ${sw2} * kd * tt;
  }
  return ${which === 'nngp' ? 'kk' : 'tt'};
}`;
}

/** What the GPU kernel runner needs from gpu.js. */
export interface EntryKernelRunner {
  /** Run the entry kernel (source, output [n2, rows]) on the four float32 arguments; returns rows × n2 floats. */
  run(source: string, n2: number, rows: number, args: Float32Array[]): Promise<Float32Array>;
  /** Most float32 values per buffer. */
  maxFloats: number;
}

/**
 * The FCN kernel of X1 (n1×d) with itself (X2 undefined) or with X2 (n2×d),
 * computed block of rows by block of rows on the GPU. Same conventions and
 * parameters as `fcnKernel` of the linalg layer.
 */
export async function gpuFcnKernel(
  runner: EntryKernelRunner,
  X: Float64Array,
  n: number,
  d: number,
  p: FcnKernelParams,
  X2?: Float64Array,
  n2?: number,
): Promise<FcnKernelResult> {
  const act = ACTIVATION_CODE[p.activation];
  const sym = X2 === undefined;
  const Y = X2 ?? X;
  const m = sym ? n : (n2 ?? 0);
  const q1 = varianceChain(X, n, d, p, act);
  const q2 = sym ? q1 : varianceChain(Y, m, d, p, act);
  const yf = Float32Array.from(Y.subarray(0, m * d));
  const q2f = new Float32Array(Math.max(1, p.hidden * m));
  for (let l = 0; l < p.hidden; l++) q2f.set(q2[l], l * m);
  // Rows per block: the output block and the row inputs each fit one buffer.
  const rowsMax = Math.max(1, Math.min(Math.floor(runner.maxFloats / Math.max(m, d, 1)), n));
  const K = new Float64Array(n * m);
  const T = p.ntk ? new Float64Array(n * m) : undefined;
  for (let r0 = 0; r0 < n; r0 += rowsMax) {
    const rows = Math.min(rowsMax, n - r0);
    const xf = Float32Array.from(X.subarray(r0 * d, (r0 + rows) * d));
    const q1f = new Float32Array(Math.max(1, p.hidden * rows));
    for (let l = 0; l < p.hidden; l++) q1f.set(q1[l].subarray(r0, r0 + rows), l * rows);
    const args = [xf, yf, q1f, q2f];
    K.set(await runner.run(fcnEntrySource(p, d, rows, m, 'nngp'), m, rows, args), r0 * m);
    if (T) T.set(await runner.run(fcnEntrySource(p, d, rows, m, 'ntk'), m, rows, args), r0 * m);
  }
  if (sym) patchExactDiagonal(K, T, X, n, d, p);
  return T ? { nngp: K, ntk: T } : { nngp: K };
}
