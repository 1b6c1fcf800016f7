/**
 * A worker_threads pool over the wasm module: each worker has its own
 * instance and memory (results are small, so nothing is shared). Jobs run on
 * a "context" (net shape, inputs, precision) that is posted to a worker once,
 * before the first job of that context it receives.
 */
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { ArchSpec } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import type { Seed } from '../rng/rng.js';
import type { WasmModule, WasmVariant } from './wasm-module.js';
import type { WorkerReply, WorkerRequest } from './worker.js';
import { startWorkers, WorkerJobs } from './workers.js';

/** The compiled worker script: packages/core/dist/backend/worker.js from both src/backend and dist/backend. */
export function workerFile(): string {
  return fileURLToPath(new URL('../../dist/backend/worker.js', import.meta.url));
}

export interface PoolContext {
  spec: ArchSpec;
  m: number;
  precision: 'f32' | 'f64';
  inputs: Float64Array;
}

export type PoolTask =
  | { type: 'prior'; seed: Seed; first: number; count: number }
  | { type: 'forward'; params: Float64Array; nets: number };

interface Slot {
  worker: Worker;
  ctx: PoolContext | undefined;
  busy: boolean;
}

interface Pending {
  ctx: PoolContext;
  task: PoolTask;
  resolve: (r: Uint32Array | Float64Array) => void;
  reject: (e: Error) => void;
}

export class WasmPool {
  private readonly slots: Slot[];
  private readonly jobs = new WorkerJobs<Pending, Slot, Uint32Array | Float64Array>('wasm backend', 'wasm worker');

  private constructor(workers: Worker[]) {
    this.slots = workers.map((worker) => ({ worker, ctx: undefined, busy: false }));
    for (const slot of this.slots) {
      slot.worker.on('message', (msg: WorkerReply) => this.onMessage(msg));
      slot.worker.on('error', (e) => this.jobs.fail(e instanceof Error ? e : new FsbayesError(String(e))));
      slot.worker.on('exit', (code) => {
        if (!this.jobs.closed) this.jobs.fail(new FsbayesError(`wasm worker exited with code ${code}`));
      });
    }
  }

  /** Start `threads` workers (capped at the cores, see `startWorkers`) on the compiled wasm module; resolves when all are warmed up. */
  static async create(threads: number, module: WasmModule, variant: WasmVariant): Promise<WasmPool> {
    const workers = await startWorkers(
      workerFile(),
      threads,
      { type: 'init', module, variant } satisfies WorkerRequest,
      'wasm',
    );
    return new WasmPool(workers);
  }

  get threads(): number {
    return this.slots.length;
  }

  run(ctx: PoolContext, task: PoolTask): Promise<Uint32Array | Float64Array> {
    return new Promise((resolve, reject) => {
      if (this.jobs.submit({ ctx, task, resolve, reject })) this.pump();
    });
  }

  private pump(): void {
    const queue = this.jobs.queue;
    for (const slot of this.slots) {
      if (queue.length === 0) return;
      if (slot.busy) continue;
      // Prefer a job whose context this worker already holds.
      let qi = queue.findIndex((j) => j.ctx === slot.ctx);
      if (qi < 0) qi = 0;
      const job = queue.splice(qi, 1)[0];
      if (slot.ctx !== job.ctx) {
        const { spec, m, precision, inputs } = job.ctx;
        slot.worker.postMessage({ type: 'ctx', spec, m, precision, inputs } satisfies WorkerRequest);
        slot.ctx = job.ctx;
      }
      const id = this.jobs.start(slot, job);
      slot.busy = true;
      // Forward parameters are per-job copies: hand their buffer over instead of cloning it.
      const transfer = job.task.type === 'forward' ? [job.task.params.buffer as ArrayBuffer] : [];
      slot.worker.postMessage({ ...job.task, id } satisfies WorkerRequest, transfer);
    }
  }

  private onMessage(msg: WorkerReply): void {
    if (msg.type === 'ready') return;
    const slot = this.jobs.finish(msg);
    if (!slot) return;
    slot.busy = false;
    this.pump();
  }

  async close(): Promise<void> {
    if (!this.jobs.close()) return;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
