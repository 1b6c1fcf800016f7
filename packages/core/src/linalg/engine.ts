/**
 * JS glue of the threaded linalg wasm module (`wasm/linalg/`): one shared
 * `WebAssembly.Memory` (grown on demand, up to 4 GiB), an instance on the
 * calling thread and one per pool worker, a small allocator, and job
 * submission.
 *
 * Threads. Every job is described in a control block in the shared memory;
 * each participating thread calls the module's `work(ctl, tid)`, which
 * synchronises with an in-wasm barrier (spin, then `memory.atomic.wait32`).
 * - Synchronous calls (`runSync`): the calling thread is tid 0 and blocks in
 *   the barrier while workers 1..T−1 run theirs. Node allows blocking the
 *   main thread (browsers do not, so there this path would need the pool's
 *   async mode). Workers are started on first use, synchronously: the main
 *   thread waits (`Atomics.wait`) until they have instantiated the module.
 * - Asynchronous calls (`runAsync`): T workers run the job; worker 0 posts a
 *   message when it is done, so the main thread stays free.
 * One pool job runs at a time; a synchronous call arriving while an async
 * job holds the pool runs single-threaded on the calling thread instead.
 * Every job's arithmetic is independent of how work is split, so all
 * of these give bitwise-identical results.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { FsbayesError } from '../errors/index.js';
import { usefulThreads } from '../resources/threads.js';
import { Heap, type WasmMemory } from './heap.js';
import { abortJob, CTL, GO_EXIT, type LinalgWorkerData, MAX_WORKERS, syncImports } from './worker.js';

export type LinalgVariant = 'simd' | 'fma';

export const OP = { matmul: 1, kernel: 2, chol: 3, trsm: 4, cnn: 5 } as const;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface LinalgExports {
  work(ctl: number, tid: number): void;
  hasLayerMap(code: number): number;
  GEMM_SCRATCH: { value: number };
}

const MAX_PAGES = 65536;
const ALIGN = 64;
/** Control blocks: the pool's and the calling thread's own (for single-thread jobs). */
const CTL_POOL = 1024;
const CTL_LOCAL = 2048;
/** Per-worker words: ready flags, go words, then done words (MAX_WORKERS each). */
const FLAGS = 3072;
const HEAP_BASE = FLAGS + 12 * MAX_WORKERS;
/** How long a worker may take to come back from an abandoned job before the pool is given up. */
const SETTLE_MS = 10000;

/** The compiled linalg module of a variant (resolves from src/linalg and dist/linalg). */
export function linalgWasmFile(variant: LinalgVariant): string {
  return fileURLToPath(new URL(`../../wasm/build/fsbayes-linalg-${variant}.wasm`, import.meta.url));
}

/** The compiled worker script (packages/core/dist/linalg/worker.js), from src/ and dist/. */
export function linalgWorkerFile(): string {
  return fileURLToPath(new URL('../../dist/linalg/worker.js', import.meta.url));
}

/** A job: op code, i32 arguments (pointers are byte addresses), f64 arguments. */
export interface Job {
  op: number;
  args: number[];
  fargs?: number[];
}

let relaxedStatus: boolean | undefined;

function readModule(variant: LinalgVariant): Uint8Array {
  const file = linalgWasmFile(variant);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new FsbayesError(`linalg wasm not built (${file}: ${(e as Error).message}); run \`pnpm build\``);
  }
}

/** Whether this V8 runs the relaxed-SIMD (FMA) build; sets Node 20's flag if needed (process-wide). */
function fmaOk(bytes: Uint8Array): boolean {
  if (relaxedStatus !== undefined) return relaxedStatus;
  if (WA.validate(bytes)) relaxedStatus = true;
  else {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedStatus = WA.validate(bytes);
  }
  return relaxedStatus;
}

export class LinalgEngine {
  readonly memory: WasmMemory;
  readonly variant: LinalgVariant;
  private readonly module: object;
  private readonly exports: LinalgExports;
  private readonly heap: Heap;
  private readonly scratchBytes: number;
  private readonly localScratch: number;
  private poolScratch = 0;
  private workers: Worker[] = [];
  private poolBusy = false;
  private poolTail: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Why the pool could not start (then everything runs on the calling thread). */
  poolError: string | undefined;
  /** The last error a worker reported (a job it was part of was abandoned). */
  lastWorkerError: string | undefined;
  /**
   * Barrier spins before a thread sleeps (Atomics.wait): long enough to
   * bridge the usual imbalance without a system call, short enough not to
   * steal the CPU from a descheduled thread on a busy machine.
   */
  spins = 20000;
  /** What synchronous calls may still spend blocked waiting for workers to start. */
  private syncStartBudgetMs = 1000;
  /** Milliseconds the warm-up took. */
  warmupMs = 0;

  constructor(variant: LinalgVariant | 'auto' = 'auto') {
    const fmaBytes = variant === 'simd' ? undefined : readModule('fma');
    const useFma = fmaBytes !== undefined && fmaOk(fmaBytes);
    if (variant === 'fma' && !useFma)
      throw new FsbayesError('linalg: relaxed SIMD (FMA build) not supported by this V8');
    this.variant = useFma ? 'fma' : 'simd';
    this.module = new WA.Module(useFma && fmaBytes ? fmaBytes : readModule('simd'));
    this.memory = new WA.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    this.exports = new WA.Instance(this.module, { env: { memory: this.memory }, sync: syncImports(this.memory) })
      .exports as LinalgExports;
    this.heap = new Heap(this.memory, HEAP_BASE);
    this.scratchBytes = Math.ceil(this.exports.GEMM_SCRATCH.value / ALIGN) * ALIGN;
    this.localScratch = this.heap.alloc(this.scratchBytes);
  }

  /** Whether this build has the dual map of an activation code (the kernel job traps on any other). */
  hasLayerMap(code: number): boolean {
    return this.exports.hasLayerMap(code) !== 0;
  }

  /** Workers in the pool (0 until first threaded use). */
  get poolSize(): number {
    return this.workers.length;
  }

  alloc(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  release(at: number, bytes: number): void {
    this.heap.release(at, bytes);
  }

  /** A Float64Array view of `len` doubles at byte address `at` (re-take after any allocation: memory may grow). */
  f64(at: number, len: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, len);
  }

  /** Allocate and fill with a copy of `src`. */
  put(src: Float64Array, len = src.length): number {
    const at = this.alloc(len * 8);
    this.f64(at, len).set(len === src.length ? src : src.subarray(0, len));
    return at;
  }

  private i32(ctl: number): Int32Array {
    return new Int32Array(this.memory.buffer, ctl, CTL.BYTES >> 2);
  }

  private writeJob(ctl: number, job: Job, nthreads: number, main: number, scratch: number): void {
    const w = this.i32(ctl);
    w[0] = 0; // barrier count (the generation word, w[1], is never reset)
    for (let c = 8; c < 16; c++) w[c] = 0; // work counters
    w[CTL.OP] = job.op;
    w[CTL.NTHREADS] = nthreads;
    w[CTL.MAIN] = main;
    w[CTL.FAIL] = -1;
    w[CTL.SCRATCH] = scratch;
    w[CTL.SCRATCH_BYTES] = this.scratchBytes;
    w[CTL.SPINS] = this.spins;
    w[CTL.ABORT] = 0;
    for (let k = 0; k < job.args.length; k++) w[CTL.ARG + k] = job.args[k] | 0;
    const f = new Float64Array(this.memory.buffer, ctl + CTL.F_ARG, 16);
    f.fill(0);
    if (job.fargs) for (let k = 0; k < job.fargs.length; k++) f[k] = job.fargs[k];
  }

  /** Failing pivot of the last Cholesky job on `ctl` (−1 if none) and its value; throws if the job was abandoned. */
  private result(ctl: number): { fail: number; value: number } {
    if (Atomics.load(this.i32(ctl), CTL.ABORT) !== 0)
      throw new FsbayesError(
        `linalg: a worker thread failed during the job${this.lastWorkerError ? ` (${this.lastWorkerError})` : ''}`,
      );
    return {
      fail: Atomics.load(this.i32(ctl), CTL.FAIL),
      value: new Float64Array(this.memory.buffer, ctl + CTL.F_ARG, 16)[1],
    };
  }

  /**
   * Start workers until the pool has `n` (without waiting for them); false
   * if they cannot be started at all.
   */
  startPool(n: number): boolean {
    if (this.poolError || this.closed) return false;
    if (this.workers.length >= n) return true;
    if (n > MAX_WORKERS) return this.startPool(MAX_WORKERS);
    const file = linalgWorkerFile();
    if (!existsSync(file)) {
      this.poolError = `linalg worker script not built (${file}); run \`pnpm build\``;
      return false;
    }
    // scratch for tids 0..n (sync jobs: the calling thread + n workers; async: n workers)
    const at = this.alloc((n + 1) * this.scratchBytes);
    if (this.poolScratch !== 0) this.release(this.poolScratch, (this.workers.length + 1) * this.scratchBytes);
    this.poolScratch = at;
    for (let i = this.workers.length; i < n; i++) {
      const data: LinalgWorkerData = {
        module: this.module,
        memory: this.memory,
        ctl: CTL_POOL,
        flags: FLAGS,
        index: i,
      };
      const worker = new Worker(file, { workerData: data });
      worker.on('error', (e) => {
        this.poolError = `linalg worker failed: ${(e as Error).message}`;
      });
      worker.on('message', (m: unknown) => {
        if (m && typeof m === 'object' && 'error' in m) this.lastWorkerError = String((m as { error: unknown }).error);
      });
      worker.unref(); // after the listeners: adding a message listener refs the port again
      this.workers.push(worker);
    }
    return true;
  }

  private flagWords(): { ready: Int32Array; go: Int32Array; done: Int32Array } {
    const buf = this.memory.buffer;
    return {
      ready: new Int32Array(buf, FLAGS, MAX_WORKERS),
      go: new Int32Array(buf, FLAGS + 4 * MAX_WORKERS, MAX_WORKERS),
      done: new Int32Array(buf, FLAGS + 8 * MAX_WORKERS, MAX_WORKERS),
    };
  }

  /** Whether workers 0..n−1 are all up (each raises its own ready flag). */
  private poolReady(n: number): boolean {
    if (this.workers.length < n) return false;
    const { ready } = this.flagWords();
    for (let i = 0; i < n; i++) if (Atomics.load(ready, i) !== 1) return false;
    return true;
  }

  private seq = 0;
  /** Workers woken for the last pool job (each reports back through its done word). */
  private woken = 0;

  /** Wake workers 0..count−1 for a new job; returns its sequence number. */
  private go(count: number): number {
    this.seq = this.seq >= 0x3fffffff ? 1 : this.seq + 1;
    this.woken = count;
    const { go } = this.flagWords();
    for (let i = 0; i < count; i++) {
      Atomics.store(go, i, this.seq);
      Atomics.notify(go, i);
    }
    return this.seq;
  }

  /**
   * Block until every worker of the last pool job has left it. After a
   * normal job they have (all passed its last barrier) or are about to; after
   * an abandoned one a slower thread may still be running its share and
   * would write into the control block or memory of whatever comes next —
   * the flaky "worker thread failed" of a job after a failed one. False (and
   * the pool is given up) if one does not come back within SETTLE_MS.
   */
  private settle(): boolean {
    const { done } = this.flagWords();
    const deadline = Date.now() + SETTLE_MS;
    for (let i = 0; i < this.woken; i++) {
      for (;;) {
        const v = Atomics.load(done, i);
        if (v === this.seq) break;
        const left = deadline - Date.now();
        if (left <= 0) {
          this.woken = 0;
          this.poolError = `linalg worker ${i} did not come back from job ${this.seq}; running on the calling thread`;
          return false;
        }
        Atomics.wait(done, i, v, Math.min(left, 50));
      }
    }
    this.woken = 0;
    return true;
  }

  /**
   * Workers for a synchronous job: start them if needed and wait for them,
   * blocking, at most `syncStartBudgetMs` over the engine's life (Node can
   * start a worker while the main thread blocks, except in some setups, e.g.
   * \`node -e\`; then the job runs on the calling thread and the workers come
   * up once it yields to the event loop).
   */
  private workersForSync(n: number): boolean {
    if (!this.startPool(n)) return false;
    const { ready } = this.flagWords();
    while (!this.poolReady(n)) {
      if (this.syncStartBudgetMs <= 0 || this.poolError) return false;
      let i = 0;
      while (Atomics.load(ready, i) === 1) i++;
      const t0 = Date.now();
      Atomics.wait(ready, i, 0, Math.min(20, this.syncStartBudgetMs));
      this.syncStartBudgetMs -= Math.max(1, Date.now() - t0);
    }
    return true;
  }

  /** Workers for an async job: start them if needed and wait (without blocking) up to 30 s. */
  private async workersForAsync(n: number): Promise<boolean> {
    if (!this.startPool(n)) return false;
    const deadline = Date.now() + 30000;
    while (!this.poolReady(n)) {
      if (this.poolError || Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }

  /** Run a job now, on `threads` threads (the calling thread included); returns the Cholesky status. */
  runSync(job: Job, threads: number): { fail: number; value: number } {
    if (this.closed) throw new FsbayesError('linalg engine is closed');
    // More threads than cores only wait for them (and results do not depend on the count).
    threads = Math.min(threads, MAX_WORKERS + 1, usefulThreads());
    if (threads > 1 && !this.poolBusy && this.settle() && this.workersForSync(threads - 1)) {
      this.poolBusy = true;
      try {
        this.writeJob(CTL_POOL, job, threads, 1, this.poolScratch);
        this.go(threads - 1);
        try {
          this.exports.work(CTL_POOL, 0);
        } catch (e) {
          // release the workers from the job's barriers, and let them leave it, before reporting
          abortJob(this.i32(CTL_POOL));
          this.settle();
          throw e;
        }
        if (Atomics.load(this.i32(CTL_POOL), CTL.ABORT) !== 0) this.settle();
      } finally {
        this.poolBusy = false;
      }
      return this.result(CTL_POOL);
    }
    this.writeJob(CTL_LOCAL, job, 1, 1, this.localScratch);
    this.exports.work(CTL_LOCAL, 0);
    return this.result(CTL_LOCAL);
  }

  /**
   * Run a job on `threads` pool workers without blocking; `prepare` runs
   * (synchronously) right before the job starts and `finish` right after it
   * ends, both with the pool held, so they can allocate, copy in and copy out.
   */
  runAsync<R>(
    threads: number,
    prepare: () => Job,
    finish: (status: { fail: number; value: number }) => R,
    dispose: () => void = () => {},
  ): Promise<R> {
    threads = Math.min(threads, MAX_WORKERS, usefulThreads());
    const run = async (): Promise<R> => {
      if (this.closed) throw new FsbayesError('linalg engine is closed');
      if (this.poolBusy || !this.settle() || !(await this.workersForAsync(threads))) {
        // no pool: run on the calling thread
        const job = prepare();
        let status: { fail: number; value: number };
        try {
          status = this.runSync(job, 1);
        } catch (e) {
          dispose();
          throw e;
        }
        return finish(status);
      }
      this.poolBusy = true;
      const w0 = this.workers[0];
      w0.ref(); // keep the process alive while the job runs
      try {
        const job = prepare();
        this.writeJob(CTL_POOL, job, threads, 0, this.poolScratch);
        await new Promise<void>((resolve, reject) => {
          let seq = -2;
          const onMsg = (m: unknown) => {
            if (m === seq) {
              w0.off('message', onMsg);
              w0.off('error', onErr);
              resolve();
            }
          };
          const onErr = (e: unknown) => {
            w0.off('message', onMsg);
            reject(e instanceof Error ? e : new FsbayesError(String(e)));
          };
          w0.on('message', onMsg);
          w0.once('error', onErr);
          seq = this.go(threads);
        });
        let status: { fail: number; value: number };
        try {
          status = this.result(CTL_POOL);
        } catch (e) {
          this.settle(); // the job's memory is not free until every thread has left it
          dispose();
          throw e;
        }
        return finish(status);
      } finally {
        w0.unref();
        this.poolBusy = false;
      }
    };
    const p = this.poolTail.then(run, run);
    this.poolTail = p.catch(() => undefined);
    return p;
  }

  /** Stop the workers (idempotent). The engine is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.poolTail;
    if (this.workers.length > 0) {
      const { go } = this.flagWords();
      for (let i = 0; i < this.workers.length; i++) {
        Atomics.store(go, i, GO_EXIT);
        Atomics.notify(go, i);
      }
      await Promise.all(this.workers.map((x) => x.terminate()));
      this.workers = [];
    }
  }
}

let engine: LinalgEngine | undefined;
let engineError: string | undefined;

/** The process-wide engine (created on first use), or undefined if the wasm module is unavailable. */
export function linalgEngine(): LinalgEngine | undefined {
  if (engine || engineError) return engine;
  try {
    engine = new LinalgEngine('auto');
  } catch (e) {
    engineError = (e as Error).message;
  }
  return engine;
}

/** Why the wasm engine is unavailable (undefined when it is available or not yet tried). */
export function linalgEngineError(): string | undefined {
  return engineError;
}

/** Close the process-wide engine's workers; a later call creates a fresh engine. */
export async function closeLinalgEngine(): Promise<void> {
  const e = engine;
  engine = undefined;
  if (e) await e.close();
}

/** Default thread count: all cores (also the most any job uses). */
export function defaultThreads(): number {
  return usefulThreads();
}
