/**
 * Packed, cache-blocked float64 GEMM on f64x2 (Goto/BLIS structure).
 *
 * C (m×n, row stride ldc) op= A·B, A(i, p) at A + (i·rsA + p·csA)·8 and
 * B(p, j) at B + (p·rsB + j·csB)·8, so transposes are strides. op: 0 C = AB,
 * 1 C += AB, 2 C −= AB. K is cut into blocks of KC; within a block each
 * C element accumulates its products in k order in one register lane and is
 * then added to C, so an element's arithmetic never depends on how rows or
 * columns are split between threads or tiles (results are bitwise
 * independent of the thread count).
 *
 * Register block: 4 rows × 4 columns (2 f64x2 per row, 8 accumulators), A
 * broadcast with load64_splat from a k-major micro-panel (4 values per k),
 * B from a k-major micro-panel of 4 columns; relaxed_madd (fused) in the FMA
 * build.
 */
import { Ctl, grab, W_SCRATCH, W_SCRATCH_BYTES } from './sync';

export const MR = 4;
export const KC = 256;
export const MC = 128;
export const NC = 2048;
/** Per-thread scratch the GEMM needs: packed A (MC×KC), packed B (KC×NC), a 4×4 edge tile. */
export const GEMM_SCRATCH: usize = (MC * KC + KC * NC + 16) * 8;

/** This thread's scratch area (set by `setThread`; instance globals are per thread). */
export let scratch: usize = 0;

export function setThread(ctl: usize, tid: i32): void {
  scratch = Ctl.p(ctl, W_SCRATCH) + <usize>tid * Ctl.p(ctl, W_SCRATCH_BYTES);
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class V {
  /** a·b + c (fused in the relaxed-SIMD build). */
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
    return f64x2.add(f64x2.mul(a, b), c);
  }
  @inline static zero(): v128 {
    return i64x2.splat(0);
  }
  /** Combine an accumulator into memory at p by op (0 set, 1 add, 2 subtract). */
  @inline static put(p: usize, acc: v128, op: i32): void {
    if (op === 0) v128.store(p, acc);
    else if (op === 1) v128.store(p, f64x2.add(v128.load(p), acc));
    else v128.store(p, f64x2.sub(v128.load(p), acc));
  }
}

/**
 * One 4×4 tile: C[0..mr)×[0..nr) op= Σ_{p<kc} pa[4p + r] · pb[4p + c].
 * Not inlined on purpose: V8 tiers a function up between calls, never
 * inside a running one, and this is where the time goes.
 */
export function tile(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, op: i32, mr: i32, nr: i32): void {
  let c00 = V.zero();
  let c01 = V.zero();
  let c10 = V.zero();
  let c11 = V.zero();
  let c20 = V.zero();
  let c21 = V.zero();
  let c30 = V.zero();
  let c31 = V.zero();
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    c00 = V.madd(a, b0, c00);
    c01 = V.madd(a, b1, c01);
    a = v128.load64_splat(pa, 8);
    c10 = V.madd(a, b0, c10);
    c11 = V.madd(a, b1, c11);
    a = v128.load64_splat(pa, 16);
    c20 = V.madd(a, b0, c20);
    c21 = V.madd(a, b1, c21);
    a = v128.load64_splat(pa, 24);
    c30 = V.madd(a, b0, c30);
    c31 = V.madd(a, b1, c31);
    pa += 32;
    pb += 32;
  }
  const ld = (<usize>ldc) << 3;
  if (mr === 4 && nr === 4) {
    V.put(c, c00, op);
    V.put(c + 16, c01, op);
    V.put(c + ld, c10, op);
    V.put(c + ld + 16, c11, op);
    V.put(c + 2 * ld, c20, op);
    V.put(c + 2 * ld + 16, c21, op);
    V.put(c + 3 * ld, c30, op);
    V.put(c + 3 * ld + 16, c31, op);
    return;
  }
  const t = scratch + ((<usize>(MC * KC + KC * NC)) << 3);
  v128.store(t, c00);
  v128.store(t, c01, 16);
  v128.store(t, c10, 32);
  v128.store(t, c11, 48);
  v128.store(t, c20, 64);
  v128.store(t, c21, 80);
  v128.store(t, c30, 96);
  v128.store(t, c31, 112);
  for (let r = 0; r < mr; r++) {
    const cr = c + <usize>r * ld;
    for (let q = 0; q < nr; q++) {
      const v = load<f64>(t + ((<usize>(r * 4 + q)) << 3));
      const cp = cr + ((<usize>q) << 3);
      if (op === 0) store<f64>(cp, v);
      else if (op === 1) store<f64>(cp, load<f64>(cp) + v);
      else store<f64>(cp, load<f64>(cp) - v);
    }
  }
}

/** Pack rows [0, mc) × k [0, kc) of A into 4-row k-major micro-panels (zero rows past mc). */
export function packA(dst: usize, A: usize, rsA: i32, csA: i32, mc: i32, kc: i32): void {
  const rs = (<usize>rsA) << 3;
  const cs = (<usize>csA) << 3;
  for (let ir = 0; ir < mc; ir += 4) {
    const rows = min<i32>(mc - ir, 4);
    const a0 = A + <usize>ir * rs;
    if (rows === 4) {
      let s = a0;
      for (let p = 0; p < kc; p++) {
        store<f64>(dst, load<f64>(s));
        store<f64>(dst, load<f64>(s + rs), 8);
        store<f64>(dst, load<f64>(s + 2 * rs), 16);
        store<f64>(dst, load<f64>(s + 3 * rs), 24);
        s += cs;
        dst += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < 4; r++) {
          store<f64>(dst + ((<usize>r) << 3), r < rows ? load<f64>(a0 + <usize>r * rs + <usize>p * cs) : 0.0);
        }
        dst += 32;
      }
    }
  }
}

/** Pack k [0, kc) × columns [0, nc) of B into 4-column k-major micro-panels (zero columns past nc). */
export function packB(dst: usize, B: usize, rsB: i32, csB: i32, kc: i32, nc: i32): void {
  const rs = (<usize>rsB) << 3;
  const cs = (<usize>csB) << 3;
  for (let jr = 0; jr < nc; jr += 4) {
    const cols = min<i32>(nc - jr, 4);
    const b0 = B + <usize>jr * cs;
    if (cols === 4 && csB === 1) {
      let s = b0;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        s += rs;
        dst += 32;
      }
    } else if (cols === 4) {
      let s = b0;
      for (let p = 0; p < kc; p++) {
        store<f64>(dst, load<f64>(s));
        store<f64>(dst, load<f64>(s + cs), 8);
        store<f64>(dst, load<f64>(s + 2 * cs), 16);
        store<f64>(dst, load<f64>(s + 3 * cs), 24);
        s += rs;
        dst += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let q = 0; q < 4; q++) {
          store<f64>(dst + ((<usize>q) << 3), q < cols ? load<f64>(b0 + <usize>p * rs + <usize>q * cs) : 0.0);
        }
        dst += 32;
      }
    }
  }
}

/**
 * C op= A·B (see the module comment). `lower` ≥ 0 restricts the work to
 * tiles holding some element with j ≤ i + lower (i, j local): the lower
 * triangle of a row block that starts `lower` rows below the diagonal.
 * Elements of such tiles above that line are computed too (callers ignore
 * or overwrite them). Uses this thread's scratch for packing.
 */
export function gemm(
  m: i32,
  n: i32,
  k: i32,
  A: usize,
  rsA: i32,
  csA: i32,
  B: usize,
  rsB: i32,
  csB: i32,
  C: usize,
  ldc: i32,
  op: i32,
  lower: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const pA = scratch;
  const pB = scratch + ((<usize>(MC * KC)) << 3);
  const ld = <usize>ldc;
  if (k <= 0) {
    if (op === 0) {
      for (let i = 0; i < m; i++) memory.fill(C + ((<usize>i * ld) << 3), 0, (<usize>n) << 3);
    }
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    if (lower >= 0 && jc > m - 1 + lower) break;
    const nc = min<i32>(n - jc, NC);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min<i32>(k - pc, KC);
      const opk = pc === 0 ? op : op === 0 ? 1 : op;
      packB(pB, B + ((<usize>pc * <usize>rsB + <usize>jc * <usize>csB) << 3), rsB, csB, kc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min<i32>(m - ic, MC);
        if (lower >= 0 && jc > ic + mc - 1 + lower) continue;
        packA(pA, A + ((<usize>ic * <usize>rsA + <usize>pc * <usize>csA) << 3), rsA, csA, mc, kc);
        for (let jr = 0; jr < nc; jr += 4) {
          const nr = min<i32>(nc - jr, 4);
          const pb = pB + ((<usize>(jr * kc)) << 3);
          for (let ir = 0; ir < mc; ir += 4) {
            if (lower >= 0 && jc + jr > ic + ir + 3 + lower) continue;
            const mr = min<i32>(mc - ir, 4);
            const c = C + ((<usize>(ic + ir) * ld + <usize>(jc + jr)) << 3);
            tile(kc, pA + ((<usize>(ir * kc)) << 3), pb, c, ldc, opk, mr, nr);
          }
        }
      }
    }
  }
}

/**
 * Pack panels [p0, p1) of a rows×k matrix M (M(i, p) at M + (i·rs + p·cs)·8)
 * into the shared panel layout used by `panelGemm`: K cut into equal blocks
 * of at most KC (`kBlock`); the block at column b (width kb) starts at b·rowsP·8 (rowsP = rows rounded up to 4),
 * panel I of it at + I·kb·32, element (4I + r, b·KC + p) at + (4p + r)·8;
 * rows past `rows` are zero.
 */
export function packPanels(dst: usize, M: usize, rs: i32, cs: i32, rows: i32, k: i32, p0: i32, p1: i32): void {
  const rowsP = <usize>((rows + 3) & ~3);
  const kcE = kBlock(k);
  for (let b = 0; b < k; b += kcE) {
    const kb = min<i32>(k - b, kcE);
    const base = dst + ((<usize>b * rowsP) << 3);
    for (let I = p0; I < p1; I++) {
      const r0 = I << 2;
      const nr = min<i32>(rows - r0, 4);
      const src = M + ((<usize>r0 * <usize>rs + <usize>b * <usize>cs) << 3);
      const out = base + ((<usize>(I * kb)) << 5);
      if (nr === 4 && rs === 1) packB(out, src, cs, 1, kb, 4);
      else if (nr === 4) packA(out, src, rs, cs, 4, kb);
      else packA(out, src, rs, cs, nr, kb);
    }
  }
}

/** Rows of C per dynamically scheduled chunk of `panelGemm` by default (16 micro-panels: A in L2, B panels reused 16×). */
export const CHUNK = 64;

/** Smallest column block of `panelGemm` when it splits columns (a multiple of 4). */
const COL_BLOCK = 256;

/** The K block of packed panels: K split into ⌈k/KC⌉ equal blocks (784 → 4 × 196, not 3 × 256 + 16). */
export function kBlock(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return blocks > 0 ? (k + blocks - 1) / blocks : KC;
}

/**
 * C (m×n, stride ldc) op0= A·Bᵀ from packed panels (A: m rows, B: n rows,
 * both k wide, see `packPanels`); op0 0 sets C, 2 subtracts. Row chunks of `chunk` rows (a multiple of 4) are handed out by work
 * counter `cnt` (largest first when `sym`, which computes only the tiles
 * holding some j ≤ i: the lower triangle); with few row chunks, (rows ×
 * column block) items instead. Each element's sum runs over K in
 * block order, so the result does not depend on the scheduling.
 */
export function panelGemm(
  ctl: usize,
  cnt: i32,
  PA: usize,
  m: i32,
  PB: usize,
  n: i32,
  k: i32,
  C: usize,
  ldc: i32,
  sym: bool,
  op0: i32,
  chunk: i32,
): void {
  const chunks = (m + chunk - 1) / chunk;
  // columns in blocks too when the rows alone give too few work items (a few rows × many columns)
  const cb = !sym && chunks < 16 ? max<i32>(COL_BLOCK, ((n + 15) / 16 + 3) & ~3) : n;
  const colBlocks = (n + cb - 1) / cb;
  const items = chunks * colBlocks;
  const kcE = kBlock(k);
  const mP = <usize>((m + 3) & ~3);
  const nP = <usize>((n + 3) & ~3);
  const ld = <usize>ldc;
  for (;;) {
    const g = grab(ctl, cnt);
    if (g >= items) return;
    const c = sym ? chunks - 1 - g : g / colBlocks;
    const i0 = c * chunk;
    const i1 = min<i32>(i0 + chunk, m);
    const j0 = sym ? 0 : (g % colBlocks) * cb;
    const jEnd = sym ? i1 : min<i32>(j0 + cb, n);
    for (let b = 0; b < k; b += kcE) {
      const kb = min<i32>(k - b, kcE);
      const op = b === 0 ? op0 : op0 === 0 ? 1 : op0;
      const pa = PA + ((<usize>b * mP) << 3);
      const pb = PB + ((<usize>b * nP) << 3);
      const step = (<usize>kb) << 5;
      for (let j = j0; j < jEnd; j += 4) {
        const nr = min<i32>(n - j, 4);
        const bj = pb + <usize>(j >> 2) * step;
        for (let i = i0; i < i1; i += 4) {
          if (sym && j > i + 3) continue;
          tile(
            kb,
            pa + <usize>(i >> 2) * step,
            bj,
            C + ((<usize>i * ld + <usize>j) << 3),
            ldc,
            op,
            min<i32>(m - i, 4),
            nr,
          );
        }
      }
    }
  }
}
