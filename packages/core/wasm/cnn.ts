/**
 * Convolutional nets (`CnnSpec`), many nets per call, in f32 or f64: conv
 * layers as im2col + the dense kernel of `mlp.ts` (the GEMM
 * out[OC × positions] = W[OC × kh·kw·C] · col[kh·kw·C × positions]), then
 * flatten or global average pooling, the dense tail and the readout, as for
 * fully connected nets.
 *
 * Layout: a conv layer's activations are channel-major, [C × Np], one row
 * per channel holding every position of a group of G images (image gi's
 * pixel (y, x) in column gi·H·W + y·W + x; Np = G·H·W rounded up to 8), so
 * SIMD lanes run along positions and the GEMM is `dense` unchanged. Images
 * go through the conv stack in groups of G (chosen by the JS glue so a
 * layer's im2col matrix and output stay in L2); the features of every image
 * then go on, [features × mpF] like the FCN's inputs, to the dense tail.
 * The first layer's im2col matrix depends on the inputs only: the glue
 * builds it once per configuration (COL0, one block per group).
 *
 * im2col rows are k = (ky·kw + kx)·C + c, the order of the weights
 * [OC, kh, kw, C] (`arch/params.ts`), so each output sums its products in
 * the float64 reference's order (`arch/forward.ts` convLayer); padded taps
 * add exact zeros.
 *
 * Measured and dropped: a conv GEMM of its own with 4 units × 3 vectors per
 * register tile (12 accumulators, 7 loads per 12 multiply-adds) ran about
 * 1.5× slower than `dense`'s 4 × 2 (V8 has 15 allocatable 128-bit registers
 * on x64 and spills).
 *
 * Configuration at `cnnCfgPtr()`, written by `src/backend/wasm-cnn.ts`.
 */
import { ACT_NONE, Act } from './generated/activations';
import { dense, packLayer, packSigns, sampleLayer } from './mlp';

// Config slots (i32 index).
const K_NCONV = 0;
const K_NHID = 1;
const K_ACT = 2;
const K_BIAS = 3;
const K_M = 4;
const K_GAP = 5;
const K_P = 6;
const K_G = 7;
const K_GROUPS = 8;
const K_MPF = 9;
const K_F = 10;
const K_COL0 = 11;
const K_COL = 12;
const K_BUFA = 13;
const K_BUFB = 14;
const K_FEAT = 15;
const K_DA = 16;
const K_DB = 17;
const K_PAR = 18;
const K_OUT = 19;
/** Conv layer l's slots start at K_CONV + l·CONV_SLOTS. */
const K_CONV = 32;
const CONV_SLOTS = 16;
// Per conv layer:
const L_H = 0;
const L_W = 1;
const L_C = 2;
const L_OH = 3;
const L_OW = 4;
const L_OC = 5;
const L_KH = 6;
const L_KW = 7;
const L_SH = 8;
const L_SW = 9;
const L_PH = 10;
const L_PW = 11;
const L_NP = 12;
export const MAX_CONV = 16;
export const MAX_CNN_HIDDEN = 64;
const K_HIDDEN = K_CONV + MAX_CONV * CONV_SLOTS;
/** f64 prior scales (weight, bias) per layer (conv, dense, readout) from this byte offset. */
const SCALES: usize = 2048;
const CFG: usize = memory.data(2048 + 2 * (MAX_CONV + MAX_CNN_HIDDEN + 1) * 8, 16);

export function cnnCfgPtr(): usize {
  return CFG;
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
class K {
  @inline static cfg(slot: i32): i32 {
    return load<i32>(CFG + ((slot as usize) << 2));
  }
  @inline static conv(l: i32, slot: i32): i32 {
    return load<i32>(CFG + (((K_CONV + l * CONV_SLOTS + slot) as usize) << 2));
  }
  @inline static scale(i: i32): f64 {
    return load<f64>(CFG + SCALES + ((i as usize) << 3));
  }
  /** Fan-in of conv layer l (kh·kw·C). */
  @inline static fanIn(l: i32): i32 {
    return K.conv(l, L_KH) * K.conv(l, L_KW) * K.conv(l, L_C);
  }
}

// Short runs (an im2col line is tens of values): vector stores beat the memory.fill / memory.copy builtins' calls.
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
class Run {
  /** n bytes (a multiple of 4) of zeros at d. */
  @inline static zero(d: usize, n: usize): void {
    const end = d + n;
    for (; d + 16 <= end; d += 16) v128.store(d, i64x2.splat(0));
    for (; d < end; d += 4) store<u32>(d, 0);
  }

  /** n bytes (a multiple of 4) from s to d. */
  @inline static copy(d: usize, s: usize, n: usize): void {
    const end = d + n;
    for (; d + 16 <= end; d += 16) {
      v128.store(d, v128.load(s));
      s += 16;
    }
    for (; d < end; d += 4) {
      store<u32>(d, load<u32>(s));
      s += 4;
    }
  }

  /**
   * Every second value of T from s into n bytes at d (a stride-2 line): two vectors in, their even lanes out. The
   * last pair may read one value past the last tap (inside the instance's buffers; never used).
   */
  @inline static even<T>(d: usize, s: usize, n: usize): void {
    const end = d + n;
    for (; d + 16 <= end; d += 16) {
      const a = v128.load(s);
      const b = v128.load(s, 16);
      if (sizeof<T>() === 4) v128.store(d, i32x4.shuffle(a, b, 0, 2, 4, 6));
      else v128.store(d, i64x2.shuffle(a, b, 0, 2));
      s += 32;
    }
    for (; d < end; d += sizeof<T>()) {
      store<T>(d, load<T>(s));
      s += 2 * sizeof<T>();
    }
  }
}

/**
 * Conv layer l's im2col matrix of the current group: col[k, q] for
 * k = (ky·kw + kx)·C + c and q = gi·OH·OW + oy·OW + ox, from the previous
 * layer's activations `inp` ([C × Np_{l−1}]); taps in the padding and the
 * columns past the group's positions are 0.
 */
function im2col<T>(l: i32, inp: usize, col: usize): void {
  const sz = sizeof<T>() as usize;
  const H = K.conv(l, L_H);
  const W = K.conv(l, L_W);
  const C = K.conv(l, L_C);
  const OH = K.conv(l, L_OH);
  const OW = K.conv(l, L_OW);
  const kh = K.conv(l, L_KH);
  const kw = K.conv(l, L_KW);
  const sh = K.conv(l, L_SH);
  const sw = K.conv(l, L_SW);
  const ph = K.conv(l, L_PH);
  const pw = K.conv(l, L_PW);
  const rb = (K.conv(l, L_NP) as usize) * sz;
  const rbIn = (K.conv(l - 1, L_NP) as usize) * sz;
  const G = K.cfg(K_G);
  const imgBytes = ((H * W) as usize) * sz;
  const lineOut = (OW as usize) * sz;
  let row = col;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      // the output columns whose tap x = ox·sw − pw + kx lies inside the image
      let ox0 = 0;
      while (ox0 < OW && ox0 * sw - pw + kx < 0) ox0++;
      let ox1 = OW;
      while (ox1 > ox0 && (ox1 - 1) * sw - pw + kx >= W) ox1--;
      const head = (ox0 as usize) * sz;
      const tail = ((OW - ox1) as usize) * sz;
      const x0 = ox0 * sw - pw + kx;
      for (let c = 0; c < C; c++) {
        let q = row;
        let img = inp + (c as usize) * rbIn;
        for (let gi = 0; gi < G; gi++) {
          for (let oy = 0; oy < OH; oy++) {
            const y = oy * sh - ph + ky;
            if (y < 0 || y >= H) {
              Run.zero(q, lineOut);
            } else {
              const src = img + ((y * W + x0) as usize) * sz;
              if (head > 0) Run.zero(q, head);
              if (ox1 <= ox0) {
                // no tap inside this line (head covers it)
              } else if (sw === 1) {
                Run.copy(q + head, src, ((ox1 - ox0) as usize) * sz);
              } else if (sw === 2) {
                Run.even<T>(q + head, src, ((ox1 - ox0) as usize) * sz);
              } else {
                const step = (sw as usize) * sz;
                let s = src;
                const end = q + lineOut - tail;
                for (let d = q + head; d < end; d += sz) {
                  store<T>(d, load<T>(s));
                  s += step;
                }
              }
              if (tail > 0) Run.zero(q + lineOut - tail, tail);
            }
            q += lineOut;
          }
          img += imgBytes;
        }
        Run.zero(q, row + rb - q);
        row += rb;
      }
    }
  }
}

/**
 * The features of group g's images into FEAT ([F × mpF], image i in column
 * i): the last conv layer's activations `act` ([OC × Np]) flattened in
 * NHWC order ((y·W + x)·C + c), or averaged over positions (in position
 * order, then divided by H·W, as the reference does).
 */
function features<T>(act: usize, g: i32): void {
  const sz = sizeof<T>() as usize;
  const last = K.cfg(K_NCONV) - 1;
  const HW = K.conv(last, L_OH) * K.conv(last, L_OW);
  const C = K.conv(last, L_OC);
  const rb = (K.conv(last, L_NP) as usize) * sz;
  const G = K.cfg(K_G);
  const rbF = (K.cfg(K_MPF) as usize) * sz;
  const feat = K.cfg(K_FEAT) as usize;
  const gap = K.cfg(K_GAP) !== 0;
  if (gap) {
    const n = <T>HW;
    for (let gi = 0; gi < G; gi++) {
      const colF = feat + ((g * G + gi) as usize) * sz;
      const img = act + ((gi * HW) as usize) * sz;
      // four channels at a time: four independent sums (one chain of adds would wait on its latency), each in
      // position order like the reference
      const C4 = C & ~3;
      const end = (HW as usize) * sz;
      for (let c = 0; c < C4; c += 4) {
        const r = img + (c as usize) * rb;
        let s0 = <T>0;
        let s1 = <T>0;
        let s2 = <T>0;
        let s3 = <T>0;
        for (let o: usize = 0; o < end; o += sz) {
          s0 += load<T>(r + o);
          s1 += load<T>(r + rb + o);
          s2 += load<T>(r + 2 * rb + o);
          s3 += load<T>(r + 3 * rb + o);
        }
        const d = colF + (c as usize) * rbF;
        store<T>(d, s0 / n);
        store<T>(d + rbF, s1 / n);
        store<T>(d + 2 * rbF, s2 / n);
        store<T>(d + 3 * rbF, s3 / n);
      }
      for (let c = C4; c < C; c++) {
        const r = img + (c as usize) * rb;
        let s = <T>0;
        for (let o: usize = 0; o < end; o += sz) s += load<T>(r + o);
        store<T>(colF + (c as usize) * rbF, s / n);
      }
    }
    return;
  }
  // A transpose (positions of an image → a column of FEAT), in tiles of 16 positions × the group's images, so
  // that the FEAT lines a tile writes stay in L1 until the group's images have filled them.
  const step = (C as usize) * rbF;
  for (let c = 0; c < C; c++) {
    const r = act + (c as usize) * rb;
    for (let p0 = 0; p0 < HW; p0 += 16) {
      const p1 = min(HW, p0 + 16);
      for (let gi = 0; gi < G; gi++) {
        const s0 = r + ((gi * HW) as usize) * sz;
        let d = feat + ((p0 * C + c) as usize) * rbF + ((g * G + gi) as usize) * sz;
        for (let p = p0; p < p1; p++) {
          store<T>(d, load<T>(s0 + (p as usize) * sz));
          d += step;
        }
      }
    }
  }
}

/** Forward pass of one net with packed parameters at `par` (type T); readout pre-activations land at OUT. */
function forwardCnn<T>(par: usize): void {
  const sz = sizeof<T>() as usize;
  const nConv = K.cfg(K_NCONV);
  const act = K.cfg(K_ACT);
  // an activation code this build does not know must not run as the identity (a linear net)
  if (!Act.known(act)) unreachable();
  const bias = K.cfg(K_BIAS) !== 0;
  const groups = K.cfg(K_GROUPS);
  const col0 = K.cfg(K_COL0) as usize;
  const col0Bytes = ((K.fanIn(0) * K.conv(0, L_NP)) as usize) * sz;
  const colBuf = K.cfg(K_COL) as usize;
  let p = par;
  for (let g = 0; g < groups; g++) {
    p = par;
    let src = col0 + (g as usize) * col0Bytes;
    let dst = K.cfg(K_BUFA) as usize;
    let spare = K.cfg(K_BUFB) as usize;
    for (let l = 0; l < nConv; l++) {
      const Kl = K.fanIn(l);
      const O = K.conv(l, L_OC);
      if (l > 0) {
        im2col<T>(l, src, colBuf);
        src = colBuf;
      }
      dense<T>(p, p + ((O * Kl) as usize) * sz, bias, Kl, O, src, dst, K.conv(l, L_NP), act);
      p += ((O * Kl + (bias ? O : 0)) as usize) * sz;
      src = dst;
      dst = spare;
      spare = src;
    }
    features<T>(src, g);
  }
  const mpF = K.cfg(K_MPF);
  const H = K.cfg(K_NHID);
  let inp = K.cfg(K_FEAT) as usize;
  let dst = K.cfg(K_DA) as usize;
  let spare = K.cfg(K_DB) as usize;
  let Kd = K.cfg(K_F);
  for (let l = 0; l < H; l++) {
    const O = K.cfg(K_HIDDEN + l);
    dense<T>(p, p + ((O * Kd) as usize) * sz, bias, Kd, O, inp, dst, mpF, act);
    p += ((O * Kd + (bias ? O : 0)) as usize) * sz;
    inp = dst;
    dst = spare;
    spare = inp;
    Kd = O;
  }
  dense<T>(p, p + (Kd as usize) * sz, bias, Kd, 1, inp, K.cfg(K_OUT) as usize, mpF, ACT_NONE);
}

/** Draw one net's parameters θ = scale ⊙ z (layout order; `packed`: in `dense`'s layout) into the T buffer. */
function sampleCnn<T>(par: usize, packed: bool): void {
  const nConv = K.cfg(K_NCONV);
  const H = K.cfg(K_NHID);
  const bias = K.cfg(K_BIAS) !== 0;
  let p = par;
  for (let l = 0; l < nConv; l++)
    p = sampleLayer<T>(p, K.conv(l, L_OC), K.fanIn(l), K.scale(2 * l), K.scale(2 * l + 1), bias, packed);
  let Kd = K.cfg(K_F);
  for (let l = 0; l <= H; l++) {
    const O = l < H ? K.cfg(K_HIDDEN + l) : 1;
    const s = 2 * (nConv + l);
    p = sampleLayer<T>(p, O, Kd, K.scale(s), K.scale(s + 1), bias, packed);
    Kd = O;
  }
}

/** Copy one net's f64 parameters (layout order) into the packed T layout at dst. */
function packCnn<T>(src: usize, dst: usize): void {
  const sz = sizeof<T>() as usize;
  const nConv = K.cfg(K_NCONV);
  const H = K.cfg(K_NHID);
  const bias = K.cfg(K_BIAS) !== 0;
  let s = src;
  let d = dst;
  const n = nConv + H + 1;
  let Kd = K.cfg(K_F);
  for (let l = 0; l < n; l++) {
    let O: i32;
    let Kl: i32;
    if (l < nConv) {
      O = K.conv(l, L_OC);
      Kl = K.fanIn(l);
    } else {
      O = l < n - 1 ? K.cfg(K_HIDDEN + l - nConv) : 1;
      Kl = Kd;
      Kd = O;
    }
    s = packLayer<T>(s, d, O, Kl, bias);
    d += ((O * Kl + (bias ? O : 0)) as usize) * sz;
  }
}

function priorCnn<T>(nets: i32, outBits: usize): void {
  const par = K.cfg(K_PAR) as usize;
  const m = K.cfg(K_M);
  const wordBytes = (((m + 31) >>> 5) as usize) << 2;
  for (let j = 0; j < nets; j++) {
    sampleCnn<T>(par, true);
    forwardCnn<T>(par);
    packSigns<T>(K.cfg(K_OUT) as usize, m, outBits + (j as usize) * wordBytes);
  }
}

/** Draw `nets` consecutive CNNs of the current stream and write their packed sign bits (f32 arithmetic). */
export function cnnPriorNets32(nets: i32, outBits: usize): void {
  priorCnn<f32>(nets, outBits);
}

/** As `cnnPriorNets32`, in f64. */
export function cnnPriorNets64(nets: i32, outBits: usize): void {
  priorCnn<f64>(nets, outBits);
}

/** Draw `nets` consecutive CNNs' parameters θ (f64, [nets × P]) from the current stream. */
export function cnnSampleParams64(nets: i32, out: usize): void {
  const P = K.cfg(K_P) as usize;
  for (let j = 0; j < nets; j++) sampleCnn<f64>(out + (j as usize) * P * 8, false);
}

function forwardGivenCnn<T>(params: usize, nets: i32, out: usize): void {
  const P = K.cfg(K_P) as usize;
  const par = K.cfg(K_PAR) as usize;
  const m = K.cfg(K_M);
  const res = K.cfg(K_OUT) as usize;
  for (let j = 0; j < nets; j++) {
    packCnn<T>(params + (j as usize) * P * 8, par);
    forwardCnn<T>(par);
    const o = out + (j as usize) * (m as usize) * 8;
    for (let i = 0; i < m; i++) store<f64>(o + ((i as usize) << 3), <f64>load<T>(res + (i as usize) * sizeof<T>()));
  }
}

/** Readout pre-activations [nets × m] (f64) of CNNs with given f64 parameters [nets × P], in f32 arithmetic. */
export function cnnForward32(params: usize, nets: i32, out: usize): void {
  forwardGivenCnn<f32>(params, nets, out);
}

/** As `cnnForward32`, in f64. */
export function cnnForward64(params: usize, nets: i32, out: usize): void {
  forwardGivenCnn<f64>(params, nets, out);
}
