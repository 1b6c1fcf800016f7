import { FsbayesError } from '../errors/index.js';
import {
  ACTIVATIONS,
  type Activation,
  type ArchSpec,
  type CnnSpec,
  type ConvLayer,
  cnnShapes,
  type FcnSpec,
} from './spec.js';

/** What the arch string does not say: input shape (from the dataset) and the prior. */
export interface ArchOptions {
  /** [d] for vectors, [H, W, C] for images (an FCN flattens them). */
  inputShape: readonly number[];
  activation?: Activation;
  sigmaW?: number;
  /** 0 means no bias. */
  sigmaB?: number;
}

export const ARCH_SYNTAX = `Architecture strings:
  fcn:W1,W2,...   fully connected, hidden widths W1, W2, ... then one output unit
  fcn:            a perceptron (no hidden layer)
  cnn:L1,L2,...   convolutional; each item is one of
                    c<C>k<K>[x<K2>][s<S>[x<S2>]][same|valid]  conv, C channels, KxK2 kernel,
                                                              stride S (default 1), padding (default valid)
                    gap                                       global average pooling (after the convs)
                    d<W>                                      dense hidden layer of width W (after flatten/gap)
                  e.g. cnn:c16k3,c16k3s2same,gap or cnn:c32k5,c32k2,d64`;

function fail(arch: string, msg: string): never {
  throw new FsbayesError(`arch "${arch}": ${msg}\n${ARCH_SYNTAX}`);
}

function positiveInt(arch: string, text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) fail(arch, `${what} "${text}" is not a positive integer`);
  return Number(text);
}

/**
 * Parse a short architecture string such as `fcn:40,40` into a validated spec.
 * Errors name the bad part and show the syntax.
 */
export function parseArch(arch: string, opts: ArchOptions): ArchSpec {
  const s = arch.trim();
  const colon = s.indexOf(':');
  const kind = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
  const body = colon < 0 ? '' : s.slice(colon + 1).trim();
  const items = body === '' ? [] : body.split(',').map((t) => t.trim());
  const prior = {
    activation: opts.activation ?? 'relu',
    sigmaW: opts.sigmaW ?? 1,
    sigmaB: opts.sigmaB ?? 0,
    bias: (opts.sigmaB ?? 0) !== 0,
  };
  let spec: ArchSpec;
  if (kind === 'fcn') {
    const d = opts.inputShape.reduce((a, b) => a * b, 1);
    spec = { kind: 'fcn', inputDim: d, hidden: items.map((t) => positiveInt(arch, t, 'hidden width')), ...prior };
  } else if (kind === 'cnn') {
    if (opts.inputShape.length !== 3) {
      fail(
        arch,
        `a CNN needs image inputs of shape [H, W, C], but the data have shape [${opts.inputShape.join(', ')}]`,
      );
    }
    const convs: ConvLayer[] = [];
    const hidden: number[] = [];
    let pooling: CnnSpec['pooling'] = 'flatten';
    for (const t of items) {
      const conv = /^c(\d+)k(\d+)(?:x(\d+))?(?:s(\d+)(?:x(\d+))?)?(same|valid)?$/i.exec(t);
      if (conv) {
        if (pooling === 'gap' || hidden.length > 0)
          fail(arch, `conv layer "${t}" comes after pooling or a dense layer`);
        const k0 = positiveInt(arch, conv[2], `kernel size in "${t}"`);
        const s0 = conv[4] ? positiveInt(arch, conv[4], `stride in "${t}"`) : 1;
        convs.push({
          channels: positiveInt(arch, conv[1], `channel count in "${t}"`),
          kernel: [k0, conv[3] ? positiveInt(arch, conv[3], `kernel size in "${t}"`) : k0],
          stride: [s0, conv[5] ? positiveInt(arch, conv[5], `stride in "${t}"`) : s0],
          padding: (conv[6] ?? 'valid').toUpperCase() === 'SAME' ? 'SAME' : 'VALID',
        });
      } else if (t.toLowerCase() === 'gap') {
        if (convs.length === 0) fail(arch, `"gap" needs at least one conv layer before it`);
        if (pooling === 'gap' || hidden.length > 0)
          fail(arch, `"gap" must come once, after the convs and before dense layers`);
        pooling = 'gap';
      } else if (/^d\w*$/i.test(t)) {
        hidden.push(positiveInt(arch, t.slice(1), `dense width in "${t}"`));
      } else {
        fail(arch, `cannot read layer "${t}"`);
      }
    }
    if (convs.length === 0) fail(arch, 'a CNN needs at least one conv layer (use fcn: for a fully connected net)');
    spec = {
      kind: 'cnn',
      inputShape: [opts.inputShape[0], opts.inputShape[1], opts.inputShape[2]],
      convs,
      pooling,
      hidden,
      ...prior,
    };
  } else {
    fail(arch, `unknown kind "${kind}"; expected fcn or cnn`);
  }
  return validateSpec(spec);
}

/**
 * Check a spec (for example one read back from a result file) and return it.
 * Errors name the bad field and value.
 */
export function validateSpec(spec: ArchSpec): ArchSpec {
  const bad = (msg: string): never => {
    throw new FsbayesError(`invalid architecture spec: ${msg}`);
  };
  if (spec === null || typeof spec !== 'object') bad(`expected an object, got ${JSON.stringify(spec)}`);
  if (!ACTIVATIONS.includes(spec.activation)) {
    bad(`activation "${spec.activation}" is not one of ${ACTIVATIONS.join(', ')}`);
  }
  if (!(Number.isFinite(spec.sigmaW) && spec.sigmaW > 0)) bad(`sigmaW must be a positive number, got ${spec.sigmaW}`);
  if (!(Number.isFinite(spec.sigmaB) && spec.sigmaB >= 0)) bad(`sigmaB must be a number ≥ 0, got ${spec.sigmaB}`);
  if (typeof spec.bias !== 'boolean') bad(`bias must be true or false, got ${JSON.stringify(spec.bias)}`);
  if (spec.bias && spec.sigmaB === 0) bad('bias is on but sigmaB is 0 (σ_b = 0 means no bias)');
  const widths = (ws: unknown, what: string) => {
    if (!Array.isArray(ws)) bad(`${what} must be an array`);
    for (const w of ws as unknown[]) {
      if (!Number.isSafeInteger(w) || (w as number) < 1)
        bad(`${what} contains ${JSON.stringify(w)}, not a positive integer`);
    }
  };
  if (spec.kind === 'fcn') {
    if (!Number.isSafeInteger(spec.inputDim) || spec.inputDim < 1)
      bad(`inputDim must be a positive integer, got ${spec.inputDim}`);
    widths(spec.hidden, 'hidden');
  } else if (spec.kind === 'cnn') {
    widths(spec.inputShape, 'inputShape');
    if (spec.inputShape.length !== 3) bad(`inputShape must be [H, W, C], got [${spec.inputShape.join(', ')}]`);
    widths(spec.hidden, 'hidden');
    if (spec.pooling !== 'flatten' && spec.pooling !== 'gap')
      bad(`pooling must be flatten or gap, got ${spec.pooling}`);
    if (!Array.isArray(spec.convs) || spec.convs.length === 0) bad('a CNN needs at least one conv layer');
    spec.convs.forEach((c, i) => {
      widths([c.channels, ...c.kernel, ...c.stride], `conv layer ${i + 1}`);
      if (c.padding !== 'SAME' && c.padding !== 'VALID')
        bad(`conv layer ${i + 1} padding must be SAME or VALID, got ${c.padding}`);
    });
    cnnShapes(spec).forEach(([h, w], i) => {
      if (h < 1 || w < 1) {
        bad(
          `conv layer ${i} leaves no output (input ${spec.inputShape.join('x')}; a VALID kernel is larger than its input)`,
        );
      }
    });
  } else {
    bad(`kind must be fcn or cnn, got ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
  return spec;
}

/** The canonical short string of a spec's layers (inverse of {@link parseArch}'s layer part). */
export function archString(spec: ArchSpec): string {
  if (spec.kind === 'fcn') return `fcn:${spec.hidden.join(',')}`;
  const convs = spec.convs.map((c) => {
    const k = c.kernel[0] === c.kernel[1] ? `${c.kernel[0]}` : `${c.kernel[0]}x${c.kernel[1]}`;
    const st = c.stride[0] === c.stride[1] ? `${c.stride[0]}` : `${c.stride[0]}x${c.stride[1]}`;
    return `c${c.channels}k${k}s${st}${c.padding.toLowerCase()}`;
  });
  return `cnn:${[...convs, ...(spec.pooling === 'gap' ? ['gap'] : []), ...spec.hidden.map((w) => `d${w}`)].join(',')}`;
}

export type { FcnSpec };
