import { FsbayesError } from '../errors/index.js';
import { erf } from '../math/erf.js';
import { type ParamTensor, paramLayout } from './params.js';
import {
  type Activation,
  type ArchSpec,
  type CnnSpec,
  type ConvLayer,
  cnnShapes,
  convPadBefore,
  inputSize,
} from './spec.js';

/** The pointwise nonlinearity φ of a hidden layer. */
export function activationFn(a: Activation): (x: number) => number {
  switch (a) {
    case 'relu':
      // biome-ignore lint/complexity/useMathMinMax: as the kernels do, NaN maps to 0 here (Math.max would keep NaN)
      return (x) => (x > 0 ? x : 0);
    case 'erf':
      return erf;
    case 'tanh':
      return Math.tanh;
    case 'step':
      return (x) => (x > 0 ? 1 : 0);
  }
}

/**
 * Reference forward pass in float64, plain TypeScript: evaluates `nets` nets
 * (parameters [nets × P] in {@link paramLayout} order) on `m` inputs
 * ([m × d] row-major) and returns the readout pre-activations [nets × m].
 * The fast backends are tested against this.
 */
export function forwardReference(
  spec: ArchSpec,
  params: Float64Array | Float32Array,
  nets: number,
  inputs: Float64Array | Float32Array,
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
  const phi = activationFn(spec.activation);
  const maxWidth = Math.max(d, ...layerWidths(spec));
  let a = new Float64Array(maxWidth);
  let b = new Float64Array(maxWidth);
  for (let n = 0; n < nets; n++) {
    const base = n * layout.size;
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < d; k++) a[k] = inputs[i * d + k];
      let width = d;
      let t = 0; // tensor cursor
      if (spec.kind === 'cnn') {
        width = convStack(spec, params, base, layout.tensors, a, b, phi);
        // convStack leaves its result in `a`
        t = spec.convs.length * (spec.bias ? 2 : 1);
      }
      const denseLayers = spec.hidden.length + 1;
      for (let l = 0; l < denseLayers; l++) {
        const W = layout.tensors[t++];
        const bias = spec.bias ? layout.tensors[t++] : null;
        const outW = W.shape[0];
        for (let o = 0; o < outW; o++) {
          let s = bias ? params[base + bias.offset + o] : 0;
          const row = base + W.offset + o * width;
          for (let k = 0; k < width; k++) s += params[row + k] * a[k];
          b[o] = l < denseLayers - 1 ? phi(s) : s;
        }
        [a, b] = [b, a];
        width = outW;
      }
      out[n * m + i] = a[0];
    }
  }
  return out;
}

function layerWidths(spec: ArchSpec): number[] {
  if (spec.kind === 'fcn') return [...spec.hidden, 1];
  return [...cnnShapes(spec).map(([h, w, c]) => h * w * c), ...spec.hidden, 1];
}

/** Conv layers (+ pooling) of one input held in `a`; returns the feature width, result in `a`. */
function convStack(
  spec: CnnSpec,
  params: Float64Array | Float32Array,
  base: number,
  tensors: ReturnType<typeof paramLayout>['tensors'],
  a: Float64Array,
  b: Float64Array,
  phi: (x: number) => number,
): number {
  const shapes = cnnShapes(spec);
  let t = 0;
  let src = a;
  let dst = b;
  spec.convs.forEach((c, l) => {
    const Wt = tensors[t++];
    const Bt = spec.bias ? tensors[t++] : null;
    convLayer(c, shapes[l], shapes[l + 1], params, base, Wt, Bt, src, 0, dst, 0, phi);
    [src, dst] = [dst, src];
  });
  const [h, w, ch] = shapes[shapes.length - 1];
  let width = h * w * ch;
  if (spec.pooling === 'gap') {
    for (let c = 0; c < ch; c++) {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += src[p * ch + c];
      dst[c] = s / (h * w);
    }
    [src, dst] = [dst, src];
    width = ch;
  }
  if (src !== a) a.set(src.subarray(0, width));
  return width;
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
  params: Float64Array | Float32Array,
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
