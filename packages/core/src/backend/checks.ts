import { activationDef } from '../arch/activations.js';
import { paramLayout } from '../arch/params.js';
import { type ArchSpec, inputSize } from '../arch/spec.js';
import { wordsFor } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { checkSeed } from '../rng/rng.js';
import { checkNetRange } from './prior.js';
import type { PriorFunctionsJob } from './types.js';

/** Sign bits of pre-activations [nets × m] into out (bit = value > 0), starting at net `at`. */
export function packSigns(pre: Float64Array, nets: number, m: number, out: Uint32Array, at = 0): void {
  const words = wordsFor(m);
  for (let j = 0; j < nets; j++) {
    const base = (at + j) * words;
    for (let w = 0; w < words; w++) out[base + w] = 0;
    for (let i = 0; i < m; i++) if (pre[j * m + i] > 0) out[base + (i >>> 5)] |= 1 << (i & 31);
  }
}

function checkInputs(spec: ArchSpec, inputs: Float64Array, m: number): void {
  if (!Number.isSafeInteger(m) || m < 1) throw new FsbayesError(`input count m must be a positive integer, got ${m}`);
  const d = inputSize(spec);
  if (inputs.length !== m * d)
    throw new FsbayesError(`${m} inputs of dimension ${d} need ${m * d} values, got ${inputs.length}`);
}

export function checkPriorJob(job: PriorFunctionsJob): void {
  checkSeed(job.seed);
  checkInputs(job.spec, job.inputs, job.m);
  checkNetRange(job.first, job.count);
}

export function checkForward(
  spec: ArchSpec,
  params: Float64Array,
  nets: number,
  inputs: Float64Array,
  m: number,
): number {
  checkInputs(spec, inputs, m);
  if (!Number.isSafeInteger(nets) || nets < 0)
    throw new FsbayesError(`net count must be a non-negative integer, got ${nets}`);
  const P = paramLayout(spec).size;
  if (params.length < nets * P)
    throw new FsbayesError(`${nets} nets need ${nets * P} parameters, got ${params.length}`);
  return P;
}

/** Largest finite value and smallest normal of each forward-pass precision. */
const RANGE = {
  f32: { max: 3.4028234663852886e38, minNormal: 1.1754943508222875e-38 },
  f64: { max: Number.MAX_VALUE, minNormal: 2.2250738585072014e-308 },
} as const;

/**
 * Headroom on the a-priori scales below: a pre-activation of standard
 * deviation s reaches ~6s over many nets, and partial sums and single
 * products differ from it by the square root of the fan-in; 2^20 covers both.
 */
const MARGIN = 2 ** 20;

/** √E[φ(u)²] for u ~ N(0, sd²) (the activation table's `rms`; 0 for sd = 0). */
function rmsOf(act: ArchSpec['activation'], sd: number): number {
  return sd > 0 ? activationDef(act).rms(sd) : 0;
}

/**
 * Refuse (FsbayesError, kind 'numeric') a forward pass of the prior nets of an
 * FCN spec that would leave `precision`'s range on these inputs, before it
 * runs: the infinite-width variance recursion (the NNGP diagonal) gives every
 * layer's pre-activation variance for every input a priori, and the weights'
 * scale σ_w/√fan_in each product's. Overflow (beyond max/2^20) turns sums into
 * ±∞ and NaN; underflow (a non-zero scale below minNormal·2^20) turns them
 * into subnormals or 0: either way the signs, i.e. the functions, are wrong
 * without a trace. A CNN's conv layers enter with their fan-in kh·kw·C and
 * the image's rms over all its values (a window's can be a few times more:
 * far inside the margin); flattening or averaging keeps the scale.
 */
export function checkForwardRange(
  spec: ArchSpec,
  inputs: Float64Array,
  m: number,
  precision: 'f32' | 'f64',
  hint = precision === 'f32' ? 'run with --precision f64 (the wasm backend) or --backend js' : 'rescale σ_w and σ_b',
): void {
  const { max, minNormal } = RANGE[precision];
  const hi = max / MARGIN;
  const lo = minNormal * MARGIN;
  const sb = spec.bias ? Math.abs(spec.sigmaB) : 0;
  const sw = Math.abs(spec.sigmaW);
  const about = `σ_w = ${spec.sigmaW}${spec.bias ? `, σ_b = ${spec.sigmaB}` : ''}`;
  const refuse = (what: string, v: number, over: boolean): never => {
    throw new FsbayesError(
      `the ${precision} forward pass of ${about} would ${over ? 'overflow' : 'underflow'}: ${what} ≈ ${v.toExponential(2)}, ${over ? `beyond ${precision}'s ${max.toExponential(2)}` : `near ${precision}'s smallest normal ${minNormal.toExponential(2)}`} (with a 2^20 margin), so the functions' signs would be wrong; ${hint}`,
      { kind: 'numeric' },
    );
  };
  const check = (what: string, v: number): void => {
    if (!(v <= hi)) refuse(what, v, true);
    if (v > 0 && v < lo) refuse(what, v, false);
  };
  // fan-in of every layer with weights (conv, dense, readout): [d, ...hidden] for an FCN
  const widths = paramLayout(spec)
    .tensors.filter((t) => t.role === 'weight')
    .map((t) => t.fanIn);
  if (sb > 0) check('the biases’ scale σ_b', sb);
  for (let l = 0; l < widths.length; l++) check(`layer ${l + 1}'s weight scale σ_w/√fan_in`, sw / Math.sqrt(widths[l]));
  const d = inputSize(spec);
  const L = widths.length - 1;
  for (let i = 0; i < m; i++) {
    // scales (standard deviations), not variances, so that nothing here overflows first
    let rms = 0;
    let amax = 0;
    for (let k = 0; k < d; k++) {
      const x = Math.abs(inputs[i * d + k]);
      if (x > amax) amax = x;
    }
    if (amax > 0) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (inputs[i * d + k] / amax) ** 2;
      rms = amax * Math.sqrt(s / d);
      // the first layer's products w·x
      check(`layer 1's products w·x (input ${i})`, (sw / Math.sqrt(widths[0])) * amax);
    }
    let sd = Math.hypot(sb, sw * rms);
    for (let l = 0; l <= L; l++) {
      const where = l === L ? 'the readout' : `hidden layer ${l + 1}`;
      check(`the pre-activation scale of ${where} (input ${i})`, sd);
      if (l === L) break;
      const r = rmsOf(spec.activation, sd);
      // the next layer's products w·φ(h)
      if (r > 0) check(`layer ${l + 2}'s products w·φ(h) (input ${i})`, (sw / Math.sqrt(widths[l + 1])) * r);
      sd = Math.hypot(sb, sw * r);
    }
  }
}

/** After a forward pass with given parameters: every readout value must be finite (names the first that is not). */
export function checkForwardFinite(out: Float64Array, m: number, precision: 'f32' | 'f64'): void {
  for (let k = 0; k < out.length; k++)
    if (!Number.isFinite(out[k]))
      throw new FsbayesError(
        `the ${precision} forward pass gave ${out[k]} for net ${Math.floor(k / m)} at input ${k % m}: its values leave ${precision}'s range${precision === 'f32' ? '; run with --precision f64' : ''}`,
        { kind: 'numeric' },
      );
}
