/**
 * The Boolean hypercube system: all 2^n inputs of {0,1}^n with a target
 * Boolean function as labels (the authors' n = 7 experiments).
 */

import { bitsToHex, bitsToString, parseBits } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import type { Dataset } from './types.js';

/** The largest n supported (2^16 = 65,536 inputs). */
export const BOOLEAN_MAX_N = 16;

/** How a Boolean input is encoded: bits as 0/1, or as ±1 (0 ↦ −1, 1 ↦ +1). */
export type BooleanEncoding = '01' | 'pm1';

/** Options of {@link booleanDataset}. */
export interface BooleanOptions {
  /** Number of input bits, an integer 1..16. */
  n: number;
  /**
   * The target function: label of each input, as a 2^n-bit string or hex
   * (rules in `bits.ts`; e.g. `'0x0f'` or `'00001111'` for n = 3), or a
   * Uint8Array. Default: {@link defaultBooleanTarget}(n).
   */
  target?: string | Uint8Array;
  /** Input encoding, default `'01'`. */
  encoding?: BooleanEncoding;
}

function checkN(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > BOOLEAN_MAX_N) {
    throw new FsbayesError(`n must be an integer in 1..${BOOLEAN_MAX_N}, got ${show(n)}`);
  }
  return n;
}

function checkEncoding(encoding: unknown): BooleanEncoding {
  if (encoding !== '01' && encoding !== 'pm1') {
    throw new FsbayesError(`encoding must be '01' or 'pm1', got ${show(encoding)}`);
  }
  return encoding;
}

/**
 * The default target: `0011` repeated 2^n/4 times (label 1 iff the
 * second-lowest input bit is set). For n = 7 this is the authors' target
 * "0011"×32, with 64 ones. Needs n ≥ 2.
 */
export function defaultBooleanTarget(n: number): string {
  checkN(n);
  if (n < 2)
    throw new FsbayesError(`there is no default target for n=${n} ('0011' repeated needs n >= 2); give a target`);
  return '0011'.repeat(2 ** n / 4);
}

/**
 * All 2^n inputs, row-major `[2^n × n]`: row i holds the binary digits of i,
 * most significant first (row 0 all zeros, row 2^n−1 all ones; for n = 3 row
 * 1 is (0,0,1)). With `'pm1'` a 0 bit is −1 and a 1 bit is +1.
 */
export function booleanInputs(n: number, encoding: BooleanEncoding = '01'): Float64Array {
  checkN(n);
  checkEncoding(encoding);
  const m = 2 ** n;
  const lo = encoding === 'pm1' ? -1 : 0;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < n; k++) out[i * n + k] = (i >>> (n - 1 - k)) & 1 ? 1 : lo;
  }
  return out;
}

/**
 * The Boolean system on n bits: m = 2^n points (see {@link booleanInputs}),
 * d = n, shape `[n]`, labels = the target's bits (label of input i = bit i).
 * `meta` records n, the encoding and the target (bits and hex).
 */
export function booleanDataset(opts: BooleanOptions): Dataset {
  const n = checkN(opts?.n);
  const encoding = checkEncoding(opts.encoding ?? '01');
  const m = 2 ** n;
  const labels = parseBits(
    opts.target ?? defaultBooleanTarget(n),
    m,
    'target',
    `the Boolean system with n=${n} has ${m} inputs`,
  ).slice();
  return {
    name: `boolean-n${n}`,
    inputs: booleanInputs(n, encoding),
    labels,
    m,
    d: n,
    shape: [n],
    meta: {
      source: 'boolean',
      n,
      encoding,
      target: bitsToString(labels),
      targetHex: bitsToHex(labels),
      defaultTarget: opts.target === undefined,
    },
  };
}
