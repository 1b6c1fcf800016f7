/**
 * The conv-map engine: the CNN-GP with flatten readout (nngp's CNN kernel),
 * vectorised over pairs of inputs — lane k of every f64x2 is the pair
 * (row point i, column point 2b + k). Per pair, with channel means
 * V⁰_p = mean_c x_{p,c} x'_{p,c}, each conv layer maps
 *
 *   A_p = σ_b² + σ_w²·(1/(kh·kw))·Σ_δ V_{s·p+δ−pad},   Θ_p = A_p + σ_w²·(1/(kh·kw))·Σ_δ T_{s·p+δ−pad},
 *   V_p ← E(q_p, q'_p, A_p),   T_p ← Ė(q_p, q'_p, A_p)·Θ_p
 *
 * (q_p, q'_p: each input's own A_p; padded positions count as zeros), then
 * K = σ_b² + σ_w²·mean_p V_p, Θ = K + σ_w²·mean_p T_p at the first dense
 * pre-activation, then `hidden` dense maps (`Dual.pair`). Only same-position
 * covariances appear (flatten): O(Σ_l P_l·(kh + kw)) per pair, the window
 * sums taken separably (a row pass, then a column pass).
 *
 * Phases: (1) every input alone (two inputs per f64x2), writing its record
 * of S doubles — A_p of every conv layer, then the dense variances
 * q[0..hidden], then its readout NTK — interleaved by pairs of inputs, the
 * column side's layout; (2) the pairs, row chunks (× column blocks for a
 * cross kernel) from a counter; (3) the
 * symmetric case mirrors. Each entry's arithmetic is the same whichever
 * thread or lane computes it, so results do not depend on the thread count,
 * and an input paired with an identical one gives its own record's values.
 */
import { Dual } from '../generated/duals';
import { M } from './layerkit';
import { barrier, Ctl, grab, splitLower } from './sync';

/** i32 words per conv layer in the geometry table: H, W, OH, OW, kh, kw, sh, sw, ph, pw. */
const GEOM = 10;

function gi(G: usize, l: i32, k: i32): i32 {
  return load<i32>(G + ((<usize>(l * GEOM + k)) << 2));
}

/**
 * Window sums of one conv layer, separably: R[y][ox] = Σ_kx src[y][ox·sw − pw + kx]
 * (row pass, valid x only), then dst[oy][ox] = Σ_ky R[oy·sh − ph + ky][ox].
 */
function windowSums(G: usize, l: i32, src: usize, R: usize, dst: usize): void {
  const H = gi(G, l, 0);
  const W = gi(G, l, 1);
  const OH = gi(G, l, 2);
  const OW = gi(G, l, 3);
  const kh = gi(G, l, 4);
  const kw = gi(G, l, 5);
  const sh = gi(G, l, 6);
  const sw = gi(G, l, 7);
  const ph = gi(G, l, 8);
  const pw = gi(G, l, 9);
  for (let ox = 0; ox < OW; ox++) {
    const x0 = ox * sw - pw;
    const k0 = max<i32>(0, -x0);
    const k1 = min<i32>(kw, W - x0);
    for (let y = 0; y < H; y++) {
      const row = src + ((<usize>(y * W + x0)) << 4);
      let s = f64x2.splat(0.0);
      for (let k = k0; k < k1; k++) s = f64x2.add(s, v128.load(row + ((<usize>k) << 4)));
      v128.store(R + ((<usize>(y * OW + ox)) << 4), s);
    }
  }
  for (let oy = 0; oy < OH; oy++) {
    const y0 = oy * sh - ph;
    const k0 = max<i32>(0, -y0);
    const k1 = min<i32>(kh, H - y0);
    for (let ox = 0; ox < OW; ox++) {
      let s = f64x2.splat(0.0);
      for (let k = k0; k < k1; k++) s = f64x2.add(s, v128.load(R + ((<usize>((y0 + k) * OW + ox)) << 4)));
      v128.store(dst + ((<usize>(oy * OW + ox)) << 4), s);
    }
  }
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
class Pos {
  /**
   * The map at one position (byte offset o): A from the window sum in vout,
   * Θ from the one in tout (read first: Ė is written there), then
   * V = E(qa, qb, A) and T = Ė·Θ. `self`: qa = qb = A, and A goes to the record qb.
   */
  @inline static map(
    act: i32,
    ntk: bool,
    self: bool,
    l: i32,
    vout: usize,
    tout: usize,
    qa: usize,
    qb: usize,
    o: usize,
    inv: v128,
    vsw2: v128,
    vsb2: v128,
  ): void {
    const a = f64x2.add(vsb2, f64x2.mul(vsw2, f64x2.mul(v128.load(vout + o), inv)));
    let th = a;
    if (ntk && l > 0) th = f64x2.add(a, f64x2.mul(vsw2, f64x2.mul(v128.load(tout + o), inv)));
    let e: v128;
    if (self) {
      v128.store(qb + o, a);
      e = Dual.ek(act, ntk, a, a, a, tout + o);
    } else e = Dual.ek(act, ntk, v128.load64_splat(qa + o), v128.load(qb + o), a, tout + o);
    v128.store(vout + o, e);
    if (ntk) v128.store(tout + o, f64x2.mul(v128.load(tout + o), th));
  }
}

/**
 * One conv layer's maps at positions [0, Po), four per iteration (independent
 * chains the CPU overlaps). Records from qa (row input: one lane, splatted)
 * and qb, or, `self`, written to qb.
 */
function mapLayer(
  act: i32,
  ntk: bool,
  self: bool,
  l: i32,
  Po: i32,
  vout: usize,
  tout: usize,
  qa: usize,
  qb: usize,
  inv: v128,
  vsw2: v128,
  vsb2: v128,
): void {
  const four = Po & ~3;
  for (let p = 0; p < four; p += 4) {
    const o = (<usize>p) << 4;
    Pos.map(act, ntk, self, l, vout, tout, qa, qb, o, inv, vsw2, vsb2);
    Pos.map(act, ntk, self, l, vout, tout, qa, qb, o + 16, inv, vsw2, vsb2);
    Pos.map(act, ntk, self, l, vout, tout, qa, qb, o + 32, inv, vsw2, vsb2);
    Pos.map(act, ntk, self, l, vout, tout, qa, qb, o + 48, inv, vsw2, vsb2);
  }
  for (let p = four; p < Po; p++) Pos.map(act, ntk, self, l, vout, tout, qa, qb, (<usize>p) << 4, inv, vsw2, vsb2);
}

/**
 * The conv layers and flatten readout of two pairs (one per lane), then the
 * dense tail. Inputs: xa, xb (D doubles each, interleaved: element e at
 * +16e; `splat`: xa/qa are one lane of a pair record, loaded into both
 * lanes), records qa, qb (S doubles, interleaved). `self`: xa = xb is the
 * same pair of inputs, each with itself; the record qb is written as the
 * layers go (q = A) and read back, so the dual sees (A, A, A).
 * Workspace ws: a slot for the dense tail's Θ, the results K and Θ (ws + 16, ws + 32),
 * V and T of every layer (P_l entries each), two row-pass buffers.
 */
function convPairs(ctl: usize, ws: usize, xa: usize, xb: usize, qa: usize, qb: usize, splat: bool, self: bool): void {
  const D = Ctl.arg(ctl, 2);
  const C = Ctl.arg(ctl, 3);
  const T0 = Ctl.ptr(ctl, 8);
  const G = Ctl.ptr(ctl, 12);
  const L = Ctl.arg(ctl, 13);
  const hidden = Ctl.arg(ctl, 14);
  const act = Ctl.arg(ctl, 15);
  const vOff = Ctl.arg(ctl, 18);
  const rOff = Ctl.arg(ctl, 19);
  const ntk = T0 !== 0;
  const sw2 = Ctl.f(ctl, 0);
  const sb2 = Ctl.f(ctl, 1);
  const vsw2 = M.s(sw2);
  const vsb2 = M.s(sb2);
  const slot = ws;
  const V = ws + 48;
  const T = V + ((<usize>vOff) << 4);
  const R = T + ((<usize>vOff) << 4);
  const RT = R + ((<usize>rOff) << 4);
  // layer 0: channel means of x ⊙ x' (T⁰ = 0)
  const P0 = D / C;
  const vc = M.s(<f64>C);
  for (let p = 0; p < P0; p++) {
    let s = f64x2.splat(0.0);
    for (let c = 0; c < C; c++) {
      const o = (<usize>(p * C + c)) << 4;
      const a = splat ? v128.load64_splat(xa + o) : v128.load(xa + o);
      s = f64x2.add(s, f64x2.mul(a, v128.load(xb + o)));
    }
    v128.store(V + ((<usize>p) << 4), f64x2.div(s, vc));
  }
  let vin = V;
  let tin = T;
  let qo = 0;
  let P = P0;
  for (let l = 0; l < L; l++) {
    const Po = gi(G, l, 2) * gi(G, l, 3);
    const vout = vin + ((<usize>P) << 4);
    const tout = tin + ((<usize>P) << 4);
    const inv = M.s(1.0 / <f64>(gi(G, l, 4) * gi(G, l, 5)));
    // the window sums land in vout (and tout), then are mapped in place
    windowSums(G, l, vin, R, vout);
    if (ntk && l > 0) windowSums(G, l, tin, RT, tout);
    const qo4 = (<usize>qo) << 4;
    if (self) mapLayer(act, ntk, true, l, Po, vout, tout, 0, qb + qo4, inv, vsw2, vsb2);
    else mapLayer(act, ntk, false, l, Po, vout, tout, qa + qo4, qb + qo4, inv, vsw2, vsb2);
    vin = vout;
    tin = tout;
    qo += Po;
    P = Po;
  }
  // flatten: the first dense pre-activation
  let s = f64x2.splat(0.0);
  let st = f64x2.splat(0.0);
  for (let p = 0; p < P; p++) {
    s = f64x2.add(s, v128.load(vin + ((<usize>p) << 4)));
    if (ntk) st = f64x2.add(st, v128.load(tin + ((<usize>p) << 4)));
  }
  const vp = M.s(<f64>P);
  let k = f64x2.add(vsb2, f64x2.mul(vsw2, f64x2.div(s, vp)));
  let t = ntk ? f64x2.add(k, f64x2.mul(vsw2, f64x2.div(st, vp))) : k;
  // the dense tail
  for (let h = 0; h < hidden; h++) {
    const qp = (<usize>(qo + h)) << 4;
    let qva: v128;
    let qvb: v128;
    if (self) {
      v128.store(qb + qp, k);
      qva = k;
      qvb = k;
    } else {
      qva = splat ? v128.load64_splat(qa + qp) : v128.load(qa + qp);
      qvb = v128.load(qb + qp);
    }
    k = Dual.pair(act, ntk, qva, qvb, k, t, vsw2, vsb2, slot, true);
    if (ntk) t = v128.load(slot);
  }
  if (self) {
    v128.store(qb + ((<usize>(qo + hidden)) << 4), k);
    v128.store(qb + ((<usize>(qo + hidden + 1)) << 4), t);
  }
  v128.store(ws + 16, k);
  v128.store(ws + 32, t);
}

/** Copy the strict lower triangle of the n×n matrix at K onto the upper, destination rows [r0, r1). */
function mirror(K: usize, n: i32, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++)
    for (let j = i + 1; j < n; j++)
      store<f64>(K + ((<usize>i * <usize>n + <usize>j) << 3), load<f64>(K + ((<usize>j * <usize>n + <usize>i) << 3)));
}

/** Every input of one side alone: records of pairs of inputs [counter's blocks), interleaved. */
function selfPhase(ctl: usize, ws: usize, XP: usize, Q: usize, n: i32, D: i32, S: i32, counter: i32): void {
  const blocks = (n + 1) >> 1;
  for (;;) {
    const b = grab(ctl, counter);
    if (b >= blocks) break;
    const x = XP + ((<usize>b * <usize>D) << 4);
    const q = Q + ((<usize>b * <usize>S) << 4);
    convPairs(ctl, ws, x, x, q, q, false, true);
  }
}

/**
 * CNN kernel job. Args: 0 XP1 (X packed by pairs of inputs, interleaved:
 * ⌈n/2⌉ × D × 2; an odd n repeats its last input), 1 n, 2 D, 3 C (input
 * channels), 4 —, 5 XP2 (X2 packed, 0: symmetric), 6 m, 7 K (n×m out),
 * 8 T (NTK out or 0), 9 Q1, 10 Q2 (records, ⌈·/2⌉ × S × 2; = Q1 when
 * symmetric), 11 S, 12 G (geometry), 13 L (conv layers), 14 hidden, 15 act,
 * 16 WS (workspace), 17 WSB (its bytes per thread), 18 ΣP_l (l = 0..L),
 * 19 max row-pass size. f64: sw2, sb2. Counters: 0, 1 self blocks of X,
 * X2; 2 row chunks (× column blocks).
 */
export function cnnJob(ctl: usize, tid: i32, nt: i32): void {
  const XP1 = Ctl.ptr(ctl, 0);
  const n = Ctl.arg(ctl, 1);
  const D = Ctl.arg(ctl, 2);
  const XP2 = Ctl.ptr(ctl, 5);
  const m = Ctl.arg(ctl, 6);
  const K = Ctl.ptr(ctl, 7);
  const T = Ctl.ptr(ctl, 8);
  const Q1 = Ctl.ptr(ctl, 9);
  const Q2 = Ctl.ptr(ctl, 10);
  const S = Ctl.arg(ctl, 11);
  const act = Ctl.arg(ctl, 15);
  const ws = Ctl.ptr(ctl, 16) + <usize>tid * Ctl.ptr(ctl, 17);
  if (!Dual.known(act)) unreachable();
  const sym = XP2 === 0;
  // 1. every input alone
  selfPhase(ctl, ws, XP1, Q1, n, D, S, 0);
  if (!sym) selfPhase(ctl, ws, XP2, Q2, m, D, S, 1);
  barrier(ctl, nt);
  // 2. the pairs: row chunks (longest rows first when symmetric); a cross block also splits its
  // columns (blocks of 64, an even count: pairs of columns stay together), so few rows still use every thread
  const CHUNK = 2;
  const chunks = (n + CHUNK - 1) / CHUNK;
  const CB = 64;
  const colBlocks = sym ? 1 : (m + CB - 1) / CB;
  const ld = <usize>m;
  const qk = (<usize>(S - 2)) << 4;
  for (;;) {
    const g = grab(ctl, 2);
    if (g >= chunks * colBlocks) break;
    const c = sym ? chunks - 1 - g : g / colBlocks;
    const j0 = sym ? 0 : (g % colBlocks) * CB;
    const i1 = min<i32>(c * CHUNK + CHUNK, n);
    for (let i = c * CHUNK; i < i1; i++) {
      const lane = (<usize>(i & 1)) << 3;
      const xa = XP1 + ((<usize>(i >> 1) * <usize>D) << 4) + lane;
      const qa = Q1 + ((<usize>(i >> 1) * <usize>S) << 4) + lane;
      const cols = sym ? i : min<i32>(m, j0 + CB);
      const row = K + ((<usize>i * ld) << 3);
      const trow = T !== 0 ? T + ((<usize>i * ld) << 3) : 0;
      for (let j = j0; j < cols; j += 2) {
        const xb = (sym ? XP1 : XP2) + ((<usize>(j >> 1) * <usize>D) << 4);
        const qb = Q2 + ((<usize>(j >> 1) * <usize>S) << 4);
        convPairs(ctl, ws, xa, xb, qa, qb, true, false);
        store<f64>(row + ((<usize>j) << 3), load<f64>(ws + 16));
        if (trow !== 0) store<f64>(trow + ((<usize>j) << 3), load<f64>(ws + 32));
        if (j + 1 < cols) {
          store<f64>(row + ((<usize>(j + 1)) << 3), load<f64>(ws + 24));
          if (trow !== 0) store<f64>(trow + ((<usize>(j + 1)) << 3), load<f64>(ws + 40));
        }
      }
      if (sym) {
        // the diagonal: the input's own record (readout variance, readout NTK)
        store<f64>(row + ((<usize>i) << 3), load<f64>(qa + qk));
        if (trow !== 0) store<f64>(trow + ((<usize>i) << 3), load<f64>(qa + qk + 16));
      }
    }
  }
  if (sym) {
    barrier(ctl, nt);
    const r0 = n - splitLower(n, nt, nt - tid);
    const r1 = n - splitLower(n, nt, nt - tid - 1);
    mirror(K, n, r0, r1);
    if (T !== 0) mirror(T, n, r0, r1);
  }
}
