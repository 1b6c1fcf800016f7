import { FsbayesError } from '../errors/index.js';
import { type ArchSpec, cnnShapes } from './spec.js';

/** One weight or bias tensor inside a net's flat parameter vector. */
export interface ParamTensor {
  /** e.g. `W1`, `b1`; layers count from 1, the readout is the last. */
  name: string;
  role: 'weight' | 'bias';
  /** 0-based layer index (conv layers first, then dense, then readout). */
  layer: number;
  /**
   * Dense weights are [out, in] row-major; conv weights [outC, kh, kw, inC];
   * biases [out].
   */
  shape: number[];
  offset: number;
  size: number;
  /** Fan-in of the unit this parameter feeds (inC·kh·kw for a conv). */
  fanIn: number;
  /** Prior standard deviation: σ_w/√fan_in for weights, σ_b for biases. */
  std: number;
}

/** The flat parameter layout of one net; a batch of B nets is [B × size]. */
export interface ParamLayout {
  tensors: ParamTensor[];
  /** Parameters per net. */
  size: number;
}

/**
 * The flat layout of a spec's parameters, layer by layer, each layer's
 * weights followed by its biases (when the spec has biases).
 */
export function paramLayout(spec: ArchSpec): ParamLayout {
  const tensors: ParamTensor[] = [];
  let offset = 0;
  let layer = 0;
  const push = (role: ParamTensor['role'], shape: number[], fanIn: number) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const std = role === 'weight' ? spec.sigmaW / Math.sqrt(fanIn) : spec.sigmaB;
    tensors.push({
      name: `${role === 'weight' ? 'W' : 'b'}${layer + 1}`,
      role,
      layer,
      shape,
      offset,
      size,
      fanIn,
      std,
    });
    offset += size;
  };
  const dense = (out: number, inp: number) => {
    push('weight', [out, inp], inp);
    if (spec.bias) push('bias', [out], inp);
    layer++;
  };
  let width: number;
  if (spec.kind === 'fcn') {
    width = spec.inputDim;
  } else {
    const shapes = cnnShapes(spec);
    spec.convs.forEach((c, i) => {
      const inC = shapes[i][2];
      const fanIn = c.kernel[0] * c.kernel[1] * inC;
      push('weight', [c.channels, c.kernel[0], c.kernel[1], inC], fanIn);
      if (spec.bias) push('bias', [c.channels], fanIn);
      layer++;
    });
    const [h, w, ch] = shapes[shapes.length - 1];
    width = spec.pooling === 'gap' ? ch : h * w * ch;
  }
  for (const out of spec.hidden) {
    dense(out, width);
    width = out;
  }
  dense(1, width);
  return { tensors, size: offset };
}

/** Prior standard deviation of every parameter, in layout order. */
export function paramScales(layout: ParamLayout): Float64Array {
  const s = new Float64Array(layout.size);
  for (const t of layout.tensors) s.fill(t.std, t.offset, t.offset + t.size);
  return s;
}

/**
 * Turn standard normals into prior draws in place: θ = scale ⊙ z for each of
 * the `nets` parameter vectors in `z` ([nets × size]).
 */
export function scaleToPrior(layout: ParamLayout, z: Float64Array | Float32Array, nets: number): typeof z {
  const scales = paramScales(layout);
  const p = layout.size;
  if (z.length < nets * p) throw new FsbayesError(`scaleToPrior: need ${nets * p} values, got ${z.length}`);
  for (let n = 0; n < nets; n++) {
    const base = n * p;
    for (let k = 0; k < p; k++) z[base + k] *= scales[k];
  }
  return z;
}
