/**
 * Fully connected nets d → h1 → … → hH → 1, many nets per call, in f32 or f64.
 *
 * Layout: activations are stored transposed, [units × mp] (mp = m rounded up
 * to 8), so one SIMD vector holds one unit on 4 (f32) or 2 (f64) inputs. A
 * dense layer is out[o, i] = φ(b[o] + Σ_k W[o, k] · in[k, i]), computed in
 * register tiles of 4 units × 2 vectors (8 accumulators), the weight
 * broadcast from memory; fan-in is blocked by KB so the input strip stays in
 * L1 for large fan-ins.
 *
 * Parameters come in the order of `arch/params.ts` (per layer W [out × in]
 * row-major, then b [out] when the net has biases) and are kept in the
 * module's own "packed" layout: each group of 4 consecutive units stores its
 * weights k-major, W[4g+r, k] at (4g·K + 4k + r), so a tile's 4 broadcasts
 * come from one pointer with immediate offsets (V8 otherwise runs out of
 * registers); the units past the last full group, and the biases, stay
 * where they are.
 *
 * The configuration (shapes, buffer addresses, prior scales) lives at
 * `cfgPtr()`, written by the JS glue (`backend/wasm-module.ts`), which owns the
 * memory layout above `__heap_base`.
 */
import { normalsInto } from './gaussian';
import { ACT_NONE, Act } from './generated/activations';

// Config slots (i32 index); f64 scales from byte offset CFG_F64.
const C_D = 0;
const C_H = 1;
const C_ACT = 2;
const C_BIAS = 3;
const C_M = 4;
const C_MP = 5;
const C_P = 6;
const C_XT = 7;
const C_BUFA = 8;
const C_BUFB = 9;
const C_PAR = 10;
const C_OUT = 11;
const C_WIDTHS = 16;
export const MAX_HIDDEN = 64;
const CFG_F64: usize = 512;
const CFG: usize = memory.data(512 + 2 * (MAX_HIDDEN + 1) * 8, 16);

/** Fan-in block: the input strip of one tile (KB rows × 32 bytes) stays in L1. */
const KB = 256;

export function cfgPtr(): usize {
  return CFG;
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class V {
  @inline static cfg(slot: i32): i32 {
    return load<i32>(CFG + ((slot as usize) << 2));
  }

  /** a·b + c (fused in the relaxed-SIMD build). */
  @inline static madd<T>(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
    return v128.add<T>(v128.mul<T>(a, b), c);
  }

  @inline static zero(): v128 {
    return i64x2.splat(0);
  }

  /** f64x2 function of an f32x4, evaluated in f64 and rounded once. */
  @inline static viaF64(x: v128, act: i32): v128 {
    const lo = f64x2.promote_low_f32x4(x);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
    const a = Act.smooth(lo, act);
    const b = Act.smooth(hi, act);
    return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
  }
}

/** A smooth activation over rows [0, O) of a layer output (a separate pass: calls inside the tile loops make V8 spill). */
function applySmooth<T>(out: usize, O: i32, rb: usize, act: i32): void {
  const end = out + (O as usize) * rb;
  for (let p = out; p < end; p += 16) {
    const x = v128.load(p);
    let y: v128;
    if (sizeof<T>() === 8) y = Act.smooth(x, act);
    else y = V.viaF64(x, act);
    v128.store(p, y);
  }
}

/**
 * out[o, :] = φ(b[o] + Σ_k W[o, k] · inp[k, :]) for o < O, k < K, over mp
 * inputs (rows of `inp` and `out` are mp values apart; mp a multiple of 8).
 * Also the GEMM of the conv layers (`cnn.ts`: W [outC × kh·kw·inC], inp
 * their im2col matrix). Each output sums its K products in k order, from
 * the bias (the float64 reference's order).
 */
export function dense<T>(
  W: usize,
  B: usize,
  bias: bool,
  K: i32,
  O: i32,
  inp: usize,
  out: usize,
  mp: i32,
  act: i32,
): void {
  const sz = sizeof<T>() as usize;
  const rb = (mp as usize) * sz;
  const kBytes = (K as usize) * sz;
  const O4 = O & ~3;
  for (let k0 = 0; k0 < K; k0 += KB) {
    const k1 = min(K, k0 + KB);
    const first = k0 === 0;
    const lastBlock = k1 === K;
    const kOff = (k0 as usize) * sz;
    const kn = k1 - k0;
    for (let c: usize = 0; c < rb; c += 32) {
      const ip0 = inp + (k0 as usize) * rb + c;
      for (let o = 0; o < O4; o += 4) {
        // packed group: W[o+r, k] at w0 + (4k + r)·sz
        const w0 = W + (o as usize) * kBytes + 4 * kOff;
        const op = out + (o as usize) * rb + c;
        let a00: v128;
        let a01: v128;
        let a10: v128;
        let a11: v128;
        let a20: v128;
        let a21: v128;
        let a30: v128;
        let a31: v128;
        if (first) {
          if (bias) {
            const bp = B + (o as usize) * sz;
            a00 = a01 = v128.load_splat<T>(bp);
            a10 = a11 = v128.load_splat<T>(bp + sz);
            a20 = a21 = v128.load_splat<T>(bp + 2 * sz);
            a30 = a31 = v128.load_splat<T>(bp + 3 * sz);
          } else {
            a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = V.zero();
          }
        } else {
          a00 = v128.load(op);
          a01 = v128.load(op, 16);
          a10 = v128.load(op + rb);
          a11 = v128.load(op + rb, 16);
          a20 = v128.load(op + 2 * rb);
          a21 = v128.load(op + 2 * rb, 16);
          a30 = v128.load(op + 3 * rb);
          a31 = v128.load(op + 3 * rb, 16);
        }
        let ip = ip0;
        const wEnd = w0 + (kn as usize) * 4 * sz;
        for (let wp = w0; wp < wEnd; wp += 4 * sz) {
          const x0 = v128.load(ip);
          const x1 = v128.load(ip, 16);
          const s0 = v128.load_splat<T>(wp);
          a00 = V.madd<T>(s0, x0, a00);
          a01 = V.madd<T>(s0, x1, a01);
          const s1 = v128.load_splat<T>(wp, sz);
          a10 = V.madd<T>(s1, x0, a10);
          a11 = V.madd<T>(s1, x1, a11);
          const s2 = v128.load_splat<T>(wp, 2 * sz);
          a20 = V.madd<T>(s2, x0, a20);
          a21 = V.madd<T>(s2, x1, a21);
          const s3 = v128.load_splat<T>(wp, 3 * sz);
          a30 = V.madd<T>(s3, x0, a30);
          a31 = V.madd<T>(s3, x1, a31);
          ip += rb;
        }
        if (lastBlock) {
          a00 = Act.fused<T>(a00, act);
          a01 = Act.fused<T>(a01, act);
          a10 = Act.fused<T>(a10, act);
          a11 = Act.fused<T>(a11, act);
          a20 = Act.fused<T>(a20, act);
          a21 = Act.fused<T>(a21, act);
          a30 = Act.fused<T>(a30, act);
          a31 = Act.fused<T>(a31, act);
        }
        v128.store(op, a00);
        v128.store(op, a01, 16);
        v128.store(op + rb, a10);
        v128.store(op + rb, a11, 16);
        v128.store(op + 2 * rb, a20);
        v128.store(op + 2 * rb, a21, 16);
        v128.store(op + 3 * rb, a30);
        v128.store(op + 3 * rb, a31, 16);
      }
    }
    for (let o = O4; o < O; o++) {
      denseRow<T>(
        W + (o as usize) * kBytes + kOff,
        B + (o as usize) * sz,
        bias && first,
        !first,
        k0,
        kn,
        inp,
        out + (o as usize) * rb,
        rb,
      );
      if (lastBlock && Act.isFused(act)) {
        const op = out + (o as usize) * rb;
        for (let c: usize = 0; c < rb; c += 16) v128.store(op + c, Act.fused<T>(v128.load(op + c), act));
      }
    }
  }
  if (Act.isSmooth(act)) applySmooth<T>(out, O, rb, act);
}

/**
 * One unit's row: out[c] (+)= Σ_{k<kn} w[k] · inp[k0 + k, c], over the row's
 * rb bytes, 4 vectors at a time (a lone unit, e.g. the readout, would
 * otherwise wait on one accumulator chain).
 */
function denseRow<T>(
  w: usize,
  bp: usize,
  bias: bool,
  accumulate: bool,
  k0: i32,
  kn: i32,
  inp: usize,
  op: usize,
  rb: usize,
): void {
  const sz = sizeof<T>() as usize;
  const wEnd = (kn as usize) * sz;
  const b0 = bias ? v128.load_splat<T>(bp) : V.zero();
  let c: usize = 0;
  for (; c + 64 <= rb; c += 64) {
    let a0 = b0;
    let a1 = b0;
    let a2 = b0;
    let a3 = b0;
    if (accumulate) {
      a0 = v128.load(op + c);
      a1 = v128.load(op + c, 16);
      a2 = v128.load(op + c, 32);
      a3 = v128.load(op + c, 48);
    }
    let ip = inp + (k0 as usize) * rb + c;
    for (let wo: usize = 0; wo < wEnd; wo += sz) {
      const s = v128.load_splat<T>(w + wo);
      a0 = V.madd<T>(s, v128.load(ip), a0);
      a1 = V.madd<T>(s, v128.load(ip, 16), a1);
      a2 = V.madd<T>(s, v128.load(ip, 32), a2);
      a3 = V.madd<T>(s, v128.load(ip, 48), a3);
      ip += rb;
    }
    v128.store(op + c, a0);
    v128.store(op + c, a1, 16);
    v128.store(op + c, a2, 32);
    v128.store(op + c, a3, 48);
  }
  for (; c < rb; c += 16) {
    let a0 = accumulate ? v128.load(op + c) : b0;
    let ip = inp + (k0 as usize) * rb + c;
    for (let wo: usize = 0; wo < wEnd; wo += sz) {
      a0 = V.madd<T>(v128.load_splat<T>(w + wo), v128.load(ip), a0);
      ip += rb;
    }
    v128.store(op + c, a0);
  }
}

/** Forward pass of one net with parameters at `par` (type T); readout pre-activations land at cfg OUT. */
function forwardNet<T>(par: usize): void {
  const sz = sizeof<T>() as usize;
  const H = V.cfg(C_H);
  const act = V.cfg(C_ACT);
  // an activation code this build does not know must not run as the identity (a linear net)
  if (!Act.known(act)) unreachable();
  const bias = V.cfg(C_BIAS) !== 0;
  const mp = V.cfg(C_MP);
  let inp = V.cfg(C_XT) as usize;
  let dst = V.cfg(C_BUFA) as usize;
  let spare = V.cfg(C_BUFB) as usize;
  let K = V.cfg(C_D);
  let p = par;
  for (let l = 0; l < H; l++) {
    const O = V.cfg(C_WIDTHS + l);
    const W = p;
    p += (O as usize) * (K as usize) * sz;
    const B = p;
    if (bias) p += (O as usize) * sz;
    dense<T>(W, B, bias, K, O, inp, dst, mp, act);
    inp = dst;
    dst = spare;
    spare = inp;
    K = O;
  }
  const W = p;
  dense<T>(W, W + (K as usize) * sz, bias, K, 1, inp, V.cfg(C_OUT) as usize, mp, ACT_NONE);
}

/**
 * Draw one layer's parameters θ = scale ⊙ z (z from the Gaussian stream, in
 * f64): W [O × K] (in stream order; `packed`: in `dense`'s packed layout),
 * then b [O] when `bias`, into the T buffer at p. Returns the next free byte.
 */
export function sampleLayer<T>(p: usize, O: i32, K: i32, ws: f64, bs: f64, bias: bool, packed: bool): usize {
  const sz = sizeof<T>() as usize;
  const O4 = packed ? O & ~3 : 0;
  const rowBytes = (K as usize) * sz;
  // Rows in stream order; a row of a full group is strided by 4 in the packed layout.
  for (let o = 0; o < O4; o++)
    normalsInto<T>(p + ((o >> 2) as usize) * 4 * rowBytes + ((o & 3) as usize) * sz, K, ws, 4 * sz);
  if (O4 < O) normalsInto<T>(p + (O4 as usize) * rowBytes, (O - O4) * K, ws, sz);
  p += ((O * K) as usize) * sz;
  if (bias) {
    normalsInto<T>(p, O, bs);
    p += (O as usize) * sz;
  }
  return p;
}

/** Draw one net's parameters θ = scale ⊙ z into the T buffer. */
function sampleNet<T>(par: usize, packed: bool): void {
  const H = V.cfg(C_H);
  const bias = V.cfg(C_BIAS) !== 0;
  let K = V.cfg(C_D);
  let p = par;
  for (let l = 0; l <= H; l++) {
    const O = l < H ? V.cfg(C_WIDTHS + l) : 1;
    const ws = load<f64>(CFG + CFG_F64 + ((2 * l) as usize) * 8);
    const bs = load<f64>(CFG + CFG_F64 + ((2 * l + 1) as usize) * 8);
    p = sampleLayer<T>(p, O, K, ws, bs, bias, packed);
    K = O;
  }
}

/** Sign bits of m values of T at src: bit i of word (i >>> 5) = src[i] > 0 (src padded to a multiple of 4 values). */
export function packSigns<T>(src: usize, m: i32, dst: usize): void {
  const sz = sizeof<T>() as usize;
  const L = 16 / (sz as i32);
  const words = (m + 31) >>> 5;
  for (let wi = 0; wi < words; wi++) {
    const i0 = wi << 5;
    const n = min(32, m - i0);
    let word: u32 = 0;
    for (let i = 0; i < n; i += L) {
      const g = v128.gt<T>(v128.load(src + ((i0 + i) as usize) * sz), V.zero());
      const bits = sizeof<T>() === 4 ? i32x4.bitmask(g) : i64x2.bitmask(g);
      word |= (bits as u32) << i;
    }
    if (n < 32) word &= (1 << n) - 1;
    store<u32>(dst + ((wi as usize) << 2), word);
  }
}

/** Sign bits of the readout buffer: bit i of word (i >>> 5) = out[i] > 0, for i < m. */
function packBits<T>(dst: usize): void {
  packSigns<T>(V.cfg(C_OUT) as usize, V.cfg(C_M), dst);
}

function priorNets<T>(nets: i32, outBits: usize): void {
  const par = V.cfg(C_PAR) as usize;
  const wordBytes = ((((V.cfg(C_M) + 31) >>> 5) as usize) << 2) as usize;
  for (let j = 0; j < nets; j++) {
    sampleNet<T>(par, true);
    forwardNet<T>(par);
    packBits<T>(outBits + (j as usize) * wordBytes);
  }
}

/** Draw `nets` consecutive nets of the current stream and write their packed sign bits (f32 arithmetic). */
export function priorNets32(nets: i32, outBits: usize): void {
  priorNets<f32>(nets, outBits);
}

/** As `priorNets32`, in f64. */
export function priorNets64(nets: i32, outBits: usize): void {
  priorNets<f64>(nets, outBits);
}

/** Draw `nets` consecutive nets' parameters θ (f64, [nets × P]) from the current stream. */
export function sampleParams64(nets: i32, out: usize): void {
  const P = V.cfg(C_P) as usize;
  for (let j = 0; j < nets; j++) sampleNet<f64>(out + (j as usize) * P * 8, false);
}

function copyReadout<T>(dst: usize): void {
  const m = V.cfg(C_M);
  const src = V.cfg(C_OUT) as usize;
  for (let i = 0; i < m; i++) store<f64>(dst + ((i as usize) << 3), <f64>load<T>(src + (i as usize) * sizeof<T>()));
}

/**
 * Copy one layer's f64 parameters (W [O × K] row-major, then b [O] when
 * `bias`) from s into `dense`'s packed T layout at d; returns the next
 * source address (the layer takes (O·K + O) values of T at d).
 */
export function packLayer<T>(s: usize, d: usize, O: i32, K: i32, bias: bool): usize {
  const sz = sizeof<T>() as usize;
  const O4 = O & ~3;
  for (let o = 0; o < O4; o++) {
    const row = d + (((o >> 2) * 4 * K + (o & 3)) as usize) * sz;
    for (let k = 0; k < K; k++) store<T>(row + ((4 * k) as usize) * sz, <T>load<f64>(s + ((k as usize) << 3)));
    s += (K as usize) << 3;
  }
  const rest = (O - O4) * K + (bias ? O : 0);
  const at = d + ((O4 * K) as usize) * sz;
  for (let k = 0; k < rest; k++) store<T>(at + (k as usize) * sz, <T>load<f64>(s + ((k as usize) << 3)));
  return s + ((rest as usize) << 3);
}

/** Copy one net's f64 parameters (layout order) into the packed T layout at dst. */
function packNet<T>(src: usize, dst: usize): void {
  const sz = sizeof<T>() as usize;
  const H = V.cfg(C_H);
  const bias = V.cfg(C_BIAS) !== 0;
  let K = V.cfg(C_D);
  let s = src;
  let d = dst;
  for (let l = 0; l <= H; l++) {
    const O = l < H ? V.cfg(C_WIDTHS + l) : 1;
    s = packLayer<T>(s, d, O, K, bias);
    d += ((O * K + (bias ? O : 0)) as usize) * sz;
    K = O;
  }
}

function forwardGiven<T>(params: usize, nets: i32, out: usize): void {
  const P = V.cfg(C_P) as usize;
  const par = V.cfg(C_PAR) as usize;
  const m = V.cfg(C_M) as usize;
  for (let j = 0; j < nets; j++) {
    packNet<T>(params + (j as usize) * P * 8, par);
    forwardNet<T>(par);
    copyReadout<T>(out + (j as usize) * m * 8);
  }
}

/** Readout pre-activations [nets × m] (f64) of nets with given f64 parameters [nets × P], in f32 arithmetic. */
export function forward32(params: usize, nets: i32, out: usize): void {
  forwardGiven<f32>(params, nets, out);
}

/** As `forward32`, in f64. */
export function forward64(params: usize, nets: i32, out: usize): void {
  forwardGiven<f64>(params, nets, out);
}

/** Transpose inputs [m × d] (f64 at src) into cfg XT as [d × mp] of T, zero-padded. */
function setInputs<T>(src: usize): void {
  const d = V.cfg(C_D);
  const m = V.cfg(C_M);
  const mp = V.cfg(C_MP);
  const xt = V.cfg(C_XT) as usize;
  const sz = sizeof<T>() as usize;
  for (let k = 0; k < d; k++) {
    const row = xt + (k as usize) * (mp as usize) * sz;
    for (let i = 0; i < mp; i++) {
      const v = i < m ? load<f64>(src + (((i * d + k) as usize) << 3)) : 0.0;
      store<T>(row + (i as usize) * sz, <T>v);
    }
  }
}

export function setInputs32(src: usize): void {
  setInputs<f32>(src);
}

export function setInputs64(src: usize): void {
  setInputs<f64>(src);
}
