/**
 * Triangular solves with a row-major lower-triangular L (n×n).
 * One right-hand side: row-wise dot products (L x = b) or row-wise axpys
 * (Lᵀ x = b), both reading L row by row; memory-bound, one thread.
 * Many right-hand sides (X n×nrhs, row-major, in place): blocked by NBS rows,
 * the off-diagonal part as GEMM, each thread on its own columns (no
 * barriers; bitwise independent of the split).
 */
import { gemm, V } from './gemm';
import { Ctl, splitEven } from './sync';

const NBS = 128;

function at(p: usize, i: i32): usize {
  return p + ((<usize>i) << 3);
}

/** Σ_{k<len} x[k] y[k], two f64x2 accumulators. */
function dot(x: usize, y: usize, len: i32): f64 {
  let s0 = V.zero();
  let s1 = V.zero();
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const o = (<usize>k) << 3;
    s0 = V.madd(v128.load(x + o), v128.load(y + o), s0);
    s1 = V.madd(v128.load(x + o, 16), v128.load(y + o, 16), s1);
  }
  const s = f64x2.add(s0, s1);
  let d = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; k < len; k++) d += load<f64>(at(x, k)) * load<f64>(at(y, k));
  return d;
}

/** y[0..len) −= alpha · x[0..len). */
function axpyNeg(y: usize, x: usize, alpha: f64, len: i32): void {
  const a = f64x2.splat(alpha);
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const o = (<usize>k) << 3;
    v128.store(y + o, f64x2.sub(v128.load(y + o), f64x2.mul(a, v128.load(x + o))));
    v128.store(y + o, f64x2.sub(v128.load(y + o, 16), f64x2.mul(a, v128.load(x + o, 16))), 16);
  }
  for (; k < len; k++) store<f64>(at(y, k), load<f64>(at(y, k)) - alpha * load<f64>(at(x, k)));
}

/** One right-hand side, in place on x. */
export function trsv(L: usize, n: i32, x: usize, transpose: i32): void {
  const ld = (<usize>n) << 3;
  if (transpose === 0) {
    for (let i = 0; i < n; i++) {
      const li = L + <usize>i * ld;
      store<f64>(at(x, i), (load<f64>(at(x, i)) - dot(li, x, i)) / load<f64>(at(li, i)));
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      const li = L + <usize>i * ld;
      const xi = load<f64>(at(x, i)) / load<f64>(at(li, i));
      store<f64>(at(x, i), xi);
      axpyNeg(x, li, xi, i);
    }
  }
}

/** Columns [c0, c1) of X (n×nrhs) in place. */
function trsmCols(L: usize, n: i32, X: usize, nrhs: i32, transpose: i32, c0: i32, c1: i32): void {
  const w = c1 - c0;
  if (w <= 0) return;
  const ld = <usize>n;
  const lx = <usize>nrhs;
  const Xc = X + ((<usize>c0) << 3);
  if (transpose === 0) {
    for (let i0 = 0; i0 < n; i0 += NBS) {
      const i1 = n - i0 < NBS ? n : i0 + NBS;
      // X[i0:i1] −= L[i0:i1, 0:i0] X[0:i0]
      if (i0 > 0)
        gemm(i1 - i0, w, i0, L + ((<usize>i0 * ld) << 3), n, 1, Xc, nrhs, 1, Xc + ((<usize>i0 * lx) << 3), nrhs, 2, -1);
      for (let i = i0; i < i1; i++) {
        const xi = Xc + ((<usize>i * lx) << 3);
        const li = L + ((<usize>i * ld) << 3);
        for (let k = i0; k < i; k++) axpyNeg(xi, Xc + ((<usize>k * lx) << 3), load<f64>(at(li, k)), w);
        const r = 1.0 / load<f64>(at(li, i));
        for (let c = 0; c < w; c++) store<f64>(at(xi, c), load<f64>(at(xi, c)) * r);
      }
    }
  } else {
    for (let i1 = n; i1 > 0; i1 -= NBS) {
      const i0 = max<i32>(i1 - NBS, 0);
      // X[i0:i1] −= L[i1:n, i0:i1]ᵀ X[i1:n]
      if (i1 < n)
        gemm(
          i1 - i0,
          w,
          n - i1,
          L + ((<usize>i1 * ld + <usize>i0) << 3),
          1,
          n,
          Xc + ((<usize>i1 * lx) << 3),
          nrhs,
          1,
          Xc + ((<usize>i0 * lx) << 3),
          nrhs,
          2,
          -1,
        );
      for (let i = i1 - 1; i >= i0; i--) {
        const xi = Xc + ((<usize>i * lx) << 3);
        const li = L + ((<usize>i * ld) << 3);
        const r = 1.0 / load<f64>(at(li, i));
        for (let c = 0; c < w; c++) store<f64>(at(xi, c), load<f64>(at(xi, c)) * r);
        for (let k = i0; k < i; k++) axpyNeg(Xc + ((<usize>k * lx) << 3), xi, load<f64>(at(li, k)), w);
      }
    }
  }
}

/** Threaded job: args L, n, X, nrhs, transpose. Columns split in multiples of 4. */
export function trsmJob(ctl: usize, tid: i32, nt: i32): void {
  const L = Ctl.ptr(ctl, 0);
  const n = Ctl.arg(ctl, 1);
  const X = Ctl.ptr(ctl, 2);
  const nrhs = Ctl.arg(ctl, 3);
  const tr = Ctl.arg(ctl, 4);
  if (nrhs === 1) {
    if (tid === 0) trsv(L, n, X, tr);
    return;
  }
  trsmCols(L, n, X, nrhs, tr, splitEven(nrhs, nt, tid), splitEven(nrhs, nt, tid + 1));
}
