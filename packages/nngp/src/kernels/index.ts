/**
 * Infinite-width kernels of an architecture spec — the same spec, and so the
 * same nets, as the prior sampler and SGD read.
 *
 * `kernelMatrix(spec, X1, n1, X2?, n2?, { kind })` is the covariance of the
 * readout pre-activation f(x) of the spec's nets (W ~ N(0, σ_w²/fan_in),
 * b ~ N(0, σ_b²)) as every hidden width / channel count → ∞ (`nngp`), or their
 * neural tangent kernel (`ntk`):
 *
 * - FCN, relu / step / erf, any depth: K⁰ = σ_b² + σ_w²·x·x'/d, then per hidden
 *   layer K ← σ_b² + σ_w²·E[φ(u)φ(v)] (arc-cosine degree 1 / degree 0,
 *   Williams' arcsin for erf; `dual.ts`), σ_b² terms only when the spec has
 *   biases. Angles by atan2(√max(K₁₁K₂₂ − K₁₂², 0), K₁₂), so rounding never
 *   gives NaN; the diagonal by its exact update (relu: K ← σ_b² + σ_w²K/2), and
 *   the pair formula gives the same bits there, so a repeated input gives an
 *   exactly repeated row (a singular, finite kernel).
 * - CNN (Novak et al. 2019; Garriga-Alonso et al. 2019), NHWC, SAME/VALID
 *   with TensorFlow padding, any strides: channel-mean covariances through
 *   each conv (mean over the kh·kw window, padding counting as zeros, from
 *   fan_in = kh·kw·C_in); with `flatten` only same-position covariances
 *   (cost O(Σ_l P_l·(kh + kw)) additions and Σ_l P_l dual maps per pair of
 *   inputs; `cnnKernel`, `cnn.ts`), with `gap` the full
 *   position×position covariance (O(Σ_l P_l²·kh·kw) time and O(P²) memory
 *   per pair: fine for small images, e.g. 8×8; a 28×28 image with gap is
 *   ~15M operations per pair and layer, so blocks above {@link GAP_MAX_OPS}
 *   are refused with the cost — use flatten or the Monte-Carlo kernel
 *   there); dense layers after flatten/gap by the FCN recursion.
 * - tanh has no closed form: `kernelMatrix` throws and points to
 *   {@link monteCarloKernel} (as neural-tangents answers for Tanh and MaxPool).
 *
 * **NTK convention: the NTK parameterisation (Jacot et al. 2018; Lee et al.
 * 2019; neural-tangents' `parameterization='ntk'`).** The nets here are
 * written in the standard parameterisation θ ~ N(0, s²), s = σ_w/√fan_in for
 * weights and σ_b for biases. Their standard-parameterisation tangent kernel
 * Σ_θ ∂f/∂θ(x)·∂f/∂θ(x') grows linearly with the width (the readout alone
 * contributes Σ_j φ_j(x)φ_j(x'), n terms of order 1; measured in the tests),
 * so it has no infinite-width limit. We therefore write the same nets as
 * θ = s ⊙ z with z ~ N(0, 1) — identical functions, identical prior — and
 * differentiate with respect to z:
 *
 *   Θ(x, x') = Σ_k s_k² · ∂f/∂θ_k(x) · ∂f/∂θ_k(x')
 *
 * which converges as width → ∞ to the recursion Θ⁰ = K⁰,
 * Θ ← K_next + σ_w²·E[φ'(u)φ'(v)]·Θ per dense layer (and per conv layer with
 * the same window mean as the NNGP), Ė_relu = (π − θ)/(2π),
 * Ė_erf = (4/π)/√((1+2K₁₁)(1+2K₂₂) − 4K₁₂²). It is the kernel of gradient
 * descent on z, i.e. on θ with per-parameter learning rates η·s_k². For step
 * the derivative is 0 almost everywhere, so only the readout layer moves and
 * Θ = the readout layer's K term (neural-tangents' Sign does the same). The
 * tests compare it with Σ_k s_k² ∂f/∂θ_k ∂f/∂θ_k computed by hand-written
 * backprop on finite nets of width 1024 from the canonical prior streams.
 *
 * **Precision and where it runs.** By default everything is float64 on the
 * CPU: our plain TypeScript loop (the reference, `reference.ts`) and, for FCN
 * blocks with more than {@link FAST_MIN_ENTRIES} entries, {@link fcnKernel}
 * (`fcn.ts`), for flatten CNN blocks large enough for wasm `cnnKernel`
 * (`cnn.ts`) — float64 wasm on all cores, the CNN's memory stated and
 * checked before it starts (`cnnKernelNeeds`) — through the single dispatch
 * point in `fast.ts` (tested to agree with the reference to 1e-12).
 * {@link kernelMatrixAsync} with a `device` (the core gpu backend, `device.ts`) runs the
 * Gram matrix and the whole layer recursion of FCN kernels on the GPU in
 * float32, one thread per entry, with the diagonal exact in float64. Measured
 * cost (the CPU model `fcnKernelF32Model`): ~1e-7 relative per entry on the
 * Boolean system and ~1e-6 on MNIST, moving EP's log P(S) by ~5e-6 nats at
 * |S| = 32 and ~2e-4 nats at |S| = 1000, far under EP's own bias (0.2–0.4
 * nats) — harmless for log P(S) and P_B, but not the default, because an
 * ill-conditioned kernel (near-repeated inputs) can lose its positive
 * definiteness in float32 and then needs jitter that float64 does not.
 */
import { type ArchSpec, type CnnSpec, FsbayesError, inputSize, validateSpec } from '@fsbayes/core';
import { checkBlock, checkFcnKernelRange, checkKernelFinite } from './check.js';
import { gapKernelCost } from './cnn.js';
import type { KernelDevice } from './device.js';
import { closedForm, hasClosedForm } from './dual.js';
import { FAST_MIN_ENTRIES, fastCnnKernel, fastFcnKernel } from './fast.js';
import type { FcnKernelParams } from './fcn.js';
import { cnnReference, fcnReference } from './reference.js';
import type { KernelKind } from './types.js';

export { fcnKernelF32Model, type KernelDevice, kernelDeviceOf } from './device.js';
export {
  type ClosedFormActivation,
  closedForm,
  DUALS,
  type DualDef,
  type DualOut,
  dual,
  dualDiag,
  hasClosedForm,
  noClosedForm,
} from './dual.js';
export { FAST_MIN_ENTRIES, fastFcnKernelAvailable } from './fast.js';
export { type FcnKernelArgs, type FcnKernelParams, type FcnKernelResult, fcnKernel, fcnKernelAsync } from './fcn.js';
export { Features, type MonteCarloKernel, type MonteCarloOptions, monteCarloKernel, widenSpec } from './montecarlo.js';
export type { KernelKind } from './types.js';

/** Options of {@link kernelMatrix}. */
export interface KernelOptions {
  /** `nngp` (default) or `ntk` (NTK parameterisation, see the module docs). */
  kind?: KernelKind;
  /**
   * `auto` (default): large FCN blocks (n1·n2 > {@link FAST_MIN_ENTRIES}) and
   * flatten CNN blocks go to the fast kernel when one is wired in (a CNN block
   * too small for wasm still runs the plain loop); `reference`: always the plain loop.
   */
  impl?: 'auto' | 'reference';
}

/**
 * Largest global-average-pooling CNN kernel computed (multiply-adds, see
 * {@link gapKernelCost}): at ~10⁹ such operations a second (an estimate, not
 * measured), about 15 minutes of the reference loop on one core.
 */
export const GAP_MAX_OPS = 1e12;

/** Refuse a global-average-pooling CNN kernel above {@link GAP_MAX_OPS}, naming its size and what to use instead. */
function checkGapCost(spec: CnnSpec, n1: number, n2: number | undefined): void {
  const pairs = n2 === undefined ? (n1 * (n1 + 1)) / 2 : n1 * n2;
  const ops = gapKernelCost(spec, pairs);
  if (ops > GAP_MAX_OPS) {
    const [h, w] = spec.inputShape;
    throw new FsbayesError(
      `the CNN kernel with global average pooling of ${n1} × ${n2 ?? n1} ${h}×${w} images needs ~${ops.toExponential(1)} operations ` +
        `(${gapKernelCost(spec, 1).toExponential(1)} per pair: the full position×position covariance), more than the ${GAP_MAX_OPS.toExponential(0)} budget; ` +
        `use pooling 'flatten', fewer or smaller images, or estimate it with monteCarloKernel(spec, X1, n1, X2, n2, { draws, seed, width, estimator: 'features' })`,
      { kind: 'resource' },
    );
  }
}

/** Largest block returned (entries), 2^28 = 2 GiB of float64. */
const MAX_ENTRIES = 2 ** 28;

/**
 * The n1×n2 kernel (row-major, float64) between the rows of X1 ([n1 × d]) and
 * X2 ([n2 × d]), d = inputSize(spec) (NHWC for images); X1 with itself
 * (exactly symmetric) when X2 is omitted. See the module docs for the
 * formulas and the NTK convention. Throws for activations without a closed
 * form (tanh): use {@link monteCarloKernel}.
 */
export function kernelMatrix(
  spec: ArchSpec,
  X1: Float64Array,
  n1: number,
  X2?: Float64Array,
  n2?: number,
  opts: KernelOptions = {},
): Float64Array {
  validateSpec(spec);
  const kind = opts.kind ?? 'nngp';
  if (kind !== 'nngp' && kind !== 'ntk') throw new FsbayesError(`kernel kind must be nngp or ntk, got ${String(kind)}`);
  const impl = opts.impl ?? 'auto';
  if (impl !== 'auto' && impl !== 'reference')
    throw new FsbayesError(`impl must be auto or reference, got ${String(impl)}`);
  const act = closedForm(spec.activation);
  const d = inputSize(spec);
  checkBlock(X1, n1, d, 'X1');
  if (X2 === undefined) {
    if (n2 !== undefined) throw new FsbayesError('n2 given without X2');
  } else {
    if (n2 === undefined) throw new FsbayesError('X2 given without n2');
    checkBlock(X2, n2, d, 'X2');
  }
  const m2 = X2 === undefined ? n1 : (n2 as number);
  if (n1 * m2 > MAX_ENTRIES) {
    throw new FsbayesError(`a ${n1}×${m2} kernel has more than 2^28 entries (2 GiB); compute it in blocks`);
  }
  if (spec.kind === 'fcn') {
    checkFcnKernelRange(spec, X1, n1);
    if (X2 !== undefined) checkFcnKernelRange(spec, X2, m2);
  }
  if (impl === 'auto' && spec.kind === 'fcn' && n1 * m2 > FAST_MIN_ENTRIES) {
    const fast = fastFcnKernel(spec, X1, n1, X2, m2, kind);
    if (fast) {
      checkKernelFinite(fast, m2, spec);
      return fast;
    }
  }
  if (spec.kind === 'cnn' && spec.pooling === 'gap') checkGapCost(spec, n1, X2 === undefined ? undefined : m2);
  if (impl === 'auto' && spec.kind === 'cnn') {
    const fast = fastCnnKernel(spec, X1, n1, X2, m2, kind);
    if (fast) {
      checkKernelFinite(fast, m2, spec);
      return fast;
    }
  }
  const r = { act, sw2: spec.sigmaW * spec.sigmaW, sb2: spec.bias ? spec.sigmaB * spec.sigmaB : 0 };
  const A = { X: X1, n: n1 };
  const B = X2 === undefined ? null : { X: X2, n: m2 };
  const ntk = kind === 'ntk';
  const block =
    spec.kind === 'fcn'
      ? fcnReference(spec.inputDim, spec.hidden.length, r, A, B, ntk)
      : cnnReference(spec, r, A, B, ntk);
  const K = ntk ? (block.ntk as Float64Array) : block.nngp;
  checkKernelFinite(K, m2, spec);
  return K;
}

/**
 * {@link kernelMatrix}, with FCN kernels of closed form on `device` when one
 * is given (the GPU, float32), else exactly `kernelMatrix` (float64 CPU).
 */
export async function kernelMatrixAsync(
  spec: ArchSpec,
  X1: Float64Array,
  n1: number,
  X2?: Float64Array,
  n2?: number,
  opts: KernelOptions & { device?: KernelDevice | null } = {},
): Promise<Float64Array> {
  const { device, ...rest } = opts;
  if (!device || spec.kind !== 'fcn' || !hasClosedForm(spec.activation))
    return kernelMatrix(spec, X1, n1, X2, n2, rest);
  validateSpec(spec);
  const d = inputSize(spec);
  checkBlock(X1, n1, d, 'X1');
  if (X2 !== undefined) checkBlock(X2, n2 as number, d, 'X2');
  checkFcnKernelRange(spec, X1, n1);
  if (X2 !== undefined) checkFcnKernelRange(spec, X2, n2 as number);
  const ntk = (rest.kind ?? 'nngp') === 'ntk';
  const p: FcnKernelParams = {
    hidden: spec.hidden.length,
    activation: spec.activation,
    sigmaW: spec.sigmaW,
    sigmaB: spec.sigmaB,
    bias: spec.bias,
    ntk,
  };
  const r = await device.fcnKernel(X1, n1, d, p, X2, n2);
  const K = ntk ? (r.ntk as Float64Array) : r.nngp;
  checkKernelFinite(K, X2 === undefined ? n1 : (n2 as number), spec);
  return K;
}
