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

/**
 * Rows t..t+rows−1 of X (row stride lx bytes, w columns from `xc`) −=
 * Σ_{k0≤k<k1} a_r(k) · X[k], where a_r(k) is at ar + (k − k0)·ak. 4 rows ×
 * 4 columns in registers; rows past `rows` are computed from row 0's
 * coefficients and not stored.
 */
function rankUpdate(
  xc: usize,
  lx: usize,
  w: i32,
  t: i32,
  rows: i32,
  ar: usize,
  ar1: usize,
  ar2: usize,
  ar3: usize,
  ak: usize,
  k0: i32,
  k1: i32,
): void {
  const a1 = rows > 1 ? ar1 : ar;
  const a2 = rows > 2 ? ar2 : ar;
  const a3 = rows > 3 ? ar3 : ar;
  const x0 = xc + <usize>t * lx;
  let c = 0;
  for (; c + 4 <= w; c += 4) {
    let c00 = V.zero();
    let c01 = V.zero();
    let c10 = V.zero();
    let c11 = V.zero();
    let c20 = V.zero();
    let c21 = V.zero();
    let c30 = V.zero();
    let c31 = V.zero();
    let xk = xc + <usize>k0 * lx + ((<usize>c) << 3);
    let o: usize = 0;
    for (let k = k0; k < k1; k++) {
      const b0 = v128.load(xk);
      const b1 = v128.load(xk, 16);
      let a = v128.load64_splat(ar + o);
      c00 = V.madd(a, b0, c00);
      c01 = V.madd(a, b1, c01);
      a = v128.load64_splat(a1 + o);
      c10 = V.madd(a, b0, c10);
      c11 = V.madd(a, b1, c11);
      a = v128.load64_splat(a2 + o);
      c20 = V.madd(a, b0, c20);
      c21 = V.madd(a, b1, c21);
      a = v128.load64_splat(a3 + o);
      c30 = V.madd(a, b0, c30);
      c31 = V.madd(a, b1, c31);
      xk += lx;
      o += ak;
    }
    const p = x0 + ((<usize>c) << 3);
    V.put(p, c00, 2);
    V.put(p + 16, c01, 2);
    if (rows > 1) {
      V.put(p + lx, c10, 2);
      V.put(p + lx + 16, c11, 2);
    }
    if (rows > 2) {
      V.put(p + 2 * lx, c20, 2);
      V.put(p + 2 * lx + 16, c21, 2);
    }
    if (rows > 3) {
      V.put(p + 3 * lx, c30, 2);
      V.put(p + 3 * lx + 16, c31, 2);
    }
  }
  for (; c < w; c++) {
    for (let r = 0; r < rows; r++) {
      const a = r === 0 ? ar : r === 1 ? a1 : r === 2 ? a2 : a3;
      let s = 0.0;
      let o: usize = 0;
      for (let k = k0; k < k1; k++) {
        s += load<f64>(a + o) * load<f64>(xc + <usize>k * lx + ((<usize>c) << 3));
        o += ak;
      }
      const p = x0 + <usize>r * lx + ((<usize>c) << 3);
      store<f64>(p, load<f64>(p) - s);
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
      // the diagonal block, 4 rows at a time: rank update from the solved rows, then the 4×4 triangle
      for (let g = i0; g < i1; g += 4) {
        const rows = min<i32>(i1 - g, 4);
        if (g > i0) {
          const a = L + ((<usize>g * ld + <usize>i0) << 3);
          const st = ld << 3;
          rankUpdate(Xc, lx << 3, w, g, rows, a, a + st, a + 2 * st, a + 3 * st, 8, i0, g);
        }
        for (let i = g; i < g + rows; i++) {
          const xi = Xc + ((<usize>i * lx) << 3);
          const li = L + ((<usize>i * ld) << 3);
          for (let k = g; k < i; k++) axpyNeg(xi, Xc + ((<usize>k * lx) << 3), load<f64>(at(li, k)), w);
          const r = 1.0 / load<f64>(at(li, i));
          for (let c = 0; c < w; c++) store<f64>(at(xi, c), load<f64>(at(xi, c)) * r);
        }
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
      // the diagonal block from the bottom, 4 rows at a time: rank update from the solved rows below, then the triangle
      for (let g1 = i1; g1 > i0; g1 -= 4) {
        const g0 = max<i32>(g1 - 4, i0);
        const rows = g1 - g0;
        if (g1 < i1) {
          const a = L + ((<usize>g1 * ld + <usize>g0) << 3);
          rankUpdate(Xc, lx << 3, w, g0, rows, a, a + 8, a + 16, a + 24, ld << 3, g1, i1);
        }
        for (let i = g1 - 1; i >= g0; i--) {
          const xi = Xc + ((<usize>i * lx) << 3);
          const li = L + ((<usize>i * ld) << 3);
          const r = 1.0 / load<f64>(at(li, i));
          for (let c = 0; c < w; c++) store<f64>(at(xi, c), load<f64>(at(xi, c)) * r);
          for (let k = g0; k < i; k++) axpyNeg(Xc + ((<usize>k * lx) << 3), xi, load<f64>(at(li, k)), w);
        }
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
