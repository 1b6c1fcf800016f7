/**
 * The CNN-GP kernel (NNGP and NTK) of a flatten CNN spec, float64, on all
 * cores: core's conv-map engine (`convMapKernel`, threaded wasm SIMD,
 * vectorised over pairs of inputs, the dual maps of {@link DUALS} compiled
 * in), small problems by the reference loop (`reference.ts`). The recursion
 * is the one `CnnReference` documents; only the order of the window sums
 * differs (separable: rows, then columns), so the two agree to rounding
 * (~1e-15 relative; tested to 1e-12).
 *
 * Cost per pair of inputs: Σ_l P_l·(kh + kw) additions and Σ_l P_l dual maps
 * (P_l: positions after conv layer l); the dual maps dominate (~20 ns per
 * position and pair, single thread on the loaded 2-core VM: ~60 µs of CPU
 * per pair for the paper's 4-layer CNN on 28×28 images with SAME padding,
 * `pnpm bench --only cnn`). Memory
 * ({@link cnnKernelNeeds}): the kernel twice (wasm and the result), each
 * input's Σ_l P_l pre-activation variances and its pixels — checked before
 * anything is allocated.
 *
 * Global average pooling needs the full position×position covariance
 * (O(Σ_l P_l²·kh·kw) per pair) and has no fast path: {@link gapKernelCost}
 * states its cost, and `kernelMatrix` refuses it above a budget.
 */
import {
  activationCode,
  type CnnSpec,
  type ConvMapParams,
  cnnShapes,
  convMapKernel,
  convMapKernelAsync,
  convMapNeeds,
  type LayerMapResult,
  type MemoryNeed,
} from '@fsbayes/core';
import { closedForm } from './dual.js';
import { cnnReference } from './reference.js';
import type { KernelKind } from './types.js';

/** The conv-map parameters of a flatten CNN spec. */
export function convMapParams(spec: CnnSpec, kind: KernelKind): ConvMapParams {
  const act = closedForm(spec.activation);
  return {
    inputShape: spec.inputShape,
    convs: spec.convs.map((c) => ({ kernel: c.kernel, stride: c.stride, padding: c.padding })),
    hidden: spec.hidden.length,
    code: activationCode(act),
    sw2: spec.sigmaW * spec.sigmaW,
    sb2: spec.bias ? spec.sigmaB * spec.sigmaB : 0,
    ntk: kind === 'ntk',
    what: 'the CNN kernel',
  };
}

/** What the CNN kernel of n1 × n2 points (n2 undefined: with itself) holds in memory at once. */
export function cnnKernelNeeds(spec: CnnSpec, n1: number, n2: number | undefined, kind: KernelKind): MemoryNeed[] {
  return convMapNeeds(n1, n2, convMapParams(spec, kind));
}

function reference(
  spec: CnnSpec,
  X1: Float64Array,
  n1: number,
  X2: Float64Array | undefined,
  n2: number,
  ntk: boolean,
) {
  return (): LayerMapResult => {
    const r = { act: closedForm(spec.activation), sw2: spec.sigmaW ** 2, sb2: spec.bias ? spec.sigmaB ** 2 : 0 };
    const B = X2 === undefined ? null : { X: X2, n: n2 };
    const k = cnnReference(spec, r, { X: X1, n: n1 }, B, ntk);
    return k.ntk ? { nngp: k.nngp, ntk: k.ntk } : { nngp: k.nngp };
  };
}

/**
 * The flatten CNN kernel of X1 (n1 NHWC images) with itself, or with X2 (n2
 * images): the NNGP, and the NTK when `kind` is `ntk`. Inputs are assumed
 * checked (`kernelMatrix` does).
 */
export function cnnKernel(
  spec: CnnSpec,
  X1: Float64Array,
  n1: number,
  X2: Float64Array | undefined,
  n2: number,
  kind: KernelKind,
): LayerMapResult {
  const ref = reference(spec, X1, n1, X2, n2, kind === 'ntk');
  return convMapKernel(X1, n1, convMapParams(spec, kind), X2, X2 === undefined ? undefined : n2, ref);
}

/** {@link cnnKernel} without blocking the event loop on large problems (same bits). */
export function cnnKernelAsync(
  spec: CnnSpec,
  X1: Float64Array,
  n1: number,
  X2: Float64Array | undefined,
  n2: number,
  kind: KernelKind,
): Promise<LayerMapResult> {
  const ref = reference(spec, X1, n1, X2, n2, kind === 'ntk');
  return convMapKernelAsync(X1, n1, convMapParams(spec, kind), X2, X2 === undefined ? undefined : n2, ref);
}

/**
 * Operations (multiply-adds) of the global-average-pooling CNN kernel of
 * `pairs` pairs: Σ_l P_l²·kh·kw window additions plus P_l² dual maps per pair
 * (counted as 40) — ~7·10⁸ per pair for 28×28 images and 4 layers of 5×5 and 2×2.
 */
export function gapKernelCost(spec: CnnSpec, pairs: number): number {
  const shapes = cnnShapes(spec);
  let perPair = 0;
  spec.convs.forEach((c, l) => {
    const P = shapes[l + 1][0] * shapes[l + 1][1];
    perPair += P * P * (c.kernel[0] * c.kernel[1] + 40);
  });
  return perPair * pairs;
}
