/**
 * A worker_threads pool over the wasm kernels: each worker has its own
 * instance and memory (results are small, so nothing is shared). Jobs run on
 * a "context" (net shape, inputs, precision) that is posted to a worker once,
 * before the first job of that context it receives.
 */
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { FcnSpec } from '../arch/spec.js';
import type { Seed } from '../rng/rng.js';
import type { KernelVariant, WasmModule } from './kernels.js';
import type { WorkerReply, WorkerRequest } from './worker.js';
import { startWorkers } from './workers.js';

/** The compiled worker script: packages/core/dist/backend/worker.js from both src/backend and dist/backend. */
export function workerFile(): string {
  return fileURLToPath(new URL('../../dist/backend/worker.js', import.meta.url));
}

export interface PoolContext {
  spec: FcnSpec;
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
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, { slot: Slot; job: Pending }>();
  private nextId = 1;
  private closed = false;
  private failure: Error | undefined;

  private constructor(workers: Worker[]) {
    this.slots = workers.map((worker) => ({ worker, ctx: undefined, busy: false }));
    for (const slot of this.slots) {
      slot.worker.on('message', (msg: WorkerReply) => this.onMessage(slot, msg));
      slot.worker.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
      slot.worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`wasm worker exited with code ${code}`));
      });
    }
  }

  /** Start `threads` workers on a compiled kernel module; resolves when all are warmed up. */
  static async create(threads: number, module: WasmModule, variant: KernelVariant): Promise<WasmPool> {
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
    if (this.closed) return Promise.reject(new Error('wasm backend is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ ctx, task, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy) continue;
      // Prefer a job whose context this worker already holds.
      let qi = this.queue.findIndex((j) => j.ctx === slot.ctx);
      if (qi < 0) qi = 0;
      const job = this.queue.splice(qi, 1)[0];
      if (slot.ctx !== job.ctx) {
        const { spec, m, precision, inputs } = job.ctx;
        slot.worker.postMessage({ type: 'ctx', spec, m, precision, inputs } satisfies WorkerRequest);
        slot.ctx = job.ctx;
      }
      const id = this.nextId++;
      slot.busy = true;
      this.running.set(id, { slot, job });
      // Forward parameters are per-job copies: hand their buffer over instead of cloning it.
      const transfer = job.task.type === 'forward' ? [job.task.params.buffer as ArrayBuffer] : [];
      slot.worker.postMessage({ ...job.task, id } satisfies WorkerRequest, transfer);
    }
  }

  private onMessage(slot: Slot, msg: WorkerReply): void {
    if (msg.type === 'ready') return;
    const r = this.running.get(msg.id);
    if (!r) return;
    this.running.delete(msg.id);
    slot.busy = false;
    if (msg.type === 'done') r.job.resolve(msg.result);
    else r.job.reject(new Error(`wasm worker: ${msg.message}`));
    this.pump();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const { job } of this.running.values()) job.reject(e);
    this.running.clear();
    for (const job of this.queue.splice(0)) job.reject(e);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const e = new Error('wasm backend closed');
    for (const { job } of this.running.values()) job.reject(e);
    this.running.clear();
    for (const job of this.queue.splice(0)) job.reject(e);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
