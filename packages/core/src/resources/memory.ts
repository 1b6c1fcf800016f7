/**
 * Memory estimates, checked before the big allocations: a run that cannot
 * fit is refused at once with what it needs and the limit it would break,
 * instead of dying minutes later in "Unable to grow instance memory" or an
 * out-of-memory abort. Three limits matter:
 * - `wasm32`: one WebAssembly memory addresses at most 4 GiB (each worker
 *   thread has its own);
 * - `heap`: the JS heap (plain arrays, objects, strings), V8's
 *   `heap_size_limit`;
 * - `native`: typed arrays and wasm memories live outside the heap, in the
 *   machine's RAM; a share of `os.totalmem()` is allowed.
 * Estimates are of the dominant buffers only (they are lower bounds, good to
 * the first digit), so a refusal is certain and an acceptance is likely.
 */
import os from 'node:os';
import v8 from 'node:v8';
import { FsbayesError } from '../errors/index.js';

/** Bytes one wasm32 memory can address. */
export const WASM32_MAX_BYTES = 2 ** 32;

/** Share of the machine's RAM that typed arrays and wasm memories may take together. */
export const NATIVE_SHARE = 0.75;

/** Where a buffer lives. */
export type MemoryPool = 'wasm32' | 'heap' | 'native';

/** One buffer (or kind of buffer) a task needs. */
export interface MemoryNeed {
  /** What it is, e.g. `one net's parameters (float64)`. */
  what: string;
  /** Bytes of one copy. */
  bytes: number;
  pool: MemoryPool;
  /** How many copies exist at once (e.g. one per thread; default 1). */
  copies?: number;
}

/** The limits of each pool, in bytes. */
export interface MemoryLimits {
  /** Per wasm memory. */
  wasm32: number;
  /** The whole JS heap. */
  heap: number;
  /** Typed arrays and wasm memories together. */
  native: number;
}

/** The limits on this machine and this Node process. */
export function memoryLimits(): MemoryLimits {
  return {
    wasm32: WASM32_MAX_BYTES,
    heap: v8.getHeapStatistics().heap_size_limit,
    native: Math.floor(NATIVE_SHARE * os.totalmem()),
  };
}

/** A byte count for people: `512 B`, `3.2 MiB`, `74.5 GiB`, `1.2e+3 TiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  if (v >= 1e4) return `${v.toExponential(1)} ${units[u]}`;
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

function limitText(pool: MemoryPool, limits: MemoryLimits): string {
  if (pool === 'wasm32') return `the ${formatBytes(limits.wasm32)} one wasm32 memory can address`;
  if (pool === 'heap')
    return `the JS heap limit of ${formatBytes(limits.heap)} (V8 heap_size_limit; raise it with NODE_OPTIONS=--max-old-space-size=<MiB>)`;
  return `the ${formatBytes(limits.native)} allowed for buffers (${NATIVE_SHARE * 100}% of this machine's ${formatBytes(limits.native / NATIVE_SHARE)} of RAM)`;
}

function needText(n: MemoryNeed): string {
  const c = n.copies ?? 1;
  return c > 1
    ? `${n.what}: ${formatBytes(n.bytes)} × ${c} = ${formatBytes(n.bytes * c)}`
    : `${n.what}: ${formatBytes(n.bytes)}`;
}

/**
 * Refuse a task whose buffers cannot fit: each wasm memory within 4 GiB,
 * the heap buffers within the heap limit, typed arrays and wasm memories
 * together within the native share of RAM. The error (kind `resource`)
 * names the task, the estimate with its parts and the limit. `limits`
 * defaults to this machine's.
 */
export function checkMemory(task: string, needs: readonly MemoryNeed[], limits: MemoryLimits = memoryLimits()): void {
  const refuse = (estimate: number, parts: readonly MemoryNeed[], pool: MemoryPool): never => {
    throw new FsbayesError(
      `${task} needs about ${formatBytes(estimate)}${pool === 'wasm32' ? ' of wasm memory' : ''} (${parts.map(needText).join('; ')}), more than ${limitText(pool, limits)}`,
      { kind: 'resource' },
    );
  };
  for (const n of needs) {
    if (!(n.bytes >= 0))
      throw new FsbayesError(`memory estimate of ${n.what} is not a byte count: ${n.bytes}`, { kind: 'internal' });
    if (n.pool === 'wasm32' && n.bytes > limits.wasm32) refuse(n.bytes, [{ ...n, copies: 1 }], 'wasm32');
  }
  const total = (ns: readonly MemoryNeed[]) => ns.reduce((s, n) => s + n.bytes * (n.copies ?? 1), 0);
  const heap = needs.filter((n) => n.pool === 'heap');
  if (total(heap) > limits.heap) refuse(total(heap), heap, 'heap');
  const native = needs.filter((n) => n.pool !== 'heap');
  if (total(native) > limits.native) refuse(total(native), native, 'native');
}
