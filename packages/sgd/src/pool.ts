/**
 * Where batches of runs execute: in this thread, or spread over a
 * worker_threads pool (one trainer per worker). Core's `WasmPool` is bound to
 * its prior/forward module, so training has this small pool of its own.
 * Every run is computed by the same code from its own inputs, so results
 * never depend on the thread count.
 */
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { chooseThreads, FsbayesError, type Seed, startWorkers, WorkerJobs } from '@fsbayes/core';
import {
  type BatchResult,
  type BatchTrainer,
  batchTrainer,
  type SgdWorkerReply,
  type SgdWorkerRequest,
  type TrainContext,
} from './batch.js';

export interface Executor {
  readonly threads: number;
  run(seed: Seed, first: number, count: number, theta: Float64Array): Promise<BatchResult>;
  close(): Promise<void>;
}

/** The compiled worker: packages/sgd/dist/worker.js, from both src/ and dist/. */
export function sgdWorkerFile(): string {
  return fileURLToPath(new URL('../dist/worker.js', import.meta.url));
}

/** Runs batches synchronously on the calling thread. */
export class LocalExecutor implements Executor {
  readonly threads = 1;
  private readonly trainer: BatchTrainer;
  constructor(ctx: TrainContext) {
    this.trainer = batchTrainer(ctx);
  }
  /** The job trained last (jobs train one after another). */
  private last: Promise<unknown> = Promise.resolve();
  run(seed: Seed, first: number, count: number, theta: Float64Array): Promise<BatchResult> {
    // Training blocks the event loop: each job waits for the one before and then one turn of the loop, so that
    // signals (SIGTERM: checkpoint and stop) are seen between jobs, not only after every job issued so far.
    const job = this.last
      .then(() => new Promise((r) => setImmediate(r)))
      .then(() => this.trainer.trainBatch(seed, first, count, theta));
    this.last = job.catch(() => {});
    return job;
  }
  async close(): Promise<void> {}
}

interface Pending {
  msg: Omit<Extract<SgdWorkerRequest, { type: 'job' }>, 'id'>;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

/** A pool of training workers, all on one training context. */
export class WorkerExecutor implements Executor {
  private readonly idle: Worker[];
  private readonly jobs = new WorkerJobs<Pending, Worker, BatchResult>('sgd pool', 'sgd worker');

  private constructor(private readonly workers: Worker[]) {
    this.idle = [...workers];
    for (const w of workers) {
      w.on('message', (m: SgdWorkerReply) => this.onMessage(m));
      w.on('error', (e) => this.jobs.fail(e instanceof Error ? e : new FsbayesError(String(e))));
      w.on('exit', (code) => {
        if (!this.jobs.closed) this.jobs.fail(new FsbayesError(`sgd worker exited with code ${code}`));
      });
    }
  }

  static async create(threads: number, ctx: TrainContext): Promise<WorkerExecutor> {
    const workers = await startWorkers(
      sgdWorkerFile(),
      threads,
      { type: 'init', ...ctx } satisfies SgdWorkerRequest,
      'sgd',
    );
    return new WorkerExecutor(workers);
  }

  get threads(): number {
    return this.workers.length;
  }

  run(seed: Seed, first: number, count: number, theta: Float64Array): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      if (this.jobs.submit({ msg: { type: 'job', seed, first, count, theta }, resolve, reject })) this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.jobs.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const job = this.jobs.queue.shift() as Pending;
      const id = this.jobs.start(w, job);
      w.postMessage({ ...job.msg, id } satisfies SgdWorkerRequest, [job.msg.theta.buffer as ArrayBuffer]);
    }
  }

  private onMessage(m: SgdWorkerReply): void {
    if (m.type === 'ready') return;
    const w = this.jobs.finish(m);
    if (!w) return;
    this.idle.push(w);
    this.pump();
  }

  async close(): Promise<void> {
    if (!this.jobs.close()) return;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * A worker pool of `threads` threads (capped at the cores: more only wait
 * for them, and results never depend on the count), or the calling thread
 * when that is 1.
 */
export async function createExecutor(threads: number, ctx: TrainContext): Promise<Executor> {
  const n = chooseThreads(threads).threads;
  if (n === 1) return new LocalExecutor(ctx);
  return WorkerExecutor.create(n, ctx);
}

/** Training threads started once and shared by several `trainSgdTable` calls on one context; the caller closes it. */
export interface SgdPool {
  readonly threads: number;
  close(): Promise<void>;
}

const executors = new WeakMap<SgdPool, Executor>();

/**
 * Start `threads` training threads (capped at the cores) on `ctx`, for
 * `trainSgdTable({ pool })` calls with that same spec, config, data and
 * engine: the workers start (and compile the wasm) once. Close it when done.
 */
export async function openSgdPool(threads: number, ctx: TrainContext): Promise<SgdPool> {
  const ex = await createExecutor(threads, ctx);
  const pool: SgdPool = { threads: ex.threads, close: () => ex.close() };
  executors.set(pool, ex);
  return pool;
}

/** The executor behind a pool from {@link openSgdPool}. */
export function poolExecutor(pool: SgdPool): Executor {
  const ex = executors.get(pool);
  if (!ex) throw new FsbayesError('trainSgdTable: `pool` must come from openSgdPool');
  return ex;
}
