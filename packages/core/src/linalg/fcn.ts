/**
 * The infinite-width FCN kernels (NNGP and NTK) in plain TypeScript, float64:
 * the reference for the wasm path and the small-problem path.
 *
 * Network (standard parameterisation for the NNGP, NTK parameterisation for
 * the NTK, as in neural-tangents' `stax.Dense(parameterization='ntk')`):
 *   h¹ = W¹ x + b¹,  h^{l+1} = W^{l+1} φ(h^l) + b^{l+1} (l = 1..L),  f = h^{L+1},
 * with W^l ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²) (σ_b = 0 when `bias` is false)
 * and L = `hidden` hidden layers. Then
 *   K¹ = σ_b² + σ_w² x·x'/d,        Θ¹ = K¹,
 *   K^{l+1} = σ_b² + σ_w² E[φ(u)φ(v)],  Θ^{l+1} = K^{l+1} + σ_w² K̇^{l+1} Θ^l,
 * with (u, v) ~ N(0, [[K₁₁, K₁₂], [K₁₂, K₂₂]]) at layer l and K̇ = E[φ'(u)φ'(v)].
 * The output covariance E[f(x) f(x')] is K^{L+1}: `hidden` maps, the last one
 * of which already contains the readout's affine map (hidden = 0 is the
 * linear model f = W x + b).
 */
import { FsbayesError } from '../errors/index.js';

/** FCN kernel parameters; `hidden` = number of hidden layers. */
export interface FcnKernelParams {
  hidden: number;
  activation: 'relu' | 'step' | 'erf';
  sigmaW: number;
  sigmaB: number;
  /** false: no biases anywhere (σ_b treated as 0). */
  bias: boolean;
  /** Also compute the NTK. */
  ntk?: boolean;
}

export interface FcnKernelResult {
  /** NNGP, n×n (or n×n2 for a cross kernel), row-major. */
  nngp: Float64Array;
  /** NTK, same shape, when `ntk` was asked for. */
  ntk?: Float64Array;
}

/**
 * Something that computes FCN kernels off the CPU (the gpu backend: float32
 * entries, exact float64 diagonal; see `backend/gpu-kernel.ts` for the cost).
 */
export interface FcnKernelDevice {
  /** The NNGP (and NTK when `p.ntk`) of X (n×d) with itself or with X2 (n2×d). */
  fcnKernel(
    X: Float64Array,
    n: number,
    d: number,
    p: FcnKernelParams,
    X2?: Float64Array,
    n2?: number,
  ): Promise<FcnKernelResult>;
}

export const ACTIVATION_CODE = { relu: 0, step: 1, erf: 2 } as const;

const INV_2PI = 1 / (2 * Math.PI);
const TWO_OVER_PI = 2 / Math.PI;
const FOUR_OVER_PI = 4 / Math.PI;

export function checkFcnParams(p: FcnKernelParams): void {
  if (!Number.isInteger(p.hidden) || p.hidden < 0)
    throw new FsbayesError(`fcnKernel: hidden must be an integer ≥ 0, got ${p.hidden}`);
  if (!(p.activation in ACTIVATION_CODE)) throw new FsbayesError(`fcnKernel: unknown activation '${p.activation}'`);
  if (!Number.isFinite(p.sigmaW) || !Number.isFinite(p.sigmaB))
    throw new FsbayesError(`fcnKernel: sigmaW and sigmaB must be finite, got ${p.sigmaW}, ${p.sigmaB}`);
}

const exact = (x: number): number => x;

/**
 * One layer of the map for one entry: given K₁₂ = c and the variances a = K₁₁,
 * b = K₂₂ of the previous layer, returns E[φ(u)φ(v)] and writes K̇ into out[0].
 * `r` rounds every intermediate result: the identity for float64, `Math.fround`
 * for the float32 model of the GPU's arithmetic ({@link fcnKernelF32Model}).
 */
export function layerMap(act: number, a: number, b: number, c: number, out: Float64Array, r = exact): number {
  if (act === 2) {
    const prod = r(r(1 + r(2 * a)) * r(1 + r(2 * b)));
    let t = r(r(2 * c) / r(Math.sqrt(prod)));
    t = t > 1 ? 1 : Math.max(t, -1);
    const det = r(prod - r(4 * r(c * c)));
    out[0] = r(r(FOUR_OVER_PI) / r(Math.sqrt(Math.max(det, 0))));
    return r(r(TWO_OVER_PI) * r(Math.asin(t)));
  }
  // A unit with zero variance is the constant 0, and relu(0) = step(0) = 0 (as in the finite nets: step is 1(x > 0)).
  if (!(a > 0 && b > 0)) {
    out[0] = 0;
    return 0;
  }
  const ab = r(a * b);
  const s2 = r(ab - r(c * c));
  const sn = r(Math.sqrt(Math.max(s2, 0)));
  const theta = r(Math.atan2(sn, c));
  const kd = r(r(r(Math.PI) - theta) * r(INV_2PI));
  if (act === 0) {
    out[0] = kd;
    return r(r(sn + r(r(r(Math.PI) - theta) * c)) * r(INV_2PI));
  }
  out[0] = 0;
  return kd;
}

/** The diagonal (x = x') case of `layerMap`, exact (θ = 0; a zero variance gives 0 for relu and step). */
export function layerMapDiag(act: number, a: number, out: Float64Array): number {
  if (act <= 1 && !(a > 0)) {
    // zero variance: the unit is the constant 0, relu(0) = step(0) = 0 (see layerMap)
    out[0] = 0;
    return 0;
  }
  if (act === 0) {
    out[0] = 0.5;
    return 0.5 * a;
  }
  if (act === 1) {
    out[0] = 0;
    return 0.5;
  }
  out[0] = FOUR_OVER_PI / Math.sqrt(1 + 4 * a);
  return TWO_OVER_PI * Math.asin((2 * a) / (1 + 2 * a));
}

/** Per-point variance chain q[l][i] = K^{l+1}(x_i, x_i), l = 0..hidden−1 (the inputs of each map), float64. */
export function varianceChain(X: Float64Array, n: number, d: number, p: FcnKernelParams, act: number): Float64Array[] {
  const sw2 = p.sigmaW * p.sigmaW;
  const sb2 = p.bias ? p.sigmaB * p.sigmaB : 0;
  const out = new Float64Array(1);
  const chain: Float64Array[] = [];
  let q = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += X[i * d + k] * X[i * d + k];
    q[i] = sb2 + (sw2 * s) / d;
  }
  for (let l = 0; l < p.hidden; l++) {
    chain.push(q);
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = sb2 + sw2 * layerMapDiag(act, q[i], out);
    q = next;
  }
  return chain;
}

/**
 * Apply the `hidden` layer maps in place to K (n1×n2, already K¹) and, when
 * given, Θ (already Θ¹ = K¹). `sym`: K is the symmetric self-kernel, whose
 * diagonal takes the exact diagonal map.
 */
export function applyLayers(
  K: Float64Array,
  T: Float64Array | undefined,
  n1: number,
  n2: number,
  q1: Float64Array[],
  q2: Float64Array[],
  p: FcnKernelParams,
  sym: boolean,
): void {
  const act = ACTIVATION_CODE[p.activation];
  const sw2 = p.sigmaW * p.sigmaW;
  const sb2 = p.bias ? p.sigmaB * p.sigmaB : 0;
  const out = new Float64Array(1);
  for (let l = 0; l < p.hidden; l++) {
    const a1 = q1[l];
    const a2 = q2[l];
    for (let i = 0; i < n1; i++) {
      const a = a1[i];
      for (let j = 0; j < n2; j++) {
        const ij = i * n2 + j;
        const e = sym && i === j ? layerMapDiag(act, a, out) : layerMap(act, a, a2[j], K[ij], out);
        const k = sb2 + sw2 * e;
        K[ij] = k;
        if (T) T[ij] = k + sw2 * out[0] * T[ij];
      }
    }
  }
}

/** Plain-TS FCN NNGP/NTK (see the module comment for the recursion). */
export function fcnKernelRef(
  X: Float64Array,
  n: number,
  d: number,
  p: FcnKernelParams,
  X2?: Float64Array,
  n2?: number,
): FcnKernelResult {
  checkFcnParams(p);
  const act = ACTIVATION_CODE[p.activation];
  const sym = X2 === undefined;
  const Y = X2 ?? X;
  const m = sym ? n : (n2 ?? 0);
  const sw2 = p.sigmaW * p.sigmaW;
  const sb2 = p.bias ? p.sigmaB * p.sigmaB : 0;
  const K = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X[i * d + k] * Y[j * d + k];
      K[i * m + j] = sb2 + (sw2 * s) / d;
    }
  }
  const q1 = varianceChain(X, n, d, p, act);
  const q2 = sym ? q1 : varianceChain(Y, m, d, p, act);
  const T = p.ntk ? K.slice() : undefined;
  applyLayers(K, T, n, m, q1, q2, p, sym);
  return T ? { nngp: K, ntk: T } : { nngp: K };
}

/**
 * A CPU model of the float32 GPU kernel (`fcnKernel` of the gpu backend):
 * inputs rounded to float32, each dot product accumulated in float32 in input
 * order, every operation of the layer maps rounded to float32 (transcendental
 * functions as correctly rounded float64 results rounded once, so a real GPU's
 * few-ulp atan2/asin/sqrt can be slightly worse), the per-point variances
 * computed in float64 and handed over as float32, and — as the GPU path does —
 * the diagonal of a symmetric kernel taken exactly from the float64 chain.
 * Used to measure what float32 kernels cost downstream (EP's log P(S)) on
 * machines without a GPU, and as an independent check of the GPU kernel.
 */
export function fcnKernelF32Model(
  X: Float64Array,
  n: number,
  d: number,
  p: FcnKernelParams,
  X2?: Float64Array,
  n2?: number,
): FcnKernelResult {
  checkFcnParams(p);
  const f = Math.fround;
  const act = ACTIVATION_CODE[p.activation];
  const sym = X2 === undefined;
  const Y = X2 ?? X;
  const m = sym ? n : (n2 ?? 0);
  const sw2 = f(p.sigmaW * p.sigmaW);
  const sb2 = f(p.bias ? p.sigmaB * p.sigmaB : 0);
  const Xf = Float32Array.from(X);
  const Yf = sym ? Xf : Float32Array.from(Y);
  const q1 = varianceChain(X, n, d, p, act);
  const q2 = sym ? q1 : varianceChain(Y, m, d, p, act);
  const K = new Float64Array(n * m);
  const T = p.ntk ? new Float64Array(n * m) : undefined;
  const out = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s = f(s + f(Xf[i * d + k] * Yf[j * d + k]));
      let kk = f(sb2 + f(f(sw2 * s) / d));
      let tt = kk;
      for (let l = 0; l < p.hidden; l++) {
        const e = layerMap(act, f(q1[l][i]), f(q2[l][j]), kk, out, f);
        kk = f(sb2 + f(sw2 * e));
        tt = f(kk + f(f(sw2 * out[0]) * tt));
      }
      K[i * m + j] = kk;
      if (T) T[i * m + j] = tt;
    }
  }
  if (sym) patchExactDiagonal(K, T, X, n, d, p);
  return T ? { nngp: K, ntk: T } : { nngp: K };
}

/** Overwrite the diagonal of a symmetric n×n kernel (and NTK) with its exact float64 values. */
export function patchExactDiagonal(
  K: Float64Array | Float32Array,
  T: Float64Array | Float32Array | undefined,
  X: Float64Array,
  n: number,
  d: number,
  p: FcnKernelParams,
): void {
  for (let i = 0; i < n; i++) {
    const one = fcnKernelRef(X.subarray(i * d, (i + 1) * d), 1, d, p);
    K[i * n + i] = one.nngp[0];
    if (T && one.ntk) T[i * n + i] = one.ntk[0];
  }
}
