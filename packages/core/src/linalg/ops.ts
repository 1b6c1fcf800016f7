/**
 * The wasm implementations behind the public linalg API: each operation is a
 * plan (allocate and copy the inputs into the shared memory, describe the
 * job; after it, copy the result out and free), run synchronously (calling
 * thread + workers) or asynchronously (workers only) by `engine.ts`.
 */
import { type Job, type LinalgEngine, OP } from './engine.js';
import type { LayerMapParams, LayerMapResult } from './layermap.js';
import { pivotTol } from './reference.js';

export interface Status {
  fail: number;
  value: number;
}

export interface Plan<R> {
  /** Allocate, copy the inputs in, describe the job. */
  prepare(): Job;
  /** Copy the result out and free. */
  finish(status: Status): R;
  /** Free without a result (the job failed). */
  dispose(): void;
}

/** Block size of the blocked Cholesky (at most 256, the GEMM's K block). */
export const CHOL_NB = 128;

/** Bytes of the packed-panel copy of a rows×k matrix (`packPanels` in wasm/linalg/gemm.ts). */
function panelBytes(rows: number, k: number): number {
  return ((rows + 3) & ~3) * k * 8;
}

/** Allocations of one plan, freed together. */
export class Allocs {
  private list: [number, number][] = [];
  constructor(private readonly e: LinalgEngine) {}
  alloc(bytes: number): number {
    const at = this.e.alloc(bytes);
    this.list.push([at, bytes]);
    return at;
  }
  put(src: Float64Array, len: number): number {
    const at = this.alloc(len * 8);
    this.e.f64(at, len).set(len === src.length ? src : src.subarray(0, len));
    return at;
  }
  free(): void {
    for (const [at, bytes] of this.list.reverse()) this.e.release(at, bytes);
    this.list = [];
  }
}

/** A kernel job's result: K (and Θ when the job had one, t ≠ 0), `len` entries each, copied out; then free. */
export function kernelOut(e: LinalgEngine, m: Allocs, k: number, t: number, len: number): LayerMapResult {
  try {
    const nngp = e.f64(k, len).slice();
    return t ? { nngp, ntk: e.f64(t, len).slice() } : { nngp };
  } finally {
    m.free();
  }
}

export function runPlan<R>(e: LinalgEngine, plan: Plan<R>, threads: number): R {
  const job = plan.prepare();
  let status: Status;
  try {
    status = e.runSync(job, threads);
  } catch (err) {
    plan.dispose();
    throw err;
  }
  return plan.finish(status);
}

export function runPlanAsync<R>(e: LinalgEngine, plan: Plan<R>, threads: number): Promise<R> {
  return e.runAsync(
    threads,
    () => plan.prepare(),
    (s) => plan.finish(s),
    () => plan.dispose(),
  );
}

/** One Cholesky attempt with a given diagonal jitter: L, or the failing pivot. */
export function cholPlan(
  e: LinalgEngine,
  A: Float64Array,
  n: number,
  jitter: number,
): Plan<{ L?: Float64Array; pivot: number; value: number }> {
  const m = new Allocs(e);
  let a = 0;
  return {
    prepare() {
      const nb = CHOL_NB;
      const nbp = (Math.min(nb, n) + 3) & ~3;
      a = m.put(A, n * n);
      const diag0 = m.alloc(n * 8);
      const U = m.alloc(nbp * nbp * 8);
      const inv = m.alloc(nbp * 8);
      const P = m.alloc(((n + 3) & ~3) * nb * 8);
      const av = e.f64(a, n * n);
      const dv = e.f64(diag0, n);
      for (let i = 0; i < n; i++) {
        const v = av[i * n + i] + jitter;
        av[i * n + i] = v;
        dv[i] = v;
      }
      return { op: OP.chol, args: [a, n, nb, diag0, U, inv, P], fargs: [pivotTol(n)] };
    },
    finish(s) {
      try {
        if (s.fail >= 0) return { pivot: s.fail, value: s.value };
        return { L: e.f64(a, n * n).slice(), pivot: -1, value: 0 };
      } finally {
        m.free();
      }
    },
    dispose() {
      m.free();
    },
  };
}

export function trsmPlan(
  e: LinalgEngine,
  L: Float64Array,
  n: number,
  B: Float64Array,
  nrhs: number,
  transpose: boolean,
): Plan<Float64Array> {
  const m = new Allocs(e);
  let x = 0;
  return {
    prepare() {
      const l = m.put(L, n * n);
      x = m.put(B, n * nrhs);
      return { op: OP.trsm, args: [l, n, x, nrhs, transpose ? 1 : 0] };
    },
    finish() {
      try {
        return e.f64(x, n * nrhs).slice();
      } finally {
        m.free();
      }
    },
    dispose() {
      m.free();
    },
  };
}

export function matmulPlan(
  e: LinalgEngine,
  A: Float64Array,
  rows: number,
  k: number,
  B: Float64Array,
  cols: number,
): Plan<Float64Array> {
  const m = new Allocs(e);
  let c = 0;
  return {
    prepare() {
      const a = m.put(A, rows * k);
      const b = m.put(B, k * cols);
      c = m.alloc(rows * cols * 8);
      const pa = m.alloc(panelBytes(rows, k));
      const pb = m.alloc(panelBytes(cols, k));
      return { op: OP.matmul, args: [a, rows, k, b, cols, c, pa, pb] };
    },
    finish() {
      try {
        return e.f64(c, rows * cols).slice();
      } finally {
        m.free();
      }
    },
    dispose() {
      m.free();
    },
  };
}

/** X1 X2ᵀ (X2 undefined: the symmetric X Xᵀ, full). */
export function gramPlan(
  e: LinalgEngine,
  X1: Float64Array,
  n1: number,
  X2: Float64Array | undefined,
  n2: number,
  d: number,
): Plan<Float64Array> {
  const m = new Allocs(e);
  let k = 0;
  return {
    prepare() {
      const x1 = m.put(X1, n1 * d);
      const x2 = X2 ? m.put(X2, n2 * d) : 0;
      k = m.alloc(n1 * n2 * 8);
      const pa = m.alloc(panelBytes(n1, d));
      const pb = X2 ? m.alloc(panelBytes(n2, d)) : pa;
      return { op: OP.kernel, args: [x1, n1, d, x2, n2, k, 0, 0, 0, 0, 0, 0, 0, pa, pb] };
    },
    finish() {
      try {
        return e.f64(k, n1 * n2).slice();
      } finally {
        m.free();
      }
    },
    dispose() {
      m.free();
    },
  };
}

/** K¹ = sb2 + (sw2/d)·X X2ᵀ, then `p.layers` dual maps (and the NTK): see `layermap.ts`. */
export function layerMapPlan(
  e: LinalgEngine,
  X: Float64Array,
  n: number,
  d: number,
  p: LayerMapParams,
  X2: Float64Array | undefined,
  n2: number,
): Plan<LayerMapResult> {
  const m = new Allocs(e);
  const cols = X2 ? n2 : n;
  let k = 0;
  let t = 0;
  return {
    prepare() {
      const x1 = m.put(X, n * d);
      const x2 = X2 ? m.put(X2, n2 * d) : 0;
      k = m.alloc(n * cols * 8);
      t = p.ntk ? m.alloc(n * cols * 8) : 0;
      const q1 = m.alloc((p.layers + 1) * n * 8);
      const q2 = X2 ? m.alloc((p.layers + 1) * n2 * 8) : q1;
      const td = m.alloc(n * 8);
      const pa = m.alloc(panelBytes(n, d));
      const pb = X2 ? m.alloc(panelBytes(n2, d)) : pa;
      const { sw2, sb2 } = p;
      return {
        op: OP.kernel,
        args: [x1, n, d, x2, cols, k, t, q1, q2, td, p.layers, p.code, 1, pa, pb],
        fargs: [sw2, sb2, d > 0 ? sw2 / d : 0],
      };
    },
    finish() {
      return kernelOut(e, m, k, t, n * cols);
    },
    dispose() {
      m.free();
    },
  };
}
