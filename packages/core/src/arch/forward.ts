/**
 * The float64 forward pass in plain TypeScript: the reference the fast
 * backends are tested against, and the one implementation of a net's hidden
 * features, used by `forwardReference` (the js backend), nngp's Monte-Carlo
 * kernel and the sampler's frozen-feature model.
 */
import { FsbayesError } from '../errors/index.js';
import { activationFn } from './activations.js';
import { type ParamTensor, paramLayout } from './params.js';
import { type ArchSpec, type ConvLayer, cnnShapes, convPadBefore, inputSize } from './spec.js';

/** Parameters of nets, [nets × P] in {@link paramLayout} order, or inputs [m × d] row-major. */
type Values = Float64Array | Float32Array;

/** Values per buffer of a forward pass (a chunk of inputs at the widest layer). */
const CHUNK_VALUES = 1 << 20;

/**
 * A net's hidden features z(x), the n values its readout reads (the last
 * dense hidden layer's activations, the conv stack's flattened or globally
 * averaged output, or the inputs of a perceptron), in float64, for m inputs
 * at once; and the readout f = b + w·z. Buffers are kept between calls.
 */
export class NetFeatures {
  /** Number of features n (the readout's fan-in). */
  readonly width: number;
  /** Widest layer (values per input in the buffers). */
  readonly maxWidth: number;
  readonly spec: ArchSpec;
  private readonly tensors: ParamTensor[];
  private readonly P: number;
  private readonly phi: (x: number) => number;
  private bufA: Float64Array = new Float64Array(0);
  private bufB: Float64Array = new Float64Array(0);

  constructor(spec: ArchSpec) {
    this.spec = spec;
    const layout = paramLayout(spec);
    this.tensors = layout.tensors;
    this.P = layout.size;
    this.phi = activationFn(spec.activation);
    const readout = this.tensors.filter((t) => t.role === 'weight').at(-1)!;
    this.width = readout.shape[1];
    const widths =
      spec.kind === 'fcn'
        ? [spec.inputDim, ...spec.hidden]
        : [...cnnShapes(spec).map(([h, w, c]) => h * w * c), ...spec.hidden];
    this.maxWidth = Math.max(...widths);
  }

  private buffers(len: number): [Float64Array, Float64Array] {
    if (this.bufA.length < len) {
      this.bufA = new Float64Array(len);
      this.bufB = new Float64Array(len);
    }
    return [this.bufA, this.bufB];
  }

  /** Features of net `net` of `params` ([nets × P]) on m inputs (rows of X) → out [m × width]. */
  compute(params: Values, net: number, X: Values, m: number, out: Float64Array): void {
    const spec = this.spec;
    const base = net * this.P;
    const phi = this.phi;
    let [a, b] = this.buffers(m * this.maxWidth);
    let t = 0;
    let w: number;
    if (spec.kind === 'fcn') {
      a.set(X.subarray(0, m * spec.inputDim));
      w = spec.inputDim;
    } else {
      w = this.convStack(params, base, X, m, a, b);
      t = spec.convs.length * (spec.bias ? 2 : 1);
    }
    for (const width of spec.hidden) {
      const W = this.tensors[t++];
      const B = spec.bias ? this.tensors[t++] : null;
      for (let o = 0; o < width; o++) {
        const row = base + W.offset + o * w;
        const bo = B ? params[base + B.offset + o] : 0;
        for (let i = 0; i < m; i++) {
          let s = bo;
          const ai = i * w;
          for (let k = 0; k < w; k++) s += params[row + k] * a[ai + k];
          b[i * width + o] = phi(s);
        }
      }
      [a, b] = [b, a];
      w = width;
    }
    out.set(a.subarray(0, m * w));
  }

  /** Conv layers and pooling of m inputs; result in `a` ([m × features]); returns the feature count. */
  private convStack(params: Values, base: number, X: Values, m: number, a: Float64Array, b: Float64Array): number {
    const spec = this.spec;
    if (spec.kind !== 'cnn') throw new FsbayesError('convStack on an FCN');
    const shapes = cnnShapes(spec);
    const phi = this.phi;
    const [H0, W0, C0] = shapes[0];
    a.set(X.subarray(0, m * H0 * W0 * C0));
    let src = a;
    let dst = b;
    let t = 0;
    spec.convs.forEach((c, l) => {
      const [H, W, C] = shapes[l];
      const [OH, OW, OC] = shapes[l + 1];
      const Wt = this.tensors[t++];
      const Bt = spec.bias ? this.tensors[t++] : null;
      const din = H * W * C;
      const dout = OH * OW * OC;
      for (let i = 0; i < m; i++) {
        convLayer(c, shapes[l], shapes[l + 1], params, base, Wt, Bt, src, i * din, dst, i * dout, phi);
      }
      [src, dst] = [dst, src];
    });
    const [h, w, ch] = shapes[shapes.length - 1];
    let width = h * w * ch;
    if (spec.pooling === 'gap') {
      for (let i = 0; i < m; i++) {
        for (let c = 0; c < ch; c++) {
          let s = 0;
          for (let p = 0; p < h * w; p++) s += src[i * width + p * ch + c];
          dst[i * ch + c] = s / (h * w);
        }
      }
      [src, dst] = [dst, src];
      width = ch;
    }
    if (src !== a) a.set(src.subarray(0, m * width));
    return width;
  }

  /** The readout tensors (weights [1 × width], bias or null). */
  readoutTensors(): { W: ParamTensor; B: ParamTensor | null } {
    const n = this.tensors.length;
    return this.spec.bias ? { W: this.tensors[n - 2], B: this.tensors[n - 1] } : { W: this.tensors[n - 1], B: null };
  }

  /** The readout f = b + w·z of net `net` from its features F [m × width], into out[at, at+m). */
  readoutInto(params: Values, net: number, F: Float64Array, m: number, out: Float64Array, at = 0): void {
    const { W, B } = this.readoutTensors();
    const base = net * this.P;
    for (let i = 0; i < m; i++) {
      let s = B ? params[base + B.offset] : 0;
      for (let k = 0; k < this.width; k++) s += params[base + W.offset + k] * F[i * this.width + k];
      out[at + i] = s;
    }
  }

  /** The readout of net `net` from its features [m × width], as a fresh array. */
  readout(params: Values, net: number, F: Float64Array, m: number): Float64Array {
    const f = new Float64Array(m);
    this.readoutInto(params, net, F, m, f);
    return f;
  }
}

/**
 * Hidden features Φ [m × width] of one net (parameters [P] in
 * {@link paramLayout} order) on m inputs [m × d]: the readout's input, so
 * that the readout pre-activation is Φ·w + b.
 */
export function hiddenFeatures(spec: ArchSpec, params: Values, inputs: Values, m: number): Float64Array {
  const P = paramLayout(spec).size;
  if (params.length < P) throw new FsbayesError(`hiddenFeatures: need ${P} parameters, got ${params.length}`);
  const d = inputSize(spec);
  if (inputs.length !== m * d)
    throw new FsbayesError(`hiddenFeatures: ${m} inputs of dimension ${d} need ${m * d} values`);
  const f = new NetFeatures(spec);
  const out = new Float64Array(m * f.width);
  f.compute(params, 0, inputs, m, out);
  return out;
}

/** Width of the readout's input (the last hidden layer, the conv output, or the input dimension of a perceptron). */
export function featureWidth(spec: ArchSpec): number {
  return new NetFeatures(spec).width;
}

/**
 * Reference forward pass in float64, plain TypeScript: evaluates `nets` nets
 * (parameters [nets × P] in {@link paramLayout} order) on `m` inputs
 * ([m × d] row-major) and returns the readout pre-activations [nets × m].
 * The fast backends are tested against this.
 */
export function forwardReference(
  spec: ArchSpec,
  params: Values,
  nets: number,
  inputs: Values,
  m: number,
): Float64Array {
  const layout = paramLayout(spec);
  const d = inputSize(spec);
  if (params.length < nets * layout.size) {
    throw new FsbayesError(`forward: ${nets} nets need ${nets * layout.size} parameters, got ${params.length}`);
  }
  if (inputs.length !== m * d)
    throw new FsbayesError(`forward: ${m} inputs of dimension ${d} need ${m * d} values, got ${inputs.length}`);
  const out = new Float64Array(nets * m);
  const f = new NetFeatures(spec);
  const chunk = Math.max(1, Math.min(m, Math.floor(CHUNK_VALUES / f.maxWidth)));
  const F = new Float64Array(chunk * f.width);
  for (let n = 0; n < nets; n++) {
    for (let i0 = 0; i0 < m; i0 += chunk) {
      const c = Math.min(chunk, m - i0);
      f.compute(params, n, inputs.subarray(i0 * d, (i0 + c) * d), c, F);
      f.readoutInto(params, n, F, c, out, n * m + i0);
    }
  }
  return out;
}

/**
 * One convolution + nonlinearity on one NHWC image: reads `src` from
 * `srcAt`, writes φ(W * x + b) to `dst` from `dstAt` (TensorFlow SAME/VALID
 * padding). The single implementation behind every float64 conv forward pass.
 */
export function convLayer(
  c: ConvLayer,
  inShape: readonly number[],
  outShape: readonly number[],
  params: Values,
  base: number,
  Wt: ParamTensor,
  Bt: ParamTensor | null,
  src: Float64Array,
  srcAt: number,
  dst: Float64Array,
  dstAt: number,
  phi: (x: number) => number,
): void {
  const [H, W, C] = inShape;
  const [OH, OW, OC] = outShape;
  const [kh, kw] = c.kernel;
  const [sh, sw] = c.stride;
  const ph = convPadBefore(H, kh, sh, c.padding);
  const pw = convPadBefore(W, kw, sw, c.padding);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let oc = 0; oc < OC; oc++) {
        let s = Bt ? params[base + Bt.offset + oc] : 0;
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * sh - ph + ky;
          if (y < 0 || y >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * sw - pw + kx;
            if (x < 0 || x >= W) continue;
            const wRow = base + Wt.offset + ((oc * kh + ky) * kw + kx) * C;
            const iRow = srcAt + (y * W + x) * C;
            for (let ic = 0; ic < C; ic++) s += params[wRow + ic] * src[iRow + ic];
          }
        }
        dst[dstAt + (oy * OW + ox) * OC + oc] = phi(s);
      }
    }
  }
}
