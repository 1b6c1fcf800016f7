/**
 * Right-looking blocked Cholesky, in place on a row-major n×n matrix (lower
 * factor; the strict upper triangle is zeroed at the end), all threads
 * together with a barrier between the steps of each block column:
 *   1. thread 0 factors the nb×nb diagonal block (itself blocked by SB:
 *      row-wise dot products on SB×SB blocks, the rest with the GEMM
 *      routines below) and writes U = L11ᵀ (zero-padded) and 1/diag;
 *   2. the threads solve the panel rows A21 ← A21 L11⁻ᵀ (4-row register
 *      tiles) and pack them into the shared k-major panel P;
 *   3. the threads update the trailing lower triangle A22 −= P Pᵀ with the
 *      GEMM register block (`panelGemm`).
 * Steps 2 and 3 hand out rows through atomic work counters, so a thread
 * that the OS deschedules delays the others little, and the arithmetic of
 * every element is independent of which thread does it.
 * A pivot d_j fails unless d_j > tol · diag0[j] (the original diagonal,
 * jitter included); the failing index goes to W_FAIL (−1 if none) and the
 * pivot's value to F_ARG slot 1.
 */
import { panelGemm, tile, V } from './gemm';
import { barrier, Ctl, F_ARG, grab, resetCounter, splitEven, W_FAIL } from './sync';

/** Inner block of the diagonal-block factorisation. */
const SB = 32;
/** Rows per dynamically scheduled chunk of the trailing update. */
const SYRK_CHUNK = 16;

/**
 * Factor the kb×kb block at `a` (row stride n) in place. Returns −1 or the
 * failing local pivot (its value left on the diagonal).
 */
function potf2(a: usize, n: i32, kb: i32, diag0: usize, tol: f64): i32 {
  const ld = (<usize>n) << 3;
  for (let i = 0; i < kb; i++) {
    const ri = a + <usize>i * ld;
    for (let j = 0; j <= i; j++) {
      const rj = a + <usize>j * ld;
      let s0 = V.zero();
      let s1 = V.zero();
      let k = 0;
      for (; k + 4 <= j; k += 4) {
        const o = (<usize>k) << 3;
        s0 = V.madd(v128.load(ri + o), v128.load(rj + o), s0);
        s1 = V.madd(v128.load(ri + o, 16), v128.load(rj + o, 16), s1);
      }
      const s = f64x2.add(s0, s1);
      let dot = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      for (; k < j; k++) dot += load<f64>(ri + ((<usize>k) << 3)) * load<f64>(rj + ((<usize>k) << 3));
      const v = load<f64>(ri + ((<usize>j) << 3)) - dot;
      if (j < i) {
        store<f64>(ri + ((<usize>j) << 3), v / load<f64>(rj + ((<usize>j) << 3)));
      } else {
        if (!(v > tol * load<f64>(diag0 + ((<usize>i) << 3)))) {
          store<f64>(ri + ((<usize>i) << 3), v);
          return i;
        }
        store<f64>(ri + ((<usize>i) << 3), Math.sqrt(v));
      }
    }
  }
  return -1;
}

/**
 * Solve panel rows r..r+3 (of m2 rows × kb at `p0`, stride n) against
 * U = L11ᵀ (kbp × kbp, zero-padded) and pack them into the k-major panel P
 * (4 · kb values per row group). `dummy`: 3·kbp zeros standing in for the
 * missing rows of a short last group.
 */
function trsmGroup(
  p0: usize,
  n: i32,
  kb: i32,
  kbp: i32,
  U: usize,
  inv: usize,
  P: usize,
  m2: i32,
  dummy: usize,
  r: i32,
): void {
  const ld = (<usize>n) << 3;
  const ldu = (<usize>kbp) << 3;
  {
    const rows = min<i32>(m2 - r, 4);
    const x0 = p0 + <usize>r * ld;
    const x1 = rows > 1 ? x0 + ld : dummy;
    const x2 = rows > 2 ? x0 + 2 * ld : dummy + ldu;
    const x3 = rows > 3 ? x0 + 3 * ld : dummy + 2 * ldu;
    for (let q0 = 0; q0 < kb; q0 += 4) {
      // acc_r = Σ_{j<q0} x_r[j] · U[j][q0..q0+3]
      let a00 = V.zero();
      let a01 = V.zero();
      let a10 = V.zero();
      let a11 = V.zero();
      let a20 = V.zero();
      let a21 = V.zero();
      let a30 = V.zero();
      let a31 = V.zero();
      let u = U + ((<usize>q0) << 3);
      for (let j = 0; j < q0; j++) {
        const o = (<usize>j) << 3;
        const b0 = v128.load(u);
        const b1 = v128.load(u, 16);
        let x = v128.load64_splat(x0 + o);
        a00 = V.madd(x, b0, a00);
        a01 = V.madd(x, b1, a01);
        x = v128.load64_splat(x1 + o);
        a10 = V.madd(x, b0, a10);
        a11 = V.madd(x, b1, a11);
        x = v128.load64_splat(x2 + o);
        a20 = V.madd(x, b0, a20);
        a21 = V.madd(x, b1, a21);
        x = v128.load64_splat(x3 + o);
        a30 = V.madd(x, b0, a30);
        a31 = V.madd(x, b1, a31);
        u += ldu;
      }
      const qe = min<i32>(kb - q0, 4);
      finish(x0, q0, qe, a00, a01, U, ldu, inv);
      finish(x1, q0, qe, a10, a11, U, ldu, inv);
      finish(x2, q0, qe, a20, a21, U, ldu, inv);
      finish(x3, q0, qe, a30, a31, U, ldu, inv);
    }
    // pack the 4 solved rows (k-major)
    let d = P + ((<usize>(r * kb)) << 3);
    for (let p = 0; p < kb; p++) {
      const o = (<usize>p) << 3;
      store<f64>(d, load<f64>(x0 + o));
      store<f64>(d, rows > 1 ? load<f64>(x1 + o) : 0.0, 8);
      store<f64>(d, rows > 2 ? load<f64>(x2 + o) : 0.0, 16);
      store<f64>(d, rows > 3 ? load<f64>(x3 + o) : 0.0, 24);
      d += 32;
    }
  }
}

/** Finish columns q0..q0+qe of one row: x_q = (x_q − acc_q − Σ_{q0≤j<q} x_j U[j][q]) / U[q][q]. */
function finish(x: usize, q0: i32, qe: i32, lo: v128, hi: v128, U: usize, ldu: usize, inv: usize): void {
  for (let c = 0; c < qe; c++) {
    const q = q0 + c;
    const acc =
      c === 0
        ? f64x2.extract_lane(lo, 0)
        : c === 1
          ? f64x2.extract_lane(lo, 1)
          : c === 2
            ? f64x2.extract_lane(hi, 0)
            : f64x2.extract_lane(hi, 1);
    let v = load<f64>(x + ((<usize>q) << 3)) - acc;
    for (let j = q0; j < q; j++)
      v -= load<f64>(x + ((<usize>j) << 3)) * load<f64>(U + <usize>j * ldu + ((<usize>q) << 3));
    store<f64>(x + ((<usize>q) << 3), v * load<f64>(inv + ((<usize>q) << 3)));
  }
}

/** Write U = L11ᵀ (kbp × kbp, zero-padded) and inv = 1/diag of the factored kb×kb block at `akk`. */
function transposeBlock(akk: usize, n: i32, kb: i32, kbp: i32, U: usize, inv: usize): void {
  const ld = (<usize>n) << 3;
  memory.fill(U, 0, (<usize>(kbp * kbp)) << 3);
  for (let q = 0; q < kb; q++) {
    const lq = akk + <usize>q * ld;
    for (let j = 0; j <= q; j++) store<f64>(U + ((<usize>(j * kbp + q)) << 3), load<f64>(lq + ((<usize>j) << 3)));
    store<f64>(inv + ((<usize>q) << 3), 1.0 / load<f64>(lq + ((<usize>q) << 3)));
  }
}

/**
 * Factor the kb×kb diagonal block at `akk` (one thread), blocked by SB:
 * POTF2 on each SB×SB block, then the rows below it within the block solved
 * and packed (`trsmGroup`) and the rest of the block updated with `tile`.
 * Scratch `w`: 3·kbp (dummy rows) + SB² (U) + SB (inv) + kbp·SB (panel)
 * doubles. Returns −1 or the failing local pivot.
 */
function potrfBlock(akk: usize, n: i32, kb: i32, diag0: usize, tol: f64, w: usize): i32 {
  const ld = (<usize>n) << 3;
  const kbp = (kb + 3) & ~3;
  const dummy = w;
  const Us = dummy + ((<usize>(3 * kbp)) << 3);
  const invs = Us + ((<usize>(SB * SB)) << 3);
  const Ps = invs + ((<usize>SB) << 3);
  memory.fill(dummy, 0, (<usize>(3 * kbp)) << 3);
  for (let s0 = 0; s0 < kb; s0 += SB) {
    const sb = min<i32>(kb - s0, SB);
    const ass = akk + <usize>s0 * ld + ((<usize>s0) << 3);
    const f = potf2(ass, n, sb, diag0 + ((<usize>s0) << 3), tol);
    if (f >= 0) return s0 + f;
    const rest = kb - s0 - sb;
    if (rest <= 0) break;
    const sbp = (sb + 3) & ~3;
    transposeBlock(ass, n, sb, sbp, Us, invs);
    const p0 = ass + <usize>sb * ld;
    for (let r = 0; r < rest; r += 4) trsmGroup(p0, n, sb, sbp, Us, invs, Ps, rest, dummy, r);
    const c0 = p0 + ((<usize>sb) << 3);
    const step = (<usize>sb) << 5;
    for (let i = 0; i < rest; i += 4) {
      for (let j = 0; j <= i; j += 4) {
        tile(
          sb,
          Ps + <usize>(i >> 2) * step,
          Ps + <usize>(j >> 2) * step,
          c0 + <usize>i * ld + ((<usize>j) << 3),
          n,
          2,
          min<i32>(rest - i, 4),
          min<i32>(rest - j, 4),
        );
      }
    }
  }
  return -1;
}

/**
 * Threaded Cholesky job. Arguments: a, n, nb, diag0, U (nbp² doubles), inv
 * (nbp), P (roundup4(n)·nb doubles); f64 tol. Thread scratch: thread 0's
 * holds the diagonal block's workspace, every thread's starts with 3·nbp
 * zeros (TRSM dummy rows).
 */
export function cholJob(ctl: usize, tid: i32, nt: i32, scratchPtr: usize): void {
  const a = Ctl.ptr(ctl, 0);
  const n = Ctl.arg(ctl, 1);
  const nb = Ctl.arg(ctl, 2);
  const diag0 = Ctl.ptr(ctl, 3);
  const U = Ctl.ptr(ctl, 4);
  const inv = Ctl.ptr(ctl, 5);
  const P = Ctl.ptr(ctl, 6);
  const tol = Ctl.f(ctl, 0);
  const ld = (<usize>n) << 3;
  const failPtr = ctl + ((<usize>W_FAIL) << 2);
  const nbp = (min<i32>(nb, n) + 3) & ~3;
  const dummy = scratchPtr;
  memory.fill(dummy, 0, (<usize>(3 * nbp)) << 3);
  for (let k0 = 0; k0 < n; k0 += nb) {
    const kb = min<i32>(n - k0, nb);
    const kbp = (kb + 3) & ~3;
    const akk = a + <usize>k0 * ld + ((<usize>k0) << 3);
    if (tid === 0) {
      resetCounter(ctl, 0);
      resetCounter(ctl, 1);
      const f = potrfBlock(akk, n, kb, diag0 + ((<usize>k0) << 3), tol, scratchPtr + ((<usize>(3 * nbp)) << 3));
      if (f >= 0) {
        store<f64>(ctl + F_ARG + 8, load<f64>(akk + <usize>f * ld + ((<usize>f) << 3)));
        atomic.store<i32>(failPtr, k0 + f);
      } else {
        transposeBlock(akk, n, kb, kbp, U, inv);
      }
    }
    barrier(ctl, nt);
    if (atomic.load<i32>(failPtr) >= 0) return;
    const m2 = n - k0 - kb;
    if (m2 <= 0) break;
    const p0 = akk + <usize>kb * ld;
    for (;;) {
      const r = grab(ctl, 0) << 2;
      if (r >= m2) break;
      trsmGroup(p0, n, kb, kbp, U, inv, P, m2, dummy, r);
    }
    barrier(ctl, nt);
    panelGemm(ctl, 1, P, m2, P, m2, kb, p0 + ((<usize>kb) << 3), n, true, 2, SYRK_CHUNK);
    barrier(ctl, nt);
  }
  // zero the strict upper triangle
  const r0 = splitEven(n, nt, tid);
  const r1 = splitEven(n, nt, tid + 1);
  for (let i = r0; i < r1; i++) {
    if (i + 1 < n) memory.fill(a + <usize>i * ld + ((<usize>(i + 1)) << 3), 0, (<usize>(n - i - 1)) << 3);
  }
}
