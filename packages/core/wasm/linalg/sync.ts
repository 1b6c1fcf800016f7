/**
 * Control block and barrier of the threaded linalg module.
 *
 * The control block (CTL bytes at an address chosen by the JS glue,
 * `src/linalg/engine.ts`) holds the job descriptor and the synchronisation
 * words; every thread's instance imports the same shared memory, so the
 * block is the whole protocol. i32 words:
 */
export const W_BAR_COUNT = 0;
export const W_BAR_GEN = 1;
/** Eight work counters for dynamic scheduling (words 8..15), zeroed by the JS glue per job. */
export const W_CNT = 8;
export const W_OP = 18;
export const W_NTHREADS = 19;
/** 1 when the calling (main) thread takes tid 0, so worker w runs as tid w + 1. */
export const W_MAIN = 20;
/** Cholesky: failing pivot (global index) or −1. */
export const W_FAIL = 21;
/** Per-thread scratch: thread t's area starts at SCRATCH + t · SCRATCH_BYTES. */
export const W_SCRATCH = 22;
export const W_SCRATCH_BYTES = 23;
/** Spins in a barrier before a thread sleeps (set per job by the JS glue). */
export const W_SPINS = 25;
/**
 * Set (by a worker's JS when its share of a job throws) to abandon the job:
 * barriers stop waiting and work counters run dry, so every thread returns.
 */
export const W_ABORT = 26;
/** Op-specific i32 arguments (pointers are byte addresses, read as u32). */
export const W_ARG = 32;
/** Op-specific f64 arguments from this byte offset. */
export const F_ARG: usize = 256;
export const CTL_BYTES: usize = 512;

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class Ctl {
  @inline static i(ctl: usize, w: i32): i32 {
    return load<i32>(ctl + ((<usize>w) << 2));
  }
  @inline static p(ctl: usize, w: i32): usize {
    return <usize>load<u32>(ctl + ((<usize>w) << 2));
  }
  @inline static arg(ctl: usize, k: i32): i32 {
    return load<i32>(ctl + ((<usize>(W_ARG + k)) << 2));
  }
  @inline static ptr(ctl: usize, k: i32): usize {
    return <usize>load<u32>(ctl + ((<usize>(W_ARG + k)) << 2));
  }
  @inline static f(ctl: usize, k: i32): f64 {
    return load<f64>(ctl + F_ARG + ((<usize>k) << 3));
  }
}

/** Take the next work item of counter c (0..7): 0, 1, 2, … across all threads. */
export function grab(ctl: usize, c: i32): i32 {
  if (atomic.load<i32>(ctl + ((<usize>W_ABORT) << 2)) !== 0) return 0x3fffffff;
  return atomic.add<i32>(ctl + ((<usize>(W_CNT + c)) << 2), 1);
}

/** Reset counter c (only while no thread can be using it, e.g. before a barrier). */
export function resetCounter(ctl: usize, c: i32): void {
  atomic.store<i32>(ctl + ((<usize>(W_CNT + c)) << 2), 0);
}

/**
 * Sleep while the i32 at `ptr` equals `expected`, and wake sleepers on `ptr`:
 * imported from JS (`Atomics.wait` / `Atomics.notify`), not wasm's own
 * `memory.atomic.wait32` / `memory.atomic.notify`: with those, on Node 20
 * (V8 11.3), the first threaded job of a fresh engine (baseline-tier code)
 * came back with a live f64 local missing its low 32 bits, i.e. the
 * wait/notify stubs clobber an FP register (test/linalg-engine.test.ts).
 */
declare function wait32(ptr: usize, expected: i32): void;
declare function notify(ptr: usize): void;

/**
 * Sense-reversing (generation) barrier of `nthreads` threads. Spins briefly,
 * then sleeps on the generation word; the last arrival wakes everyone.
 * Needs a thread that may block (workers; Node's main thread).
 */
export function barrier(ctl: usize, nthreads: i32): void {
  if (nthreads <= 1) return;
  const genPtr = ctl + ((<usize>W_BAR_GEN) << 2);
  const gen = atomic.load<i32>(genPtr);
  if (atomic.add<i32>(ctl + ((<usize>W_BAR_COUNT) << 2), 1) === nthreads - 1) {
    atomic.store<i32>(ctl + ((<usize>W_BAR_COUNT) << 2), 0);
    atomic.add<i32>(genPtr, 1);
    notify(genPtr);
    return;
  }
  const limit = load<i32>(ctl + ((<usize>W_SPINS) << 2));
  const abortPtr = ctl + ((<usize>W_ABORT) << 2);
  let spins = 0;
  while (atomic.load<i32>(genPtr) === gen) {
    if (atomic.load<i32>(abortPtr) !== 0) return;
    if (++spins > limit) wait32(genPtr, gen);
  }
}

/** Row boundary t of [0, m) split into `parts` pieces of equal count, multiple of 4. */
export function splitEven(m: i32, parts: i32, t: i32): i32 {
  if (t >= parts) return m;
  const r = <i32>((<i64>m * <i64>t) / <i64>parts);
  const b = (r + 2) & ~3;
  return b < m ? b : m;
}

/** Row boundary t of the lower triangle of an m×m matrix split into equal areas, multiple of 4. */
export function splitLower(m: i32, parts: i32, t: i32): i32 {
  if (t >= parts) return m;
  const r = <i32>Math.round(<f64>m * Math.sqrt(<f64>t / <f64>parts));
  const b = (r + 2) & ~3;
  return b < m ? b : m;
}
