/**
 * Where a linalg call runs: settings (`configureLinalg`), the warmed-up
 * wasm engine, the size thresholds between plain TypeScript, one wasm thread
 * and all cores, and running a plan synchronously or asynchronously.
 */
import { ACTIVATIONS, activationCode } from '../arch/activations.js';
import { FsbayesError } from '../errors/index.js';
import { closeLinalgEngine, defaultThreads, type LinalgEngine, linalgEngine } from './engine.js';
import { cholPlan, gramPlan, layerMapPlan, matmulPlan, type Plan, runPlan, runPlanAsync, trsmPlan } from './ops.js';

let threadsDefault = 0;
let warm = false;

/**
 * Settings of the linalg layer: `threads` (default all cores; `undefined`
 * restores the default) used by every call without its own `threads`
 * option; `wasm: false` forces plain TypeScript everywhere (for tests and
 * comparisons).
 */
export function configureLinalg(opts: { threads?: number | undefined; wasm?: boolean }): void {
  if ('threads' in opts) {
    const t = opts.threads;
    if (t !== undefined && (!Number.isInteger(t) || t < 1))
      throw new FsbayesError(`linalg: threads must be a positive integer, got ${t}`);
    threadsDefault = t ?? 0;
  }
  if (opts.wasm !== undefined) wasmEnabled = opts.wasm;
}
let wasmEnabled = true;

/** What runs the large problems here: `wasm simd+fma, 2 threads`, or why plain TypeScript. */
export function linalgInfo(): { wasm: boolean; variant?: string; threads: number; detail: string } {
  const e = engine();
  const threads = Math.min(threadsDefault || defaultThreads(), defaultThreads());
  if (!e) return { wasm: false, threads: 1, detail: 'plain TypeScript (wasm linalg module unavailable)' };
  const v = e.variant === 'fma' ? 'simd+fma' : 'simd';
  const t = e.poolError ? 1 : threads;
  return { wasm: true, variant: e.variant, threads: t, detail: `wasm ${v}, ${t} thread${t > 1 ? 's' : ''}` };
}

/** Stop the linalg worker threads (they are unref'd, so this is only needed for a clean shutdown). */
export async function closeLinalg(): Promise<void> {
  warm = false;
  await closeLinalgEngine();
}

export function threadsFor(opt: number | undefined): number {
  const t = opt ?? (threadsDefault || defaultThreads());
  if (!Number.isInteger(t) || t < 1) throw new FsbayesError(`linalg: threads must be a positive integer, got ${t}`);
  return t;
}

/** The engine, warmed up (V8 runs a wasm function's first calls in its baseline tier). */
export function engine(): LinalgEngine | undefined {
  if (!wasmEnabled) return undefined;
  const e = linalgEngine();
  if (e && !warm) {
    warm = true;
    // Workers start in the background while the calling thread warms up.
    const t = threadsDefault || defaultThreads();
    if (t > 1) e.startPool(t);
    const t0 = performance.now();
    warmUp(e);
    e.warmupMs = performance.now() - t0;
  }
  return e;
}

function warmUp(e: LinalgEngine): void {
  const n = 96;
  const d = 40;
  const X = new Float64Array(n * d).map((_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
  for (let r = 0; r < 4; r++) {
    const G = runPlan(e, gramPlan(e, X, n, undefined, n, d), 1);
    for (let i = 0; i < n; i++) G[i * n + i] += d;
    const { L } = runPlan(e, cholPlan(e, G, n, 0), 1);
    if (L) {
      runPlan(e, trsmPlan(e, L, n, X, d, false), 1);
      runPlan(e, trsmPlan(e, L, n, X, d, true), 1);
    }
    runPlan(e, matmulPlan(e, X, n, d, X, n / 2), 1);
    // the layer maps this build has (generated from nngp's table), on activation codes
    for (const a of ACTIVATIONS) {
      const code = activationCode(a);
      if (!e.hasLayerMap(code)) continue;
      const p = { layers: 2, code, sw2: 1.2 * 1.2, sb2: 0.3 * 0.3, ntk: true };
      runPlan(e, layerMapPlan(e, X, n, d, p, undefined, n), 1);
      runPlan(e, layerMapPlan(e, X, n, d, p, X, 32), 1);
    }
  }
}

// Size thresholds (flop counts where the path changes); tuned on a 2-core Zen 3, see the benchmarks.
/** Below this many multiply-adds, plain TypeScript (no copies into wasm memory). */
const TS_MAX = 48 ** 3;
/** From this many multiply-adds, threads. */
const THREAD_MIN = 160 ** 3;

export function pick(work: number): 'ts' | 'wasm' {
  return work < TS_MAX || !engine() ? 'ts' : 'wasm';
}

export function threadsForWork(work: number, opt?: number): number {
  return work >= THREAD_MIN ? threadsFor(opt) : 1;
}

export function runSyncOrTs<R>(work: number, plan: (e: LinalgEngine) => Plan<R>, ts: () => R, threads?: number): R {
  const e = pick(work) === 'wasm' ? engine() : undefined;
  return e ? runPlan(e, plan(e), threadsForWork(work, threads)) : ts();
}

export async function runAsyncOrTs<R>(
  work: number,
  plan: (e: LinalgEngine) => Plan<R>,
  ts: () => R,
  threads?: number,
): Promise<R> {
  const e = pick(work) === 'wasm' ? engine() : undefined;
  if (!e) return ts();
  const t = threadsForWork(work, threads);
  return t > 1 ? runPlanAsync(e, plan(e), t) : runPlan(e, plan(e), 1);
}
