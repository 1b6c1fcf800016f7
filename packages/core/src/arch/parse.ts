import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { ACTIVATIONS } from './activations.js';
import { type Activation, type ArchSpec, type CnnSpec, type ConvLayer, cnnShapes, type FcnSpec } from './spec.js';

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
  // A very long string is cut: the message names the bad part itself.
  const a = arch.length > 120 ? `${arch.slice(0, 100)}… (${arch.length} characters)` : arch;
  throw new FsbayesError(`arch "${a}": ${msg}\n${ARCH_SYNTAX}`);
}

function positiveInt(arch: string, text: string, what: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1)
    fail(arch, `${what} "${text}" is not a positive integer`);
  return Number(text);
}

/** The input shape: a non-empty array of positive integers, each named if bad. */
function checkInputShape(shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || shape.length === 0) {
    throw new FsbayesError(`inputShape must be a non-empty array of positive integers, got ${show(shape)}`);
  }
  shape.forEach((s: unknown, k) => {
    if (!Number.isSafeInteger(s) || (s as number) < 1)
      throw new FsbayesError(`inputShape[${k}] = ${show(s)} is not a positive integer`);
  });
  return shape;
}

/**
 * Parse a short architecture string such as `fcn:40,40` into a validated spec.
 * Errors name the bad part and show the syntax.
 */
export function parseArch(arch: string, opts: ArchOptions): ArchSpec {
  if (typeof arch !== 'string') throw new FsbayesError(`arch must be a string such as "fcn:40,40", got ${show(arch)}`);
  if (opts === null || typeof opts !== 'object')
    throw new FsbayesError(`arch options must be an object with inputShape, got ${show(opts)}`);
  const inputShape = checkInputShape(opts.inputShape);
  const s = arch.trim();
  const colon = s.indexOf(':');
  const kind = (colon < 0 ? s : s.slice(0, colon)).trim().toLowerCase();
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
    const d = inputShape.reduce((a, b) => a * b, 1);
    spec = { kind: 'fcn', inputDim: d, hidden: items.map((t) => positiveInt(arch, t, 'hidden width')), ...prior };
  } else if (kind === 'cnn') {
    if (inputShape.length !== 3) {
      fail(arch, `a CNN needs image inputs of shape [H, W, C], but the data have shape [${inputShape.join(', ')}]`);
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
      inputShape: [inputShape[0], inputShape[1], inputShape[2]],
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
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) bad(`expected an object, got ${show(spec)}`);
  if (!ACTIVATIONS.includes(spec.activation)) {
    bad(`activation ${show(spec.activation)} is not one of ${ACTIVATIONS.join(', ')}`);
  }
  if (!(typeof spec.sigmaW === 'number' && Number.isFinite(spec.sigmaW) && spec.sigmaW > 0))
    bad(`sigmaW must be a positive number, got ${show(spec.sigmaW)}`);
  if (!(typeof spec.sigmaB === 'number' && Number.isFinite(spec.sigmaB) && spec.sigmaB >= 0))
    bad(`sigmaB must be a number ≥ 0, got ${show(spec.sigmaB)}`);
  if (typeof spec.bias !== 'boolean') bad(`bias must be true or false, got ${show(spec.bias)}`);
  if (spec.bias && spec.sigmaB === 0) bad('bias is on but sigmaB is 0 (σ_b = 0 means no bias)');
  const widths = (ws: unknown, what: string, length?: number) => {
    if (!Array.isArray(ws)) bad(`${what} must be an array, got ${show(ws)}`);
    const a = ws as unknown[];
    if (length !== undefined && a.length !== length) bad(`${what} must have ${length} entries, got ${show(a)}`);
    // An index loop, not for…of: a hole (a deleted entry) must be seen.
    for (let k = 0; k < a.length; k++) {
      if (!Number.isSafeInteger(a[k]) || (a[k] as number) < 1)
        bad(`${what} contains ${show(a[k])} at index ${k}, not a positive integer`);
    }
  };
  if (spec.kind === 'fcn') {
    if (!Number.isSafeInteger(spec.inputDim) || spec.inputDim < 1)
      bad(`inputDim must be a positive integer, got ${show(spec.inputDim)}`);
    widths(spec.hidden, 'hidden');
  } else if (spec.kind === 'cnn') {
    widths(spec.inputShape, 'inputShape', 3);
    widths(spec.hidden, 'hidden');
    if (spec.pooling !== 'flatten' && spec.pooling !== 'gap')
      bad(`pooling must be flatten or gap, got ${show(spec.pooling)}`);
    if (!Array.isArray(spec.convs) || spec.convs.length === 0)
      bad(`a CNN needs at least one conv layer, got convs ${show(spec.convs)}`);
    for (let i = 0; i < spec.convs.length; i++) {
      const c = spec.convs[i] as unknown as Record<string, unknown> | null;
      const where = `conv layer ${i + 1}`;
      if (c === null || typeof c !== 'object' || Array.isArray(c))
        bad(`${where} must be an object { channels, kernel, stride, padding }, got ${show(c)}`);
      const conv = c as Record<string, unknown>;
      widths([conv.channels], `${where} channels`);
      widths(conv.kernel, `${where} kernel`, 2);
      widths(conv.stride, `${where} stride`, 2);
      if (conv.padding !== 'SAME' && conv.padding !== 'VALID')
        bad(`${where} padding must be SAME or VALID, got ${show(conv.padding)}`);
    }
    cnnShapes(spec).forEach(([h, w], i) => {
      if (i > 0 && (h < 1 || w < 1)) {
        const c = spec.convs[i - 1];
        bad(
          `conv layer ${i} (kernel ${c.kernel.join('x')}, stride ${c.stride.join('x')}, ${c.padding}) leaves no output ` +
            `(input ${spec.inputShape.join('x')}; a VALID kernel is larger than its input)`,
        );
      }
    });
  } else {
    bad(`kind must be fcn or cnn, got ${show((spec as { kind: unknown }).kind)}`);
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
