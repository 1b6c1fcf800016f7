import { paramLayout } from '../arch/params.js';
import { type ArchSpec, inputSize } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import { wordsFor } from '../functions/bits.js';
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
