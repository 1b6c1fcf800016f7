/**
 * Gram matrices and the generic FCN layer-map engine, vectorised two
 * entries at a time: K¹ = σ_b² + (σ_w²/d)·Gram, then per hidden layer every
 * entry through the dual map of the job's activation code (and Θ through
 * the NTK update), the per-point variances by the diagonal map. The maps
 * themselves are generated from nngp's activation table
 * (`../generated/duals.ts`); a code without one traps.
 */
import { Dual } from '../generated/duals';
import { CHUNK, kBlock, packPanels, panelGemm, V } from './gemm';
import { M } from './layerkit';
import { barrier, Ctl, grab, splitEven, splitLower } from './sync';

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
      v128.store(k + o, Dual.pair(act, ntk, a, v128.load(bq + o), v128.load(k + o), th, vsw2, vsb2, t + o, true));
    }
    if (even < len) {
      const th = ntk ? v128.load64_splat(t + tail) : a;
      const cn = Dual.pair(
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
      const e = Dual.diagE(act, a);
      const kd = Dual.diagKd(act, a);
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
  // an activation without a dual map here must not leave the Gram matrix as "the kernel"
  if (map !== 0 && !Dual.known(act)) unreachable();
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

/** Whether activation code `act` has a dual map in this build (the JS glue refuses the others before a job). */
export function hasLayerMap(act: i32): bool {
  return Dual.known(act);
}
