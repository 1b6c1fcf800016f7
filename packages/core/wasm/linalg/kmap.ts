/**
 * Gram matrices and the FCN NNGP/NTK layer maps (see `src/linalg/fcn.ts`
 * for the recursion), vectorised two entries at a time.
 *
 * θ-functions use a SIMD atan2 for y ≥ 0 built on fdlibm's atan (s_atan.c:
 * its odd polynomial, valid for |x| < 7/16, after reducing the ratio to
 * [0, tan(π/8)] by atan u = π/4 + atan((u−1)/(u+1))), accurate to about
 * 1 ulp of π; π − θ is computed directly as
 * atan2(y, −x), which keeps it accurate when θ → π. asin(r) = atan2(|r|,
 * √((1−|r|)(1+|r|))) with the sign of r.
 */
import { CHUNK, kBlock, packPanels, panelGemm, V } from './gemm';
import { barrier, Ctl, grab, splitEven, splitLower } from './sync';

const PIO2_HI: f64 = 1.5707963267948966;
const PIO2_LO: f64 = 6.123233995736766e-17;
const PI_HI: f64 = Math.PI;
const PI_LO: f64 = 1.2246467991473532e-16;
const ATANHI1: f64 = 0.7853981633974483;
const ATANLO1: f64 = 3.061616997868383e-17;
const INV_2PI: f64 = 0.15915494309189535;
const TWO_OVER_PI: f64 = 0.6366197723675814;
const FOUR_OVER_PI: f64 = 1.2732395447351628;

const ACT_RELU = 0;
const ACT_STEP = 1;

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
class M {
  @inline static s(x: f64): v128 {
    return f64x2.splat(x);
  }
  @inline static sel(mask: v128, a: v128, b: v128): v128 {
    return v128.bitselect(a, b, mask);
  }
  /**
   * atan(lo/hi) for 0 ≤ lo ≤ hi, hi > 0: below tan(π/8) fdlibm's odd
   * polynomial directly (it is accurate to |x| < 7/16), above it
   * π/4 + atan((lo − hi)/(lo + hi)), one division either way.
   */
  @inline static atanRatio(lo: v128, hi: v128): v128 {
    const m = f64x2.gt(lo, f64x2.mul(hi, M.s(0.41421356237309503)));
    const num = M.sel(m, f64x2.sub(lo, hi), lo);
    const den = M.sel(m, f64x2.add(lo, hi), hi);
    const x = f64x2.div(num, den);
    const z = f64x2.mul(x, x);
    const w = f64x2.mul(z, z);
    let s1 = M.s(0.016285820115365782);
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.049768779946159324));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.06661073137387531));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.09090887133436507));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.14285714272503466));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.3333333333333293));
    s1 = f64x2.mul(s1, z);
    let s2 = M.s(-0.036531572744216916);
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.058335701337905735));
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.0769187620504483));
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.11111110405462356));
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.19999999999876483));
    s2 = f64x2.mul(s2, w);
    const hiC = v128.and(M.s(ATANHI1), m);
    const loC = v128.and(M.s(ATANLO1), m);
    return f64x2.sub(hiC, f64x2.sub(f64x2.sub(f64x2.mul(x, f64x2.add(s1, s2)), loC), x));
  }
  /** atan2(y, x) for y ≥ 0, in [0, π]. atan2(0, 0) = 0. */
  @inline static atan2pos(y: v128, x: v128): v128 {
    const ax = f64x2.abs(x);
    const hi = f64x2.max(y, ax);
    const lo = f64x2.min(y, ax);
    // hi = 0 (both zero): 0/0 → use lo/1 = 0
    const safe = f64x2.gt(hi, M.s(0.0));
    let t = M.atanRatio(lo, M.sel(safe, hi, M.s(1.0)));
    t = M.sel(f64x2.gt(y, ax), f64x2.sub(M.s(PIO2_HI), f64x2.sub(t, M.s(PIO2_LO))), t);
    return M.sel(f64x2.lt(x, M.s(0.0)), f64x2.sub(M.s(PI_HI), f64x2.sub(t, M.s(PI_LO))), t);
  }
  /** asin(r) for r ∈ [−1, 1]. */
  @inline static asin(r: v128): v128 {
    const ar = f64x2.abs(r);
    const one = M.s(1.0);
    const c = f64x2.sqrt(f64x2.mul(f64x2.sub(one, ar), f64x2.add(one, ar)));
    return v128.or(M.atan2pos(ar, c), v128.and(r, i64x2.splat(0x8000000000000000)));
  }
}

/**
 * One layer on entries (c, θ) = (K, Θ) given the variances a (row point) and
 * b (column points): returns the new K and writes the new Θ to `tp` when
 * `ntk`. Inlined into `mapRow`'s two call sites (pairs and the odd tail).
 */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
class L {
  @inline static step(
    act: i32,
    ntk: bool,
    a: v128,
    b: v128,
    c: v128,
    th: v128,
    vsw2: v128,
    vsb2: v128,
    tp: usize,
    pair: bool,
  ): v128 {
    const zero = M.s(0.0);
    let e: v128;
    let kd: v128;
    if (act <= ACT_STEP) {
      const s2v = f64x2.sub(f64x2.mul(a, b), f64x2.mul(c, c));
      const sn = f64x2.sqrt(f64x2.max(s2v, zero));
      const pmt = M.atan2pos(sn, f64x2.neg(c));
      // a unit with zero variance is the constant 0 and relu(0) = step(0) = 0 (step is 1(x > 0), as in the nets)
      const live = v128.and(f64x2.gt(a, zero), f64x2.gt(b, zero));
      if (act === ACT_RELU) {
        e = v128.and(f64x2.mul(f64x2.add(sn, f64x2.mul(pmt, c)), M.s(INV_2PI)), live);
        kd = v128.and(f64x2.mul(pmt, M.s(INV_2PI)), live);
      } else {
        e = v128.and(f64x2.mul(pmt, M.s(INV_2PI)), live);
        kd = zero;
      }
    } else {
      const one = M.s(1.0);
      const two = M.s(2.0);
      const prod = f64x2.mul(f64x2.add(one, f64x2.mul(two, a)), f64x2.add(one, f64x2.mul(two, b)));
      let r = f64x2.div(f64x2.mul(two, c), f64x2.sqrt(prod));
      r = f64x2.min(f64x2.max(r, M.s(-1.0)), one);
      e = f64x2.mul(M.s(TWO_OVER_PI), M.asin(r));
      if (ntk) {
        const det = f64x2.sub(prod, f64x2.mul(M.s(4.0), f64x2.mul(c, c)));
        kd = f64x2.div(M.s(FOUR_OVER_PI), f64x2.sqrt(f64x2.max(det, zero)));
      } else kd = zero;
    }
    const cn = f64x2.add(vsb2, f64x2.mul(vsw2, e));
    if (ntk) {
      const tn = f64x2.add(cn, f64x2.mul(f64x2.mul(vsw2, kd), th));
      if (pair) v128.store(tp, tn);
      else store<f64>(tp, f64x2.extract_lane(tn, 0));
    }
    return cn;
  }
}

/**
 * Map `len` entries of one row in place: K¹ = sb2 + c1·g from the Gram
 * values g, then `hidden` layers, each a pass over the row (the entries of
 * a pass are independent, so the CPU overlaps their long dependency chains;
 * the row stays in L1/L2 between passes). a-chain of the row point at q1
 * (stride n1 per layer), b-chain of the column points at q2 (stride n2).
 * T (NTK row, or 0) gets Θ. Pairs of entries per f64x2; an odd last entry
 * takes the same arithmetic in lane 0.
 */
function mapRow(
  k: usize,
  t: usize,
  len: i32,
  q1: usize,
  n1: i32,
  q2: usize,
  n2: i32,
  hidden: i32,
  act: i32,
  sw2: f64,
  sb2: f64,
  c1: f64,
): void {
  const vsw2 = M.s(sw2);
  const vsb2 = M.s(sb2);
  const vc1 = M.s(c1);
  const s1 = (<usize>n1) << 3;
  const s2 = (<usize>n2) << 3;
  const ntk = t !== 0;
  const even = len & ~1;
  const tail = (<usize>even) << 3;
  for (let j = 0; j < even; j += 2) {
    const o = (<usize>j) << 3;
    const c = f64x2.add(vsb2, f64x2.mul(vc1, v128.load(k + o)));
    v128.store(k + o, c);
    if (ntk) v128.store(t + o, c);
  }
  if (even < len) {
    const c = load<f64>(k + tail);
    const v = sb2 + c1 * c;
    store<f64>(k + tail, v);
    if (ntk) store<f64>(t + tail, v);
  }
  for (let l = 0; l < hidden; l++) {
    const a = v128.load64_splat(q1 + <usize>l * s1);
    const bq = q2 + <usize>l * s2;
    for (let j = 0; j < even; j += 2) {
      const o = (<usize>j) << 3;
      const th = ntk ? v128.load(t + o) : a;
      v128.store(k + o, L.step(act, ntk, a, v128.load(bq + o), v128.load(k + o), th, vsw2, vsb2, t + o, true));
    }
    if (even < len) {
      const th = ntk ? v128.load64_splat(t + tail) : a;
      const cn = L.step(
        act,
        ntk,
        a,
        v128.load64_splat(bq + tail),
        v128.load64_splat(k + tail),
        th,
        vsw2,
        vsb2,
        t + tail,
        false,
      );
      store<f64>(k + tail, f64x2.extract_lane(cn, 0));
    }
  }
}

/** Variance chain of points [i0, i1): q[0][i] given; q[l+1] = sb2 + sw2·E_diag(q[l]); td = final NTK diagonal. */
function chain(q: usize, n: i32, i0: i32, i1: i32, td: usize, hidden: i32, act: i32, sw2: f64, sb2: f64): void {
  const s = (<usize>n) << 3;
  for (let i = i0; i < i1; i++) {
    const p = q + ((<usize>i) << 3);
    let a = load<f64>(p);
    let t = a;
    for (let l = 0; l < hidden; l++) {
      let e: f64;
      let kd: f64;
      if (act === ACT_RELU) {
        e = 0.5 * a;
        kd = a > 0.0 ? 0.5 : 0.0;
      } else if (act === ACT_STEP) {
        e = a > 0.0 ? 0.5 : 0.0;
        kd = 0.0;
      } else {
        e = TWO_OVER_PI * Math.asin((2.0 * a) / (1.0 + 2.0 * a));
        kd = FOUR_OVER_PI / Math.sqrt(1.0 + 4.0 * a);
      }
      const an = sb2 + sw2 * e;
      t = an + sw2 * kd * t;
      a = an;
      store<f64>(p + <usize>(l + 1) * s, a);
    }
    if (td !== 0) store<f64>(td + ((<usize>i) << 3), t);
  }
}

/**
 * Σ_k x_ik² for rows [i0, i1) into out[i], with the GEMM tile's arithmetic
 * (per K block (`kBlock`) a fused/unfused multiply-add chain, then block sums in
 * order), so a point's norm equals its Gram entry with an identical point.
 */
function rowNorms(X: usize, d: i32, i0: i32, i1: i32, out: usize): void {
  for (let i = i0; i < i1; i++) {
    const x = X + ((<usize>i * <usize>d) << 3);
    let s = 0.0;
    const kcE = kBlock(d);
    for (let b = 0; b < d; b += kcE) {
      const e = min<i32>(d - b, kcE);
      let acc = V.zero();
      for (let k = b; k < b + e; k++) {
        const v = v128.load64_splat(x + ((<usize>k) << 3));
        acc = V.madd(v, v, acc);
      }
      s = b === 0 ? f64x2.extract_lane(acc, 0) : s + f64x2.extract_lane(acc, 0);
    }
    store<f64>(out + ((<usize>i) << 3), s);
  }
}

/** Copy the strict lower triangle of the n×n matrix at K onto the upper, destination rows [r0, r1). */
function mirror(K: usize, n: i32, r0: i32, r1: i32): void {
  const ld = <usize>n;
  for (let i0 = r0; i0 < r1; i0 += 8) {
    const ie = i0 + 8 < r1 ? i0 + 8 : r1;
    for (let j = i0 + 1; j < n; j++) {
      const src = K + ((<usize>j * ld) << 3);
      const iEnd = min<i32>(ie, j);
      for (let i = i0; i < iEnd; i++)
        store<f64>(K + ((<usize>i * ld + <usize>j) << 3), load<f64>(src + ((<usize>i) << 3)));
    }
  }
}

/** Mirror split: destination rows by equal areas of the upper triangle. */
function mirrorSplit(n: i32, nt: i32, t: i32): i32 {
  return n - splitLower(n, nt, nt - t);
}

/**
 * Gram / FCN kernel job. Args: X, n, d, X2 (0: symmetric X Xᵀ), m (columns),
 * K (n×m out), T (NTK out or 0), Q1 ((hidden+1)×n), Q2 ((hidden+1)×m; = Q1
 * when symmetric), TD (n, NTK diagonal), hidden, act, map (0: plain Gram),
 * PA (packed X), PB (packed X2, = PA when symmetric). f64: sw2, sb2, c1 = sw2/d.
 * Counters: 0 Gram row chunks, 1 map row chunks.
 */
export function kernelJob(ctl: usize, tid: i32, nt: i32): void {
  const X = Ctl.ptr(ctl, 0);
  const n = Ctl.arg(ctl, 1);
  const d = Ctl.arg(ctl, 2);
  const X2 = Ctl.ptr(ctl, 3);
  const m = Ctl.arg(ctl, 4);
  const K = Ctl.ptr(ctl, 5);
  const T = Ctl.ptr(ctl, 6);
  const Q1 = Ctl.ptr(ctl, 7);
  const Q2 = Ctl.ptr(ctl, 8);
  const TD = Ctl.ptr(ctl, 9);
  const hidden = Ctl.arg(ctl, 10);
  const act = Ctl.arg(ctl, 11);
  const map = Ctl.arg(ctl, 12);
  const PA = Ctl.ptr(ctl, 13);
  const PB = Ctl.ptr(ctl, 14);
  const sw2 = Ctl.f(ctl, 0);
  const sb2 = Ctl.f(ctl, 1);
  const c1 = Ctl.f(ctl, 2);
  const sym = X2 === 0;
  const ldk = <usize>m;
  // 1. pack, then the Gram matrix (symmetric: lower triangle only)
  const pn = (n + 3) >> 2;
  packPanels(PA, X, d, 1, n, d, splitEven(pn, nt, tid), splitEven(pn, nt, tid + 1));
  if (!sym) {
    const pm = (m + 3) >> 2;
    packPanels(PB, X2, d, 1, m, d, splitEven(pm, nt, tid), splitEven(pm, nt, tid + 1));
  }
  barrier(ctl, nt);
  panelGemm(ctl, 0, PA, n, sym ? PA : PB, m, d, K, m, sym, 0, CHUNK);
  if (map !== 0) {
    // 2. variance chains
    const p0 = splitEven(n, nt, tid);
    const p1 = splitEven(n, nt, tid + 1);
    if (sym) {
      barrier(ctl, nt);
      for (let i = p0; i < p1; i++)
        store<f64>(Q1 + ((<usize>i) << 3), sb2 + c1 * load<f64>(K + ((<usize>i * ldk + <usize>i) << 3)));
    } else {
      rowNorms(X, d, p0, p1, Q1);
      for (let i = p0; i < p1; i++) store<f64>(Q1 + ((<usize>i) << 3), sb2 + c1 * load<f64>(Q1 + ((<usize>i) << 3)));
      const b0 = splitEven(m, nt, tid);
      const b1 = splitEven(m, nt, tid + 1);
      rowNorms(X2, d, b0, b1, Q2);
      for (let j = b0; j < b1; j++) store<f64>(Q2 + ((<usize>j) << 3), sb2 + c1 * load<f64>(Q2 + ((<usize>j) << 3)));
      chain(Q2, m, b0, b1, 0, hidden, act, sw2, sb2);
    }
    chain(Q1, n, p0, p1, TD, hidden, act, sw2, sb2);
    barrier(ctl, nt);
    // 3. the layer maps: row chunks from the counter (longest rows first when symmetric);
    // a cross kernel with few rows also splits columns
    const MAPCHUNK = 8;
    const chunks = (n + MAPCHUNK - 1) / MAPCHUNK;
    const cb = !sym && chunks < 16 * nt ? max<i32>(256, (m + 16 * nt - 1) / (16 * nt)) : m;
    const colBlocks = (m + cb - 1) / cb;
    for (;;) {
      const g = grab(ctl, 1);
      if (g >= chunks * colBlocks) break;
      const c = sym ? chunks - 1 - g : g / colBlocks;
      const j0 = sym ? 0 : (g % colBlocks) * cb;
      const i1 = min<i32>(c * MAPCHUNK + MAPCHUNK, n);
      for (let i = c * MAPCHUNK; i < i1; i++) {
        const len = sym ? i + 1 : min<i32>(cb, m - j0);
        const off = (<usize>i * ldk + <usize>j0) << 3;
        const q2 = Q2 + ((<usize>j0) << 3);
        mapRow(K + off, T !== 0 ? T + off : 0, len, Q1 + ((<usize>i) << 3), n, q2, m, hidden, act, sw2, sb2, c1);
        if (sym) {
          const di = (<usize>i * ldk + <usize>i) << 3;
          store<f64>(K + di, load<f64>(Q1 + ((<usize>(hidden * n + i)) << 3)));
          if (T !== 0) store<f64>(T + di, load<f64>(TD + ((<usize>i) << 3)));
        }
      }
    }
  }
  if (sym) {
    barrier(ctl, nt);
    mirror(K, n, mirrorSplit(n, nt, tid), mirrorSplit(n, nt, tid + 1));
    if (map !== 0 && T !== 0) mirror(T, n, mirrorSplit(n, nt, tid), mirrorSplit(n, nt, tid + 1));
  }
}
