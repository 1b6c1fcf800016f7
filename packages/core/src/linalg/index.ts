/**
 * Dense float64 linear algebra for GP work: Cholesky with jitter, triangular
 * solves, Gram matrices, matrix products, the generic layer-map kernel
 * that runs nngp's FCN NNGP/NTK recursion (`layermap.ts`), and the conv-map
 * kernel that runs its CNN-GP recursion with a flatten readout (`convmap.ts`).
 * All matrices are row-major Float64Arrays; inputs are never modified and
 * results are fresh (ordinary, non-shared) arrays.
 *
 * Paths, by problem size only (never by thread count):
 * - small: plain TypeScript (`reference.ts`; the layer maps: the caller's reference), no copies;
 *   triangular solves with ≤ 4 right-hand sides always (memory-bound, and
 *   copying L into wasm would cost more than the solve);
 * - larger: the wasm module `wasm/linalg/` (SIMD, FMA through relaxed SIMD
 *   when V8 allows it), single-threaded up to ~160³ multiply-adds, above
 *   that on all cores (`configureLinalg({ threads })`, or `threads` options).
 * The wasm module's arithmetic does not depend on how work is split, so
 * results are bitwise independent of the thread count, and sync equals async.
 *
 * Sync and async. Every function is synchronous; threaded, the calling
 * thread takes part and blocks in the job's barrier (Node allows this; a
 * browser main thread does not, so there only the async versions could
 * thread). The `…Async` twins take the same arguments and run large jobs on
 * the workers alone, leaving the event loop free. Workers start in the
 * background on first use; a synchronous call waits for them at most 1 s
 * over the process's life and otherwise runs on the calling thread (e.g.
 * under `node -e`, where Node cannot start a worker while the main thread
 * blocks). Workers are unref'd: they never keep the process alive.
 *
 * Memory. Each wasm call copies its inputs into one shared
 * WebAssembly.Memory (grown on demand, at most 4 GiB: about N = 16000 for a
 * Cholesky) and its result out: ~10 ms in and ~70 ms out for a 4000×4000
 * matrix on the 2-core VM (the output's fresh pages dominate).
 *
 * Without a built wasm module (or worker script) everything still works, in
 * plain TypeScript, single-threaded.
 */

export {
  type ConvMapLayer,
  type ConvMapParams,
  convMapKernel,
  convMapKernelAsync,
  convMapNeeds,
} from './convmap.js';
export {
  type CholeskyOptions,
  type CholeskyResult,
  cholesky,
  choleskyAsync,
  gram,
  gramAsync,
  gramCross,
  gramCrossAsync,
  logDetFromCholesky,
  matmul,
  matmulAsync,
  solveTriangular,
  solveTriangularAsync,
} from './dense.js';
export { closeLinalg, configureLinalg, linalgInfo } from './dispatch.js';
export {
  hasLayerMap,
  type LayerMapArgs,
  type LayerMapParams,
  type LayerMapResult,
  layerMapKernel,
  layerMapKernelAsync,
} from './layermap.js';
export { NotPositiveDefiniteError } from './reference.js';
