/**
 * Linalg pool worker: one instance of the linalg wasm module on the shared
 * memory, driven through the control block: it raises its ready flag, then
 * sleeps on its own "go" word (`Atomics.wait`); the engine writes a job's
 * sequence number there only for workers that take part, so a worker never
 * looks at a descriptor that is not meant for it (or is being rewritten).
 * As tid 0 of a job the main thread does not join, it posts the job's
 * sequence number back when it is done. Runs from dist/ (compiled).
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
  /** Byte address of the per-worker words: ready flags, go words, then done words ([MAX_WORKERS] each). */
  flags: number;
  /** This worker's index w: tid w + 1 when the main thread joins a job (as tid 0), else tid w. */
  index: number;
}

/** i32 word indices of the control block (`wasm/linalg/sync.ts`). */
export const CTL = {
  OP: 18,
  NTHREADS: 19,
  MAIN: 20,
  FAIL: 21,
  SCRATCH: 22,
  SCRATCH_BYTES: 23,
  ARG: 32,
  /** Byte offset of the f64 arguments. */
  F_ARG: 256,
  /** Barrier spins before sleeping. */
  SPINS: 25,
  /** Nonzero: a thread's share of the job threw; everyone returns (garbage results). */
  ABORT: 26,
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

/**
 * Abandon the job of control block `w` (an Int32Array over it): raise ABORT,
 * then move the barrier's generation word on and wake its sleepers. Moving it
 * matters: a thread that checked ABORT just before this and is about to sleep
 * on the old generation would otherwise miss the wake-up and sleep for ever
 * (seen as a pool that hung a few jobs after a failed one).
 */
export function abortJob(w: Int32Array): void {
  Atomics.store(w, CTL.ABORT, 1);
  Atomics.add(w, 1, 1); // the barrier's generation word
  Atomics.notify(w, 1);
}

/** Most workers one engine runs (size of the ready / go word arrays). */
export const MAX_WORKERS = 128;
/** Go-word value that makes a worker leave its loop. */
export const GO_EXIT = -1;

function main(d: LinalgWorkerData): void {
  const WA = (
    globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => { exports: unknown } } }
  ).WebAssembly;
  const inst = new WA.Instance(d.module, { env: { memory: d.memory }, sync: syncImports(d.memory) });
  const work = (inst.exports as { work(ctl: number, tid: number): void }).work;
  const buf = (d.memory as { buffer: SharedArrayBuffer }).buffer;
  const w = new Int32Array(buf, d.ctl, CTL.BYTES >> 2);
  const ready = new Int32Array(buf, d.flags, MAX_WORKERS);
  const go = new Int32Array(buf, d.flags + 4 * MAX_WORKERS, MAX_WORKERS);
  const done = new Int32Array(buf, d.flags + 8 * MAX_WORKERS, MAX_WORKERS);
  let seen = Atomics.load(go, d.index);
  Atomics.store(ready, d.index, 1);
  Atomics.notify(ready, d.index);
  for (;;) {
    Atomics.wait(go, d.index, seen, 60000);
    const seq = Atomics.load(go, d.index);
    if (seq === seen) continue;
    seen = seq;
    if (seq === GO_EXIT) return;
    const joined = Atomics.load(w, CTL.MAIN);
    const tid = d.index + joined;
    try {
      work(d.ctl, tid);
    } catch (e) {
      // Abandon the job rather than leave the other threads in a barrier forever.
      abortJob(w);
      parentPort?.postMessage({ error: `linalg worker ${d.index}: ${(e as Error).message}` });
    }
    // Only now is this worker off the job: the engine waits for this word
    // before it reuses the control block or the job's memory.
    Atomics.store(done, d.index, seq);
    Atomics.notify(done, d.index);
    if (joined === 0 && tid === 0) parentPort?.postMessage(seq);
  }
}

if (workerData && typeof (workerData as LinalgWorkerData).ctl === 'number') {
  main(workerData as LinalgWorkerData);
}
