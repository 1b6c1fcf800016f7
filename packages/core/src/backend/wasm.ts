/**
 * The fast backend for fully connected and convolutional nets: the wasm SIMD
 * module (f32 by default, or f64) on a worker pool. Each job draws its nets'
 * parameters inside the wasm module from the canonical Gaussian stream (so
 * they equal `priorParams` exactly), evaluates them and returns packed sign
 * bits. Work is split along NET_BLOCK boundaries (and, for small jobs, inside
 * a block by skipping ahead in its stream), so results do not depend on the
 * number of threads.
 */
import { type ArchSpec, describeArch } from '../arch/spec.js';
import { wordsFor } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { checkMemory, type MemoryNeed } from '../resources/memory.js';
import { chooseThreads } from '../resources/threads.js';
import { checkForward, checkForwardFinite, checkForwardRange, checkPriorJob } from './checks.js';
import { type PoolContext, WasmPool } from './pool.js';
import type { Backend, BackendInfo, PriorFunctionsJob } from './types.js';
import { MAX_CNN_HIDDEN, MAX_CONV } from './wasm-cnn.js';
import {
  blockSegments,
  instanceMemoryBytes,
  MAX_HIDDEN,
  type WasmVariant,
  wasmModule,
  wasmRuns,
} from './wasm-module.js';

/** Options of {@link WasmBackend.create}. */
export interface WasmBackendOptions {
  /** Worker threads (default all cores; more than `os.availableParallelism()` are capped, said in `info.detail`). */
  threads?: number;
  /** Forward-pass arithmetic (default f32; parameters are always drawn in f64). */
  precision?: 'f32' | 'f64';
  /** Build of the wasm module (default `auto`: FMA when this V8 accepts relaxed SIMD). */
  variant?: WasmVariant | 'auto';
}

/** Smallest piece a block is cut into when a job has fewer blocks than threads. */
const MIN_PIECE = 8;

/**
 * The wasm SIMD backend for fully connected and convolutional nets: f32 (default) or f64 forward passes on a worker
 * pool, nets drawn inside the wasm module from the canonical stream. Create with {@link WasmBackend.create}; `close()` when done.
 */
export class WasmBackend implements Backend {
  readonly info: BackendInfo;
  readonly variant: WasmVariant;
  private readonly pool: WasmPool;

  private constructor(pool: WasmPool, precision: 'f32' | 'f64', variant: WasmVariant, note?: string) {
    this.pool = pool;
    this.variant = variant;
    const t = pool.threads;
    this.info = {
      name: 'wasm',
      precision,
      threads: t,
      detail: `wasm ${variant === 'fma' ? 'simd+fma' : 'simd'} ${precision}, ${t} thread${t === 1 ? '' : 's'}${note ? ` (${note})` : ''}`,
    };
  }

  static async create(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
    const { threads, note } = chooseThreads(opts.threads);
    const precision = opts.precision ?? 'f32';
    if (precision !== 'f32' && precision !== 'f64')
      throw new FsbayesError(`precision must be f32 or f64, got ${precision}`);
    const { module, variant } = wasmModule(opts.variant ?? 'auto');
    const pool = await WasmPool.create(threads, module, variant);
    return new WasmBackend(pool, precision, variant, note);
  }

  /** Refuse a job whose wasm memory (per thread) or results cannot fit; see `instanceMemoryBytes`. */
  private checkMemory(spec: ArchSpec, m: number, job: MemoryNeed[]): void {
    checkMemory(`the wasm backend on ${describeArch(spec)} with ${m} inputs`, [
      {
        what: `wasm memory per thread (${this.info.precision})`,
        bytes: instanceMemoryBytes(spec, m, this.info.precision),
        pool: 'wasm32',
        copies: this.pool.threads,
      },
      ...job,
    ]);
  }

  supports(spec: ArchSpec): boolean {
    return wasmRuns(spec);
  }

  private runnable(spec: ArchSpec): ArchSpec {
    if (!this.supports(spec)) {
      throw new FsbayesError(
        `wasm backend runs fully connected nets of ≤ ${MAX_HIDDEN} hidden layers and CNNs of ≤ ${MAX_CONV} conv and ≤ ${MAX_CNN_HIDDEN} dense layers; use the js backend`,
      );
    }
    return spec;
  }

  async priorFunctions(job: PriorFunctionsJob): Promise<Uint32Array> {
    checkPriorJob(job);
    const spec = this.runnable(job.spec);
    checkForwardRange(spec, job.inputs, job.m, this.info.precision);
    const { m, seed, first, count } = job;
    const words = wordsFor(m);
    this.checkMemory(spec, m, [{ what: 'packed functions', bytes: count * words * 4, pool: 'native' }]);
    const out = new Uint32Array(count * words);
    if (count === 0) return out;
    const ctx: PoolContext = { spec, m, precision: this.info.precision, inputs: job.inputs };
    await Promise.all(
      planChunks(first, count, this.pool.threads).map(async (c) => {
        const bits = await this.pool.run(ctx, { type: 'prior', seed, first: first + c.at, count: c.n });
        out.set(bits as Uint32Array, c.at * words);
      }),
    );
    return out;
  }

  async forward(
    spec: ArchSpec,
    params: Float64Array,
    nets: number,
    inputs: Float64Array,
    m: number,
  ): Promise<Float64Array> {
    const P = checkForward(spec, params, nets, inputs, m);
    this.runnable(spec);
    this.checkMemory(spec, m, [
      { what: 'parameters (f64)', bytes: nets * P * 8, pool: 'native' },
      { what: 'outputs (f64)', bytes: nets * m * 8, pool: 'native' },
    ]);
    const out = new Float64Array(nets * m);
    if (nets === 0) return out;
    const ctx: PoolContext = { spec, m, precision: this.info.precision, inputs };
    const per = Math.ceil(nets / (4 * this.pool.threads));
    const jobs: Promise<void>[] = [];
    for (let j = 0; j < nets; j += per) {
      const n = Math.min(per, nets - j);
      const slice = params.slice(j * P, (j + n) * P);
      jobs.push(
        this.pool.run(ctx, { type: 'forward', params: slice, nets: n }).then((r) => out.set(r as Float64Array, j * m)),
      );
    }
    await Promise.all(jobs);
    checkForwardFinite(out, m, this.info.precision);
    return out;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Pieces of nets [first, first+count) for the workers: one per NET_BLOCK
 * segment; when there are fewer segments than threads, segments are cut
 * further (a piece inside a block skips ahead in that block's stream).
 */
export function planChunks(first: number, count: number, threads: number): { at: number; n: number }[] {
  const segs = blockSegments(first, count);
  if (segs.length >= threads) return segs.map(({ at, n }) => ({ at, n }));
  const cuts = Math.ceil(threads / segs.length);
  const out: { at: number; n: number }[] = [];
  for (const s of segs) {
    const pieces = Math.max(1, Math.min(cuts, Math.floor(s.n / MIN_PIECE)));
    for (let p = 0; p < pieces; p++) {
      const a = Math.floor((s.n * p) / pieces);
      const b = Math.floor((s.n * (p + 1)) / pieces);
      out.push({ at: s.at + a, n: b - a });
    }
  }
  return out;
}
