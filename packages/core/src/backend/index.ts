/**
 * Compute backends: where prior functions and batched forward passes run.
 *
 * - `js`: the float64 plain-TypeScript reference, one thread, every spec (CNNs too).
 * - `wasm`: the AssemblyScript SIMD module (FMA when available) on a worker pool,
 *   f32 by default or f64; FCNs and CNNs (im2col + the dense SIMD kernel, `wasm-cnn.ts`).
 * - `gpu`: gpu.js, in `./gpu.js` (loaded on demand).
 *
 * Every backend draws net i of a seed from the same canonical Gaussian stream
 * (`netNormals` / `priorParams`), so they agree on which nets they evaluate.
 *
 * `autoBackendFor(spec)`: wasm for every net it runs (when the wasm module is
 * built and loads), js otherwise (nets past its layer limits, or no wasm). `getBackend('auto')`
 * likewise prefers wasm and falls back to js.
 */
import { existsSync } from 'node:fs';
import type { ArchSpec } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import { JsBackend } from './js.js';
import { workerFile } from './pool.js';
import type { Backend, BackendName } from './types.js';
import { WasmBackend } from './wasm.js';
import { wasmModule, wasmRuns } from './wasm-module.js';

export type { GpuBackend, GpuBackendOptions, GpuGridPrograms, GpuStats } from './gpu.js';
export { JsBackend } from './js.js';
export { checkNetRange, type NetRangeNames, netNormals, priorParams } from './prior.js';
export { BACKEND_NAMES, type Backend, type BackendInfo, type BackendName, type PriorFunctionsJob } from './types.js';
export { WasmBackend, type WasmBackendOptions } from './wasm.js';
export { fmaSupport, NET_BLOCK, type WasmVariant } from './wasm-module.js';
export { startWorkers, type WorkerJob, type WorkerJobReply, WorkerJobs } from './workers.js';

/** Options of {@link getBackend}. */
export interface BackendOptions {
  /** Worker threads (wasm; default `os.availableParallelism()`), passed on to gpu. */
  threads?: number;
  /** Forward-pass precision (wasm default f32; js is always f64). */
  precision?: 'f32' | 'f64';
}

/** Whether a backend can run here, and if not, why. */
export interface BackendStatus {
  name: BackendName;
  available: boolean;
  detail: string;
}

/** Loaded by specifier so the build does not depend on the gpu module being present. */
const GPU_MODULE = './gpu.js';

async function createGpu(opts: BackendOptions): Promise<Backend> {
  let mod: { createGpuBackend?: (o: BackendOptions) => Promise<Backend> };
  try {
    mod = await import(GPU_MODULE);
  } catch (e) {
    throw new FsbayesError(`gpu backend unavailable: cannot load ${GPU_MODULE}: ${(e as Error).message}`);
  }
  if (typeof mod.createGpuBackend !== 'function') {
    throw new FsbayesError(`gpu backend unavailable: ${GPU_MODULE} does not export createGpuBackend`);
  }
  try {
    return await mod.createGpuBackend(opts);
  } catch (e) {
    const why = (e as Error).message.replace(/^gpu backend: /, '');
    throw new FsbayesError(`gpu backend unavailable: ${why}`, {
      kind: e instanceof FsbayesError ? e.kind : 'input',
      cause: e,
    });
  }
}

let wasmStatus: { ok: boolean; detail: string } | undefined;

/** Whether the wasm module and the worker script are built and the module compiles here (cached). */
function wasmUsable(): { ok: boolean; detail: string } {
  if (wasmStatus) return wasmStatus;
  try {
    const { variant } = wasmModule('auto');
    const file = workerFile();
    if (!existsSync(file)) throw new FsbayesError(`wasm worker script not built (${file}); run \`pnpm build\``);
    wasmStatus = {
      ok: true,
      detail: variant === 'fma' ? 'wasm simd+fma (relaxed SIMD)' : 'wasm simd (no relaxed SIMD)',
    };
  } catch (e) {
    wasmStatus = { ok: false, detail: (e as Error).message };
  }
  return wasmStatus;
}

/** The backend `auto` picks for a spec: wasm for the nets it runs (FCNs and CNNs) if usable, else js. */
export function autoBackendFor(spec: ArchSpec): BackendName {
  return wasmRuns(spec) && wasmUsable().ok ? 'wasm' : 'js';
}

/**
 * A backend by name. `auto` gives wasm when usable, else js (check
 * `supports(spec)` before use: wasm runs FCNs and CNNs up to its layer
 * limits; or pick by spec with `autoBackendFor`). Call `close()` when done.
 */
export async function getBackend(name: 'auto' | BackendName, opts: BackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'js':
      return new JsBackend();
    case 'wasm':
      return WasmBackend.create(opts);
    case 'gpu':
      return createGpu(opts);
    case 'auto':
      return wasmUsable().ok ? WasmBackend.create(opts) : new JsBackend();
    default: {
      // a name added to BACKEND_NAMES without its case here is a compile error
      const unknown: never = name;
      throw new FsbayesError(`unknown backend "${unknown as string}" (js, wasm, gpu or auto)`);
    }
  }
}

/** Which backends are available here and why not. Probes the gpu by creating (and closing) one. */
export async function listBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [
    { name: 'js', available: true, detail: 'plain TypeScript float64 reference, 1 thread, every architecture' },
  ];
  const w = wasmUsable();
  out.push({ name: 'wasm', available: w.ok, detail: w.ok ? `${w.detail}, fully connected nets` : w.detail });
  try {
    const gpu = await createGpu({ threads: 1 });
    out.push({ name: 'gpu', available: true, detail: gpu.info.detail });
    await gpu.close();
  } catch (e) {
    out.push({ name: 'gpu', available: false, detail: (e as Error).message });
  }
  return out;
}
