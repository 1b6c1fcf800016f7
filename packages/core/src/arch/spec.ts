/**
 * The architecture spec: one plain, serialisable description of a network
 * that the NNGP kernel, the prior sampler and SGD's initialisation all read
 * (principle 1, "the same nets"). Like neural-tangents' (init_fn, apply_fn,
 * kernel_fn), every view of the net is derived from this one object.
 */

/**
 * Pointwise nonlinearity of every hidden layer. `step` is 1(x > 0). Each
 * name has a row in core's `ACTIVATION_TABLE` (finite nets) and nngp's
 * `DUALS` (kernels); the compiler names a table that lacks one.
 */
export type Activation = 'relu' | 'erf' | 'tanh' | 'step';

/** Convolution padding, with TensorFlow's conventions. */
export type Padding = 'VALID' | 'SAME';

/** Prior and nonlinearity shared by every layer of a net. */
export interface Prior {
  activation: Activation;
  /** Weights are N(0, σ_w²/fan_in). */
  sigmaW: number;
  /** Biases are N(0, σ_b²); only meaningful when `bias` is true. */
  sigmaB: number;
  /** Whether layers have biases (σ_b = 0 on the CLI means no bias). */
  bias: boolean;
}

/** A fully connected net d → hidden[0] → … → 1; `hidden: []` is a perceptron. */
export interface FcnSpec extends Prior {
  kind: 'fcn';
  inputDim: number;
  hidden: number[];
}

/** One convolution layer (kernel [kh, kw], stride [sh, sw]). */
export interface ConvLayer {
  channels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
}

/**
 * A convolutional net on H×W×C images (NHWC, row-major): conv layers, then
 * either flatten or global average pooling, then optional dense hidden
 * layers, then a dense readout to one unit.
 */
export interface CnnSpec extends Prior {
  kind: 'cnn';
  inputShape: [number, number, number];
  convs: ConvLayer[];
  pooling: 'flatten' | 'gap';
  hidden: number[];
}

/**
 * An architecture spec (plain JSON): a fully connected or a convolutional net with its prior. Every view of a net
 * (parameters, forward pass, NNGP kernel) is derived from it.
 */
export type ArchSpec = FcnSpec | CnnSpec;

/** Spatial output size of one convolution along one axis. */
export function convOutSize(size: number, kernel: number, stride: number, padding: Padding): number {
  return padding === 'SAME' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

/** Padding before the first element (TensorFlow: the smaller half goes first). */
export function convPadBefore(size: number, kernel: number, stride: number, padding: Padding): number {
  if (padding === 'VALID') return 0;
  const out = Math.ceil(size / stride);
  return Math.floor(Math.max((out - 1) * stride + kernel - size, 0) / 2);
}

/** Shapes [H, W, C] after each conv layer of a CNN (index 0 is the input). */
export function cnnShapes(spec: CnnSpec): [number, number, number][] {
  const shapes: [number, number, number][] = [spec.inputShape];
  for (const c of spec.convs) {
    const [h, w] = shapes[shapes.length - 1];
    shapes.push([
      convOutSize(h, c.kernel[0], c.stride[0], c.padding),
      convOutSize(w, c.kernel[1], c.stride[1], c.padding),
      c.channels,
    ]);
  }
  return shapes;
}

/** Number of input features the net reads (product of the input shape). */
export function inputSize(spec: ArchSpec): number {
  return spec.kind === 'fcn' ? spec.inputDim : spec.inputShape[0] * spec.inputShape[1] * spec.inputShape[2];
}

/** A short human-readable description, e.g. `7→40→40→1 relu σw=1 σb=1`. */
export function describeArch(spec: ArchSpec): string {
  const prior = `${spec.activation} σw=${spec.sigmaW} ${spec.bias ? `σb=${spec.sigmaB}` : 'no bias'}`;
  if (spec.kind === 'fcn') return `${[spec.inputDim, ...spec.hidden, 1].join('→')} ${prior}`;
  const convs = spec.convs.map((c) => `conv${c.channels}k${c.kernel.join('x')}s${c.stride.join('x')}${c.padding}`);
  return `${spec.inputShape.join('x')}→${[...convs, spec.pooling, ...spec.hidden.map(String), '1'].join('→')} ${prior}`;
}

/**
 * Multiply-adds of one net's forward pass on one input (conv layers as
 * positions × kh·kw·C per output channel, dense layers, readout): what
 * sizes batches of nets and what benchmarks count as work.
 */
export function forwardMacs(spec: ArchSpec): number {
  let macs = 0;
  let width: number;
  if (spec.kind === 'fcn') {
    width = spec.inputDim;
  } else {
    const shapes = cnnShapes(spec);
    spec.convs.forEach((c, l) => {
      const [oh, ow, oc] = shapes[l + 1];
      macs += oh * ow * oc * c.kernel[0] * c.kernel[1] * shapes[l][2];
    });
    const [h, w, ch] = shapes[shapes.length - 1];
    width = spec.pooling === 'gap' ? ch : h * w * ch;
  }
  for (const out of [...spec.hidden, 1]) {
    macs += width * out;
    width = out;
  }
  return macs;
}
