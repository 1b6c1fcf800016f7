/**
 * A convolutional net's forward pass and hand-written backward pass on a
 * minibatch, float64 (the reference the wasm CNN trainer is tested against):
 * conv layers (TensorFlow SAME/VALID padding, strides; weights
 * [C_out, kh, kw, C_in], NHWC images), flatten or global average pooling,
 * then the dense tail and readout of `net.ts`. The conv forward pass is
 * core's `convLayer` (the one float64 conv of every view of the net), run
 * with the identity so the pre-activations are kept for the backward pass.
 */
import {
  activationFn,
  type CnnSpec,
  type ConvLayer,
  cnnShapes,
  convLayer,
  convPadBefore,
  FsbayesError,
  type ParamTensor,
  paramLayout,
} from '@fsbayes/core';
import { denseForward, denseInputDelta, denseParamGrad, derivative, layerOffsets, SgdNet } from './net.js';
import type { WeightBlock } from './updates.js';

const identity = (x: number) => x;

/**
 * The backward pass of one conv layer on one image: parameter gradients from
 * its deltas d (at dAt, [OH·OW·OC]) and input src (at srcAt) added into g, and,
 * when dSrc is given, ∂loss/∂input (at dSrcAt, overwritten) = the transposed convolution of d.
 */
export function convBackward(
  c: ConvLayer,
  inShape: readonly number[],
  outShape: readonly number[],
  theta: Float64Array,
  g: Float64Array,
  wo: number,
  bo: number,
  src: Float64Array,
  srcAt: number,
  d: Float64Array,
  dAt: number,
  dSrc: Float64Array | null,
  dSrcAt: number,
): void {
  const [H, W, C] = inShape;
  const [OH, OW, OC] = outShape;
  const [kh, kw] = c.kernel;
  const [sh, sw] = c.stride;
  const ph = convPadBefore(H, kh, sh, c.padding);
  const pw = convPadBefore(W, kw, sw, c.padding);
  if (dSrc !== null) dSrc.fill(0, dSrcAt, dSrcAt + H * W * C);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let oc = 0; oc < OC; oc++) {
        const dv = d[dAt + (oy * OW + ox) * OC + oc];
        if (dv === 0) continue;
        if (bo >= 0) g[bo + oc] += dv;
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * sh - ph + ky;
          if (y < 0 || y >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * sw - pw + kx;
            if (x < 0 || x >= W) continue;
            const wRow = wo + ((oc * kh + ky) * kw + kx) * C;
            const iRow = (y * W + x) * C;
            for (let ic = 0; ic < C; ic++) g[wRow + ic] += dv * src[srcAt + iRow + ic];
            if (dSrc !== null) for (let ic = 0; ic < C; ic++) dSrc[dSrcAt + iRow + ic] += dv * theta[wRow + ic];
          }
        }
      }
    }
  }
}

/** A CNN: conv layers, flatten or global average pooling, dense hidden layers, a readout of one unit. */
export class CnnNet extends SgdNet {
  readonly P: number;
  readonly capacity: number;
  /** [H, W, C] of the input and after each conv layer. */
  readonly shapes: [number, number, number][];
  /** Features the dense tail reads (flattened or pooled conv output). */
  readonly features: number;
  /** Widths of the dense tail [features, h1, …, 1]. */
  readonly dims: number[];
  private readonly convW: ParamTensor[];
  private readonly convB: (ParamTensor | null)[];
  private readonly wOff: number[];
  private readonly bOff: number[];
  /** Ac[l]: input of conv l ([capacity × size of shapes[l]]; Ac[nc] is the conv stack's output). */
  private readonly Ac: Float64Array[];
  /** Zc[l], Dc[l]: pre-activation of conv l and ∂loss/∂ of it (first ∂loss/∂ of its output). */
  private readonly Zc: Float64Array[];
  private readonly Dc: Float64Array[];
  /** The dense tail's buffers, as FcnNet's (A[0] is the feature vector). */
  private readonly A: Float64Array[];
  private readonly Z: Float64Array[];
  private readonly D: Float64Array[];
  /** ∂loss/∂features. */
  private readonly dF: Float64Array;
  protected readonly zOut: Float64Array;
  protected readonly dOut: Float64Array;
  private readonly phi: (x: number) => number;
  private readonly dphi: (x: number) => number;

  constructor(
    readonly spec: CnnSpec,
    capacity: number,
  ) {
    super();
    if (spec.kind !== 'cnn') throw new FsbayesError('CnnNet: expected a convolutional spec (cnn:…)');
    const layout = paramLayout(spec);
    this.P = layout.size;
    this.capacity = capacity;
    this.shapes = cnnShapes(spec);
    const nc = spec.convs.length;
    const weights = layout.tensors.filter((t) => t.role === 'weight');
    this.convW = weights.slice(0, nc);
    this.convB = this.convW.map((w) => layout.tensors.find((t) => t.role === 'bias' && t.layer === w.layer) ?? null);
    const offs = layerOffsets(layout);
    this.wOff = offs.wOff.slice(nc);
    this.bOff = offs.bOff.slice(spec.bias ? nc : 0);
    const size = ([h, w, c]: readonly number[]) => h * w * c;
    const [h, w, ch] = this.shapes[nc];
    this.features = spec.pooling === 'gap' ? ch : h * w * ch;
    this.dims = [this.features, ...spec.hidden, 1];
    this.Ac = this.shapes.map((s) => new Float64Array(capacity * size(s)));
    this.Zc = this.shapes.slice(1).map((s) => new Float64Array(capacity * size(s)));
    this.Dc = this.shapes.slice(1).map((s) => new Float64Array(capacity * size(s)));
    const flat = spec.pooling === 'flatten';
    this.A = this.dims.slice(0, -1).map((d, l) => (l === 0 && flat ? this.Ac[nc] : new Float64Array(capacity * d)));
    this.Z = this.dims.slice(1).map((d) => new Float64Array(capacity * d));
    this.D = this.dims.slice(1).map((d) => new Float64Array(capacity * d));
    this.dF = flat ? this.Dc[nc - 1] : new Float64Array(capacity * this.features);
    this.zOut = this.Z[this.Z.length - 1];
    this.dOut = this.D[this.D.length - 1];
    this.phi = activationFn(spec.activation);
    this.dphi = derivative(spec.activation);
  }

  weightBlocks(): WeightBlock[] {
    // a conv kernel as the matrix [C_out × kh·kw·C_in] (its rows are the filters, as torch's orthogonal_ sees them)
    const conv = this.convW.map((t) => ({ offset: t.offset, out: t.shape[0], in: t.fanIn }));
    return [...conv, ...this.wOff.map((offset, l) => ({ offset, out: this.dims[l + 1], in: this.dims[l] }))];
  }

  forward(theta: Float64Array, X: Float64Array, idx: Int32Array | null, from: number, n: number): Float64Array {
    if (n > this.capacity) throw new FsbayesError(`forward: ${n} points exceed capacity ${this.capacity}`);
    const { spec, shapes } = this;
    const d0 = this.Ac[0].length / this.capacity;
    const a0 = this.Ac[0];
    for (let s = 0; s < n; s++) {
      const row = (idx === null ? from + s : idx[from + s]) * d0;
      for (let k = 0; k < d0; k++) a0[s * d0 + k] = X[row + k];
    }
    spec.convs.forEach((c, l) => {
      const din = this.Ac[l].length / this.capacity;
      const dout = this.Zc[l].length / this.capacity;
      const z = this.Zc[l];
      const next = this.Ac[l + 1];
      for (let s = 0; s < n; s++)
        convLayer(
          c,
          shapes[l],
          shapes[l + 1],
          theta,
          0,
          this.convW[l],
          this.convB[l],
          this.Ac[l],
          s * din,
          z,
          s * dout,
          identity,
        );
      for (let k = 0; k < n * dout; k++) next[k] = this.phi(z[k]);
    });
    const nc = spec.convs.length;
    if (spec.pooling === 'gap') {
      const [h, w, ch] = shapes[nc];
      const src = this.Ac[nc];
      const F = this.A[0];
      for (let s = 0; s < n; s++)
        for (let c = 0; c < ch; c++) {
          let sum = 0;
          for (let p = 0; p < h * w; p++) sum += src[(s * h * w + p) * ch + c];
          F[s * ch + c] = sum / (h * w);
        }
    }
    const L = this.dims.length - 1;
    for (let l = 0; l < L; l++) {
      const bo = spec.bias ? this.bOff[l] : -1;
      const next = l === L - 1 ? null : this.A[l + 1];
      denseForward(theta, this.wOff[l], bo, this.A[l], this.Z[l], next, n, this.dims[l], this.dims[l + 1], this.phi);
    }
    this.n = n;
    return this.zOut;
  }

  backward(theta: Float64Array, g: Float64Array): void {
    g.fill(0);
    const { n, spec, shapes } = this;
    const bias = spec.bias;
    const L = this.dims.length - 1;
    for (let l = L - 1; l >= 0; l--) {
      const inW = this.dims[l];
      const outW = this.dims[l + 1];
      denseParamGrad(g, this.wOff[l], bias ? this.bOff[l] : -1, this.A[l], this.D[l], n, inW, outW);
      const dPrev = l === 0 ? this.dF : this.D[l - 1];
      const zPrev = l === 0 ? null : this.Z[l - 1];
      denseInputDelta(theta, this.wOff[l], this.D[l], dPrev, zPrev, this.dphi, n, inW, outW);
    }
    const nc = spec.convs.length;
    if (spec.pooling === 'gap') {
      // ∂/∂(conv output) of the average: dF / (h·w) at every position
      const [h, w, ch] = shapes[nc];
      const dA = this.Dc[nc - 1];
      for (let s = 0; s < n; s++)
        for (let p = 0; p < h * w; p++)
          for (let c = 0; c < ch; c++) dA[(s * h * w + p) * ch + c] = this.dF[s * ch + c] / (h * w);
    }
    for (let l = nc - 1; l >= 0; l--) {
      const din = this.Ac[l].length / this.capacity;
      const dout = this.Zc[l].length / this.capacity;
      const d = this.Dc[l];
      const z = this.Zc[l];
      for (let k = 0; k < n * dout; k++) d[k] *= this.dphi(z[k]);
      const dSrc = l === 0 ? null : this.Dc[l - 1];
      const bo = this.convB[l]?.offset ?? -1;
      for (let s = 0; s < n; s++)
        convBackward(
          spec.convs[l],
          shapes[l],
          shapes[l + 1],
          theta,
          g,
          this.convW[l].offset,
          bo,
          this.Ac[l],
          s * din,
          d,
          s * dout,
          dSrc,
          s * din,
        );
    }
  }
}
