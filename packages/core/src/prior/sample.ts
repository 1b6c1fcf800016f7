import type { ArchSpec } from '../arch/spec.js';
import { checkNetRange } from '../backend/prior.js';
import type { Backend } from '../backend/types.js';
import { FsbayesError } from '../errors/index.js';
import type { Provenance } from '../functions/provenance.js';
import { FunctionTable } from '../functions/table.js';
import type { Seed } from '../rng/rng.js';

/** Nets per backend call: a multiple of the 256-net stream block, big enough to keep all threads busy. */
export const PRIOR_CHUNK = 16_384;

/** Options of {@link samplePriorTable}. */
export interface PriorTableOptions {
  backend: Backend;
  spec: ArchSpec;
  /** [m × d] row-major points on which functions are read off. */
  inputs: Float64Array;
  m: number;
  /** True labels on the points (test errors are counted against them), or null. */
  labels: Uint8Array | null;
  seed: Seed;
  /** Number of nets to draw. */
  samples: number;
  /** Index of the first net of the stream (default 0); shards start elsewhere. */
  first?: number;
  provenance?: Provenance | null;
  /** Called after every chunk with the nets done so far. */
  onProgress?: (done: number, table: FunctionTable) => void;
}

/**
 * The unconditioned prior over functions: draw `samples` nets from the
 * spec's prior (nets first … first+samples−1 of the seed's stream) and count
 * their functions on the inputs. The table depends only on (spec, inputs,
 * seed, first, samples) and on the backend's arithmetic, never on chunking
 * or thread count.
 */
export async function samplePriorTable(o: PriorTableOptions): Promise<FunctionTable> {
  if (!Number.isSafeInteger(o.samples) || o.samples < 0) {
    throw new FsbayesError(`samples must be a non-negative integer, got ${o.samples}`);
  }
  if (!o.backend.supports(o.spec))
    throw new FsbayesError(`backend ${o.backend.info.name} cannot run this architecture`);
  const first = o.first ?? 0;
  checkNetRange(first, o.samples, { first: 'first', count: 'samples' });
  const table = new FunctionTable(o.m, o.labels, o.provenance ?? null);
  for (let done = 0; done < o.samples; ) {
    const count = Math.min(PRIOR_CHUNK, o.samples - done);
    const bits = await o.backend.priorFunctions({
      spec: o.spec,
      inputs: o.inputs,
      m: o.m,
      seed: o.seed,
      first: first + done,
      count,
    });
    table.addBatch(bits, count);
    done += count;
    o.onProgress?.(done, table);
  }
  return table;
}
