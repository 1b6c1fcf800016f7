import { type ArchSpec, forwardMacs } from '../arch/spec.js';
import { checkNetRange } from '../backend/prior.js';
import type { Backend } from '../backend/types.js';
import { FsbayesError } from '../errors/index.js';
import type { ColumnarTable } from '../functions/columnar-table.js';
import type { Provenance } from '../functions/provenance.js';
import { FunctionTable } from '../functions/table.js';
import type { Seed } from '../rng/rng.js';

/** Most nets per backend call: a multiple of the 256-net stream block, big enough to keep all threads busy. */
export const PRIOR_CHUNK = 16_384;

/** Multiply-adds per backend call (~1 s on two cores) that smaller chunks are cut to, so progress shows on big nets. */
const CHUNK_MACS = 2 ** 33;

/**
 * Nets per backend call for a spec on m inputs: PRIOR_CHUNK for small nets,
 * fewer when that many would take long, so that progress is reported every
 * few seconds (a CNN on a few hundred images, a wide FCN on MNIST): whole
 * 256-net stream blocks, a multiple of `threads` of them (at least one per
 * thread), so that no worker has to skip ahead inside a block's stream
 * (costly for nets with a million parameters).
 */
export function priorChunk(spec: ArchSpec, m: number, threads = 1): number {
  const most = PRIOR_CHUNK / 256;
  const perNet = Math.max(1, forwardMacs(spec) * m);
  const blocks = Math.floor(CHUNK_MACS / perNet / 256);
  if (blocks >= most) return PRIOR_CHUNK;
  const t = Math.max(1, Math.min(most, Math.floor(threads)));
  return 256 * Math.max(t, blocks - (blocks % t));
}

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
 * What the samplers count functions into: a FunctionTable (a Map of keys:
 * small tables) or a ColumnarTable (typed arrays, spilling to disk: any size).
 */
export type CountingTable = FunctionTable | ColumnarTable;

/** Options of {@link samplePriorInto}. */
export interface PriorCountOptions<T extends CountingTable>
  extends Omit<PriorTableOptions, 'onProgress' | 'provenance'> {
  /** The table to count into (its m and labels must be those of the points). */
  table: T;
  onProgress?: (done: number, table: T) => void;
}

/**
 * The unconditioned prior over functions: draw `samples` nets from the
 * spec's prior (nets first … first+samples−1 of the seed's stream) and count
 * their functions on the inputs. The table depends only on (spec, inputs,
 * seed, first, samples) and on the backend's arithmetic, never on chunking
 * or thread count.
 */
export async function samplePriorTable(o: PriorTableOptions): Promise<FunctionTable> {
  return samplePriorInto({ ...o, table: new FunctionTable(o.m, o.labels, o.provenance ?? null) });
}

/** {@link samplePriorTable} counting into the given table (e.g. a ColumnarTable); returns it. */
export async function samplePriorInto<T extends CountingTable>(o: PriorCountOptions<T>): Promise<T> {
  if (!Number.isSafeInteger(o.samples) || o.samples < 0) {
    throw new FsbayesError(`samples must be a non-negative integer, got ${o.samples}`);
  }
  if (!o.backend.supports(o.spec))
    throw new FsbayesError(`backend ${o.backend.info.name} cannot run this architecture`);
  const first = o.first ?? 0;
  checkNetRange(first, o.samples, { first: 'first', count: 'samples' });
  const table = o.table;
  if (table.m !== o.m) throw new FsbayesError(`the table is on m = ${table.m} points, the inputs have ${o.m}`);
  const chunk = priorChunk(o.spec, o.m, o.backend.info.threads);
  for (let done = 0; done < o.samples; ) {
    const count = Math.min(chunk, o.samples - done);
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
