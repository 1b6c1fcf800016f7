/**
 * The infinite-width FCN kernels (NNGP and NTK) of raw parameters, float64:
 * large problems on core's threaded wasm layer-map engine (the dual maps of
 * {@link DUALS}, compiled into it), small ones by the reference loop
 * (`reference.ts`).
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
 * linear model f = W x + b). Step's NTK is its NNGP, since φ' = 0 a.e.
 */
import {
  type Activation,
  activationCode,
  FsbayesError,
  type LayerMapParams,
  type LayerMapResult,
  layerMapKernel,
  layerMapKernelAsync,
} from '@fsbayes/core';
import type { Recursion } from './dense.js';
import { closedForm, hasClosedForm } from './dual.js';
import { fcnReference } from './reference.js';

/** FCN kernel parameters; `hidden` = number of hidden layers. */
export interface FcnKernelParams {
  hidden: number;
  activation: Activation;
  sigmaW: number;
  sigmaB: number;
  /** false: no biases anywhere (σ_b treated as 0). */
  bias: boolean;
  /** Also compute the NTK. */
  ntk?: boolean;
}

/** The arguments of every FCN kernel entry: X (n×d) with itself, or with X2 (n2×d) when given. */
export type FcnKernelArgs = [X: Float64Array, n: number, d: number, p: FcnKernelParams, X2?: Float64Array, n2?: number];

/** An FCN kernel: the NNGP, and the NTK when asked for. */
export interface FcnKernelResult {
  /** NNGP, n×n (or n×n2 for a cross kernel), row-major. */
  nngp: Float64Array;
  /** NTK, same shape, when `ntk` was asked for. */
  ntk?: Float64Array;
}

/** Refuse parameters no FCN kernel can be computed for, by name. */
export function checkFcnParams(p: FcnKernelParams): void {
  if (!Number.isInteger(p.hidden) || p.hidden < 0)
    throw new FsbayesError(`fcnKernel: hidden must be an integer ≥ 0, got ${p.hidden}`);
  if (!hasClosedForm(p.activation)) throw new FsbayesError(`fcnKernel: unknown activation '${p.activation}'`);
  if (!Number.isFinite(p.sigmaW) || !Number.isFinite(p.sigmaB))
    throw new FsbayesError(`fcnKernel: sigmaW and sigmaB must be finite, got ${p.sigmaW}, ${p.sigmaB}`);
}

/** The recursion's constants (σ_b² = 0 without biases). */
export function fcnRecursion(p: FcnKernelParams): Recursion {
  return { act: closedForm(p.activation), sw2: p.sigmaW * p.sigmaW, sb2: p.bias ? p.sigmaB * p.sigmaB : 0 };
}

function layerMapParams(p: FcnKernelParams): LayerMapParams {
  checkFcnParams(p);
  const r = fcnRecursion(p);
  return {
    layers: p.hidden,
    code: activationCode(p.activation),
    sw2: r.sw2,
    sb2: r.sb2,
    ntk: p.ntk === true,
    what: 'the FCN kernel',
  };
}

/** The reference loop's result in the shape of {@link FcnKernelResult}. */
function reference(...[X, n, d, p, X2, n2]: FcnKernelArgs) {
  return (): LayerMapResult => {
    const B = X2 === undefined ? null : { X: X2, n: n2 as number };
    const k = fcnReference(d, p.hidden, fcnRecursion(p), { X, n }, B, p.ntk === true);
    return k.ntk ? { nngp: k.nngp, ntk: k.ntk } : { nngp: k.nngp };
  };
}

/**
 * FCN NNGP (and optionally NTK) of `hidden` hidden layers on X (n×d), or the
 * cross kernel K(X, X2) (n×n2) when X2 is given (see the module comment).
 */
export function fcnKernel(...[X, n, d, p, X2, n2]: FcnKernelArgs): FcnKernelResult {
  return layerMapKernel(X, n, d, layerMapParams(p), X2, n2, reference(X, n, d, p, X2, n2));
}

/** {@link fcnKernel} without blocking the event loop on large problems (same bits). */
export function fcnKernelAsync(...[X, n, d, p, X2, n2]: FcnKernelArgs): Promise<FcnKernelResult> {
  return layerMapKernelAsync(X, n, d, layerMapParams(p), X2, n2, reference(X, n, d, p, X2, n2));
}
