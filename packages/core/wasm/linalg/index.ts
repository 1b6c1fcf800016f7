/**
 * The fsbayes threaded linear-algebra wasm module (AssemblyScript), a second module
 * next to `../index.ts`: compiled with an imported *shared* memory, so one
 * instance per thread (the calling thread and each worker) works on the
 * same matrices in place. Built by `scripts/build-wasm.mjs` into
 * `build/fsbayes-linalg-{simd,fma}.wasm`; the JS glue is
 * `src/linalg/engine.ts`, which owns the memory layout (the module keeps no
 * static data and allocates nothing).
 *
 * A job is described in a control block (`sync.ts`); every participating
 * thread calls `work(ctl, tid)`, which runs its share and returns after a
 * final barrier, i.e. when the whole job is done.
 */
import { cholJob } from './chol';
import { cnnJob } from './cnnmap';
import { CHUNK, packPanels, panelGemm, scratch, setThread } from './gemm';
import { kernelJob } from './layermap';

export { hasLayerMap } from './layermap';

import { trsmJob } from './solve';
import { barrier, Ctl, splitEven, W_NTHREADS, W_OP } from './sync';

export { CTL_BYTES } from './sync';

const OP_MATMUL = 1;
const OP_KERNEL = 2;
const OP_CHOL = 3;
const OP_TRSM = 4;
const OP_CNN = 5;

/** Per-thread scratch bytes the jobs need (GEMM packing buffers and edge tile). */
export { GEMM_SCRATCH } from './gemm';

/** C (m×n) = A (m×k) B (k×n). Args A, m, k, B, n, C, PA (packed A), PB (packed Bᵀ). */
function matmulJob(ctl: usize, tid: i32, nt: i32): void {
  const A = Ctl.ptr(ctl, 0);
  const m = Ctl.arg(ctl, 1);
  const k = Ctl.arg(ctl, 2);
  const B = Ctl.ptr(ctl, 3);
  const n = Ctl.arg(ctl, 4);
  const C = Ctl.ptr(ctl, 5);
  const PA = Ctl.ptr(ctl, 6);
  const PB = Ctl.ptr(ctl, 7);
  const pm = (m + 3) >> 2;
  const pn = (n + 3) >> 2;
  packPanels(PA, A, k, 1, m, k, splitEven(pm, nt, tid), splitEven(pm, nt, tid + 1));
  packPanels(PB, B, 1, n, n, k, splitEven(pn, nt, tid), splitEven(pn, nt, tid + 1));
  barrier(ctl, nt);
  panelGemm(ctl, 0, PA, m, PB, n, k, C, n, false, 0, CHUNK);
}

/** Run thread `tid`'s share of the job described at `ctl`; returns when every thread is done. */
export function work(ctl: usize, tid: i32): void {
  setThread(ctl, tid);
  const nt = Ctl.i(ctl, W_NTHREADS);
  const op = Ctl.i(ctl, W_OP);
  if (op === OP_MATMUL) matmulJob(ctl, tid, nt);
  else if (op === OP_KERNEL) kernelJob(ctl, tid, nt);
  else if (op === OP_CHOL) cholJob(ctl, tid, nt, scratch);
  else if (op === OP_TRSM) trsmJob(ctl, tid, nt);
  else if (op === OP_CNN) cnnJob(ctl, tid, nt);
  barrier(ctl, nt);
}
