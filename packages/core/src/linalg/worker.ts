/**
 * Linalg pool worker: one instance of the linalg wasm module on the shared
 * memory, driven through the control block: it sleeps on the job sequence
 * word (`Atomics.wait`), runs its share of each job it takes part in, and,
 * as tid 0 of a job the main thread does not join, posts the job's sequence
 * number back when it is done. Runs from dist/ (compiled).
 *
 * (`Atomics.waitAsync` would keep the worker's event loop free, but on
 * Node 20 / V8 11.3 a notify racing with it was seen to be lost, hanging the
 * pool within a few jobs; the blocking wait has no such problem, and
 * `terminate()` interrupts it.)
 */
import { parentPort, workerData } from 'node:worker_threads';

/** What `engine.ts` hands each worker. */
export interface LinalgWorkerData {
  module: object;
  memory: object;
  /** Byte address of the pool's control block. */
  ctl: number;
  /** This worker's index w: tid w + 1 when the main thread joins a job (as tid 0), else tid w. */
  index: number;
}

/** i32 word indices of the control block (`wasm/linalg/sync.ts`). */
export const CTL = {
  SEQ: 16,
  DONE: 17,
  OP: 18,
  NTHREADS: 19,
  MAIN: 20,
  FAIL: 21,
  SCRATCH: 22,
  SCRATCH_BYTES: 23,
  ARG: 32,
  /** Byte offset of the f64 arguments. */
  F_ARG: 256,
  /** Workers that have started (counted on the main thread's wait). */
  READY: 24,
  /** Barrier spins before sleeping. */
  SPINS: 25,
  BYTES: 512,
} as const;

/**
 * The module's `sync` imports: sleeping and waking on a word of the shared
 * memory (its barrier, after spinning). Barrier words live in the control
 * blocks near address 1024, inside the memory's initial size, so a view
 * taken now stays valid as the memory grows.
 */
export function syncImports(memory: object): { wait32(ptr: number, v: number): void; notify(ptr: number): void } {
  const i32 = new Int32Array((memory as { buffer: SharedArrayBuffer }).buffer);
  return {
    wait32: (ptr, v) => {
      Atomics.wait(i32, ptr >>> 2, v);
    },
    notify: (ptr) => {
      Atomics.notify(i32, ptr >>> 2);
    },
  };
}

/** op code that makes workers leave their loop. */
export const OP_EXIT = 99;

function main(d: LinalgWorkerData): void {
  const WA = (
    globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => { exports: unknown } } }
  ).WebAssembly;
  const inst = new WA.Instance(d.module, { env: { memory: d.memory }, sync: syncImports(d.memory) });
  const work = (inst.exports as { work(ctl: number, tid: number): void }).work;
  const buf = (d.memory as { buffer: SharedArrayBuffer }).buffer;
  const w = new Int32Array(buf, d.ctl, CTL.BYTES >> 2);
  let seen = Atomics.load(w, CTL.SEQ);
  Atomics.add(w, CTL.READY, 1);
  Atomics.notify(w, CTL.READY);
  for (;;) {
    Atomics.wait(w, CTL.SEQ, seen, 60000);
    const seq = Atomics.load(w, CTL.SEQ);
    if (seq === seen) continue;
    seen = seq;
    const op = Atomics.load(w, CTL.OP);
    if (op === OP_EXIT) return;
    const joined = Atomics.load(w, CTL.MAIN);
    const tid = d.index + joined;
    if (tid >= Atomics.load(w, CTL.NTHREADS)) continue;
    work(d.ctl, tid);
    if (joined === 0 && tid === 0) {
      Atomics.store(w, CTL.DONE, seq);
      parentPort?.postMessage(seq);
    }
  }
}

if (workerData && typeof (workerData as LinalgWorkerData).ctl === 'number') {
  main(workerData as LinalgWorkerData);
}
