/**
 * The generic layer-map kernel: a Gram matrix followed by elementwise dual
 * maps, the shape of every fully connected NNGP/NTK recursion,
 *
 *   K¹ = σ_b² + σ_w²·x·x'/d,  Θ¹ = K¹,
 *   K ← σ_b² + σ_w²·E(q, q', K),  Θ ← K + σ_w²·Ė(q, q', K)·Θ   (`layers` times),
 *
 * with the per-point variances q by the diagonal map. The maps E, Ė are
 * not core's: they are nngp's activation table, compiled into the linalg
 * wasm module at build time (`wasm/generated/duals.ts`) and chosen by
 * activation code; core runs them threaded on the shared-memory engine.
 * Problems too small for wasm (or without it) go to the caller's
 * `reference`, which must compute the same recursion.
 */
import { FsbayesError } from '../errors/index.js';
import { checkMemory } from '../resources/memory.js';
import { checkMat } from './dense.js';
import { engine, pick, runAsyncOrTs, runSyncOrTs } from './dispatch.js';
import { layerMapPlan } from './ops.js';

/** One layer-map kernel. */
export interface LayerMapParams {
  /** Number of maps (hidden layers). */
  layers: number;
  /** Activation code of the dual map (core's `activationCode`). */
  code: number;
  /** σ_w². */
  sw2: number;
  /** σ_b² (0 without biases). */
  sb2: number;
  /** Also compute Θ (the NTK). */
  ntk: boolean;
  /** What the kernel is called in messages (default `the kernel`). */
  what?: string;
}

/** What {@link layerMapKernel} returns: the kernel, and the NTK when asked for. */
export interface LayerMapResult {
  /** K, n×n (or n×n2 for a cross kernel), row-major. */
  nngp: Float64Array;
  /** Θ, same shape, when `ntk` was asked for. */
  ntk?: Float64Array;
}

/**
 * X (n×d) with itself, or with X2 (n2×d) when given; the parameters; the
 * caller's plain-TypeScript computation of the same kernel, for problems too
 * small for wasm (or when it is unavailable).
 */
export type LayerMapArgs = [
  X: Float64Array,
  n: number,
  d: number,
  p: LayerMapParams,
  X2: Float64Array | undefined,
  n2: number | undefined,
  reference: () => LayerMapResult,
];

/** Whether this build's wasm module has the dual map of an activation code (false without wasm). */
export function hasLayerMap(code: number): boolean {
  return engine()?.hasLayerMap(code) ?? false;
}

function layerMapArgs(X: Float64Array, n: number, d: number, p: LayerMapParams, X2?: Float64Array, n2?: number) {
  const what = p.what ?? 'the kernel';
  if (!Number.isInteger(p.layers) || p.layers < 0)
    throw new FsbayesError(`${what}: the number of layers must be an integer ≥ 0, got ${p.layers}`);
  if (!Number.isInteger(p.code) || p.code < 0)
    throw new FsbayesError(`${what}: activation code must be an integer ≥ 0, got ${p.code}`);
  if (!Number.isFinite(p.sw2) || !Number.isFinite(p.sb2))
    throw new FsbayesError(`${what}: σ_w² and σ_b² must be finite, got ${p.sw2}, ${p.sb2}`);
  checkMat(what, X, n, d);
  if (X2) {
    if (n2 === undefined) throw new FsbayesError(`${what}: X2 given without n2`);
    checkMat(what, X2, n2, d, 'X2');
  }
  const cols = X2 ? (n2 as number) : n;
  checkMemory(`${what} of ${n} × ${cols} points`, [
    {
      what: `the kernel matrix${p.ntk ? ' and the NTK' : ''} (f64; a copy in wasm memory and the result)`,
      bytes: n * cols * 8 * (p.ntk ? 2 : 1),
      pool: 'native',
      copies: 2,
    },
  ]);
  // Gram multiply-adds (half when symmetric) plus roughly 40 per entry and layer for the maps.
  const entries = X2 ? n * cols : (n * n) / 2;
  const work = entries * (d + 40 * p.layers * (p.ntk ? 1.2 : 1));
  // A map this build lacks would trap in wasm: the reference computes it (and names what it lacks).
  const wasm = pick(work) === 'wasm' && hasLayerMap(p.code) ? work : 0;
  return { cols, work: wasm };
}

/**
 * The layer-map kernel of X (n×d) with itself, or with X2 (n2×d): on the
 * wasm engine (threads for large problems), else `reference()`.
 */
export function layerMapKernel(...[X, n, d, p, X2, n2, reference]: LayerMapArgs): LayerMapResult {
  const { cols, work } = layerMapArgs(X, n, d, p, X2, n2);
  return runSyncOrTs(work, (e) => layerMapPlan(e, X, n, d, p, X2, cols), reference);
}

/** {@link layerMapKernel} without blocking the event loop on large problems (same bits). */
export function layerMapKernelAsync(...[X, n, d, p, X2, n2, reference]: LayerMapArgs): Promise<LayerMapResult> {
  const { cols, work } = layerMapArgs(X, n, d, p, X2, n2);
  return runAsyncOrTs(work, (e) => layerMapPlan(e, X, n, d, p, X2, cols), reference);
}
