/**
 * A net's forward pass, loss and hand-written backward pass on a minibatch,
 * float64, over one net's flat parameter vector in core's `paramLayout` order
 * (per layer W [out × in] row-major, then b). `SgdNet` is what the reference
 * trainer drives: the readout's loss and the chunked outputs are written once
 * here; `FcnNet` (this file) and `CnnNet` (`cnn-net.ts`) supply the passes.
 * Buffers are allocated once; every call reuses them.
 */
import {
  type Activation,
  activationDerivative,
  activationFn,
  type FcnSpec,
  FsbayesError,
  paramLayout,
} from '@fsbayes/core';
import type { LossName } from './config.js';
import type { WeightBlock } from './updates.js';

/** φ′(z) of a hidden nonlinearity, from core's activation table (the step has no useful gradient and is refused). */
export function derivative(a: Activation): (z: number) => number {
  const d = activationDerivative(a);
  if (!d) throw new FsbayesError(`the ${a} activation has zero gradient almost everywhere; SGD cannot train it`);
  return d;
}

/** The decision threshold on the readout: the point is predicted 1 when z > threshold. */
export function lossThreshold(loss: LossName, mseTargets: '01' | 'pm1'): number {
  return loss === 'mse' && mseTargets === '01' ? 0.5 : 0;
}

/** Offsets of each layer's weights and biases in θ (biases −1 when the spec has none), from core's layout. */
export function layerOffsets(layout: ReturnType<typeof paramLayout>): { wOff: number[]; bOff: number[] } {
  const wOff: number[] = [];
  const bOff: number[] = [];
  for (const t of layout.tensors) (t.role === 'weight' ? wOff : bOff).push(t.offset);
  return { wOff, bOff };
}

/**
 * Dense layer forward on n rows: z = W a + b ([n × outW]); next = φ(z) unless null.
 * `bo` < 0: no bias.
 */
export function denseForward(
  theta: Float64Array,
  wo: number,
  bo: number,
  a: Float64Array,
  z: Float64Array,
  next: Float64Array | null,
  n: number,
  inW: number,
  outW: number,
  phi: (x: number) => number,
): void {
  for (let s = 0; s < n; s++) {
    const ab = s * inW;
    for (let o = 0; o < outW; o++) {
      let acc = bo >= 0 ? theta[bo + o] : 0;
      const wr = wo + o * inW;
      for (let k = 0; k < inW; k++) acc += theta[wr + k] * a[ab + k];
      z[s * outW + o] = acc;
      if (next !== null) next[s * outW + o] = phi(acc);
    }
  }
}

/** Dense layer's parameter gradient from its deltas d [n × outW] and inputs a [n × inW], added into g. */
export function denseParamGrad(
  g: Float64Array,
  wo: number,
  bo: number,
  a: Float64Array,
  d: Float64Array,
  n: number,
  inW: number,
  outW: number,
): void {
  for (let s = 0; s < n; s++) {
    const ab = s * inW;
    for (let o = 0; o < outW; o++) {
      const dv = d[s * outW + o];
      if (dv === 0) continue;
      if (bo >= 0) g[bo + o] += dv;
      const wr = wo + o * inW;
      for (let k = 0; k < inW; k++) g[wr + k] += dv * a[ab + k];
    }
  }
}

/**
 * Dense layer's input delta dPrev = Wᵀ d ([n × inW]), times φ′(zPrev) when zPrev
 * is given (the layer below is a hidden layer) and left as ∂/∂a otherwise.
 */
export function denseInputDelta(
  theta: Float64Array,
  wo: number,
  d: Float64Array,
  dPrev: Float64Array,
  zPrev: Float64Array | null,
  dphi: (z: number) => number,
  n: number,
  inW: number,
  outW: number,
): void {
  for (let s = 0; s < n; s++) {
    const pb = s * inW;
    for (let k = 0; k < inW; k++) dPrev[pb + k] = 0;
    for (let o = 0; o < outW; o++) {
      const dv = d[s * outW + o];
      if (dv === 0) continue;
      const wr = wo + o * inW;
      for (let k = 0; k < inW; k++) dPrev[pb + k] += dv * theta[wr + k];
    }
    if (zPrev !== null) for (let k = 0; k < inW; k++) dPrev[pb + k] *= dphi(zPrev[pb + k]);
  }
}

/** What the reference trainer needs of a net: passes on a minibatch, the loss at its readout, outputs on many points. */
export abstract class SgdNet {
  /** Parameters per net. */
  abstract readonly P: number;
  /** Points one forward call can take. */
  abstract readonly capacity: number;
  /** Points of the last forward call. */
  protected n = 0;
  /** The readout z [capacity] of the last forward call, and its delta ∂loss/∂z. */
  protected abstract readonly zOut: Float64Array;
  protected abstract readonly dOut: Float64Array;

  /**
   * Forward pass of rows idx[from..from+n) of X ([· × d] row-major), or rows
   * from..from+n when idx is null. Returns the readouts (a view, valid until the next call).
   */
  abstract forward(theta: Float64Array, X: Float64Array, idx: Int32Array | null, from: number, n: number): Float64Array;
  /** Backward pass of the last forward batch: g ← ∂(mean loss)/∂θ (overwritten). */
  abstract backward(theta: Float64Array, g: Float64Array): void;
  /** The weight tensors as matrices [out × fan-in], for AGD. */
  abstract weightBlocks(): WeightBlock[];

  /**
   * Mean loss over the last forward batch against 0/1 labels y (of the same
   * rows), writing ∂(mean loss)/∂z into the readout delta.
   * - ce: binary cross-entropy on the logit, ℓ = softplus(z) − y z;
   * - mse: ℓ = (z − t)² with t = y (`01`) or 2y − 1 (`pm1`).
   */
  lossGrad(labels: Uint8Array, idx: Int32Array | null, from: number, loss: LossName, mseTargets: '01' | 'pm1'): number {
    const n = this.n;
    const z = this.zOut;
    const dz = this.dOut;
    let total = 0;
    for (let s = 0; s < n; s++) {
      const y = labels[idx === null ? from + s : idx[from + s]];
      const zs = z[s];
      if (loss === 'ce') {
        // softplus(z) − yz, computed without overflow
        total += (zs > 0 ? zs + Math.log1p(Math.exp(-zs)) : Math.log1p(Math.exp(zs))) - y * zs;
        const sig = zs >= 0 ? 1 / (1 + Math.exp(-zs)) : Math.exp(zs) / (1 + Math.exp(zs));
        dz[s] = (sig - y) / n;
      } else {
        const t = mseTargets === '01' ? y : 2 * y - 1;
        total += (zs - t) * (zs - t);
        dz[s] = (2 * (zs - t)) / n;
      }
    }
    return total / n;
  }

  /** Readouts on all m rows of X, in chunks of the capacity, into out (length ≥ m). */
  outputs(theta: Float64Array, X: Float64Array, m: number, out: Float64Array): Float64Array {
    for (let from = 0; from < m; from += this.capacity) {
      const n = Math.min(this.capacity, m - from);
      out.set(this.forward(theta, X, null, from, n).subarray(0, n), from);
    }
    return out;
  }
}

/** A fully connected net d → h1 → … → 1. */
export class FcnNet extends SgdNet {
  /** Layer widths [d, h1, …, 1]. */
  readonly dims: number[];
  readonly layers: number;
  readonly P: number;
  readonly wOff: number[];
  readonly bOff: number[];
  readonly capacity: number;
  /** A[l]: input of layer l, [capacity × dims[l]] (A[0] holds the gathered inputs). */
  private readonly A: Float64Array[];
  /** Z[l]: pre-activation of layer l, [capacity × dims[l+1]]. */
  private readonly Z: Float64Array[];
  /** D[l]: ∂loss/∂Z[l]. */
  private readonly D: Float64Array[];
  protected readonly zOut: Float64Array;
  protected readonly dOut: Float64Array;
  private readonly phi: (x: number) => number;
  private readonly dphi: (x: number) => number;

  constructor(
    readonly spec: FcnSpec,
    capacity: number,
  ) {
    super();
    if (spec.kind !== 'fcn') throw new FsbayesError('FcnNet: expected a fully connected spec (fcn:…)');
    this.dims = [spec.inputDim, ...spec.hidden, 1];
    this.layers = this.dims.length - 1;
    const layout = paramLayout(spec);
    this.P = layout.size;
    ({ wOff: this.wOff, bOff: this.bOff } = layerOffsets(layout));
    this.capacity = capacity;
    this.A = this.dims.slice(0, -1).map((w) => new Float64Array(capacity * w));
    this.Z = this.dims.slice(1).map((w) => new Float64Array(capacity * w));
    this.D = this.dims.slice(1).map((w) => new Float64Array(capacity * w));
    this.zOut = this.Z[this.layers - 1];
    this.dOut = this.D[this.layers - 1];
    this.phi = activationFn(spec.activation);
    this.dphi = derivative(spec.activation);
  }

  weightBlocks(): WeightBlock[] {
    return this.wOff.map((offset, l) => ({ offset, out: this.dims[l + 1], in: this.dims[l] }));
  }

  forward(theta: Float64Array, X: Float64Array, idx: Int32Array | null, from: number, n: number): Float64Array {
    if (n > this.capacity) throw new FsbayesError(`forward: ${n} points exceed capacity ${this.capacity}`);
    const d = this.dims[0];
    const a0 = this.A[0];
    for (let s = 0; s < n; s++) {
      const row = (idx === null ? from + s : idx[from + s]) * d;
      for (let k = 0; k < d; k++) a0[s * d + k] = X[row + k];
    }
    const bias = this.spec.bias;
    for (let l = 0; l < this.layers; l++) {
      const last = l === this.layers - 1;
      const bo = bias ? this.bOff[l] : -1;
      const next = last ? null : this.A[l + 1];
      denseForward(theta, this.wOff[l], bo, this.A[l], this.Z[l], next, n, this.dims[l], this.dims[l + 1], this.phi);
    }
    this.n = n;
    return this.zOut;
  }

  backward(theta: Float64Array, g: Float64Array): void {
    g.fill(0);
    const n = this.n;
    const bias = this.spec.bias;
    for (let l = this.layers - 1; l >= 0; l--) {
      const inW = this.dims[l];
      const outW = this.dims[l + 1];
      denseParamGrad(g, this.wOff[l], bias ? this.bOff[l] : -1, this.A[l], this.D[l], n, inW, outW);
      if (l === 0) break;
      denseInputDelta(theta, this.wOff[l], this.D[l], this.D[l - 1], this.Z[l - 1], this.dphi, n, inW, outW);
    }
  }
}
