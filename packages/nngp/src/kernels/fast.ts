/**
 * ───────── FAST-PATH DISPATCH POINT (the only one) ─────────
 *
 * Large FCN blocks go to {@link fcnKernel} (`fcn.ts`: float64, core's
 * threaded wasm layer-map engine), flatten CNN blocks to {@link cnnKernel}
 * (`cnn.ts`: float64, core's threaded wasm conv-map engine, which itself
 * sends problems too small for wasm to the reference). Our own loop
 * (`reference.ts`) stays the reference; the tests "fast FCN kernel agrees
 * with the reference" and `kernels-cnn-fast.test.ts` hold them to 1e-12.
 *
 * The fast kernel is synchronous here. If it ever becomes asynchronous only
 * (a worker pool), `kernelMatrix` needs an async sibling calling
 * `fcnKernelAsync`; this hook is the place to decide. To turn the fast path
 * off, make {@link fastFcnKernelAvailable} return false.
 */
import type { CnnSpec, FcnSpec } from '@fsbayes/core';
import { cnnKernel } from './cnn.js';
import { hasClosedForm } from './dual.js';
import { fcnKernel } from './fcn.js';
import type { KernelKind } from './types.js';

/** The kernel of the kind asked for from a fast kernel's result (null: it has no NTK). */
function ofKind(r: { nngp: Float64Array; ntk?: Float64Array }, kind: KernelKind): Float64Array | null {
  return kind === 'ntk' ? (r.ntk ?? null) : r.nngp;
}

/** Blocks with more entries than this (n1·n2) go to the fast kernel. */
export const FAST_MIN_ENTRIES = 10_000;

/** Whether a fast FCN kernel is wired in. */
export function fastFcnKernelAvailable(): boolean {
  return true;
}

/** The fast FCN kernel's n1×n2 block (X1 with itself when X2 is undefined), or null when there is none. */
export function fastFcnKernel(
  spec: FcnSpec,
  X1: Float64Array,
  n1: number,
  X2: Float64Array | undefined,
  n2: number,
  kind: KernelKind,
): Float64Array | null {
  if (!fastFcnKernelAvailable()) return null;
  if (!hasClosedForm(spec.activation)) return null;
  const p = {
    hidden: spec.hidden.length,
    activation: spec.activation,
    sigmaW: spec.sigmaW,
    sigmaB: spec.sigmaB,
    bias: spec.bias,
    ntk: kind === 'ntk',
  };
  return ofKind(
    X2 === undefined ? fcnKernel(X1, n1, spec.inputDim, p) : fcnKernel(X1, n1, spec.inputDim, p, X2, n2),
    kind,
  );
}

/** Whether a fast CNN kernel is wired in (flatten readouts; global average pooling has none). */
export function fastCnnKernelAvailable(spec: CnnSpec): boolean {
  return spec.pooling === 'flatten' && hasClosedForm(spec.activation);
}

/** The fast CNN kernel's n1×n2 block (X1 with itself when X2 is undefined), or null when there is none. */
export function fastCnnKernel(
  spec: CnnSpec,
  X1: Float64Array,
  n1: number,
  X2: Float64Array | undefined,
  n2: number,
  kind: KernelKind,
): Float64Array | null {
  if (!fastCnnKernelAvailable(spec)) return null;
  return ofKind(cnnKernel(spec, X1, n1, X2, n2, kind), kind);
}
