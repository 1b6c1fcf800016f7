/**
 * The reference backend: parameters from `priorParams` (the canonical
 * Gaussian stream), forward pass by `forwardReference` (plain TypeScript,
 * float64), one thread. Runs every spec, CNNs included; slow.
 */
import { forwardReference } from '../arch/forward.js';
import type { ArchSpec } from '../arch/spec.js';
import { wordsFor } from '../bits.js';
import { checkForward, checkForwardFinite, checkForwardRange, checkPriorJob, packSigns } from './checks.js';
import { priorParams } from './prior.js';
import type { Backend, BackendInfo, PriorFunctionsJob } from './types.js';
import { blockSegments } from './wasm-module.js';

/**
 * The float64 plain-TypeScript backend, one thread, every spec (CNNs too): the reference every other backend is tested
 * against.
 */
export class JsBackend implements Backend {
  readonly info: BackendInfo = {
    name: 'js',
    precision: 'f64',
    threads: 1,
    detail: 'plain TypeScript float64 reference, 1 thread',
  };

  supports(_spec: ArchSpec): boolean {
    return true;
  }

  async priorFunctions(job: PriorFunctionsJob): Promise<Uint32Array> {
    checkPriorJob(job);
    checkForwardRange(job.spec, job.inputs, job.m, 'f64');
    const { spec, inputs, m, seed, first, count } = job;
    const out = new Uint32Array(count * wordsFor(m));
    for (const s of blockSegments(first, count)) {
      const theta = priorParams(spec, seed, first + s.at, s.n);
      packSigns(forwardReference(spec, theta, s.n, inputs, m), s.n, m, out, s.at);
    }
    return out;
  }

  async forward(
    spec: ArchSpec,
    params: Float64Array,
    nets: number,
    inputs: Float64Array,
    m: number,
  ): Promise<Float64Array> {
    checkForward(spec, params, nets, inputs, m);
    const out = forwardReference(spec, params, nets, inputs, m);
    checkForwardFinite(out, m, 'f64');
    return out;
  }

  async close(): Promise<void> {}
}
