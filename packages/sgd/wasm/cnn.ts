/**
 * The conv layers in front of a CNN's dense layers, lane-interleaved like
 * everything else (value k of lane l at byte 16k + 4l). A conv layer is a
 * dense layer over im2col rows: for each point and output position, the
 * KH·KW·C input values under the kernel (zeros in the padding, TensorFlow's
 * SAME/VALID) form one row, and z = W·row + b is `denseForward` over n·OH·OW
 * rows — its weights [OC, KH, KW, C] are already the [OC × KH·KW·C] matrix.
 * The backward pass is the dense one on the same rows (weight and bias
 * gradients, then the rows' delta, scattered back to the input positions:
 * col2im), so the conv code here is only the gathers and scatters.
 */

import { denseBiasGrad, denseInputDelta, denseWeightGrad } from './backward';
import {
  C_A,
  C_BIAS,
  C_CONV,
  C_DF,
  C_NCONV,
  C_POOL,
  CONV_SLOTS,
  CV_BOFF,
  CV_C,
  CV_COL,
  CV_D,
  CV_H,
  CV_IN,
  CV_KH,
  CV_KW,
  CV_OC,
  CV_OH,
  CV_OUT,
  CV_OW,
  CV_PH,
  CV_PW,
  CV_SH,
  CV_SW,
  CV_W,
  CV_WOFF,
  CV_Z,
  K,
} from './config';
import { denseForward } from './forward';

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
class Cv {
  /** Slot f of conv layer l. */
  @inline static i(l: i32, f: i32): i32 {
    return K.i(C_CONV + l * CONV_SLOTS + f);
  }
  @inline static p(l: i32, f: i32): usize {
    return <usize>K.i(C_CONV + l * CONV_SLOTS + f);
  }
}

/** im2col of conv l for n points: col[(s·OH + oy)·OW + ox] = the kernel's window of the input (0 outside). */
function im2col(l: i32, n: i32): void {
  const H = Cv.i(l, CV_H);
  const W = Cv.i(l, CV_W);
  const C = Cv.i(l, CV_C);
  const OH = Cv.i(l, CV_OH);
  const OW = Cv.i(l, CV_OW);
  const KH = Cv.i(l, CV_KH);
  const KW = Cv.i(l, CV_KW);
  const SH = Cv.i(l, CV_SH);
  const SW = Cv.i(l, CV_SW);
  const PH = Cv.i(l, CV_PH);
  const PW = Cv.i(l, CV_PW);
  const src = Cv.p(l, CV_IN);
  let dst = Cv.p(l, CV_COL);
  const seg = (<usize>C) << 4;
  const img = <usize>(H * W) * seg;
  for (let s = 0; s < n; s++) {
    const base = src + <usize>s * img;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let ky = 0; ky < KH; ky++) {
          const y = oy * SH - PH + ky;
          if (y < 0 || y >= H) {
            memory.fill(dst, 0, <usize>KW * seg);
            dst += <usize>KW * seg;
            continue;
          }
          // the window's row y: kernel columns [lo, hi) fall inside the image, a contiguous run of (hi − lo)·C values
          const x0 = ox * SW - PW;
          const lo = min(KW, max(0, -x0));
          const hi = max(lo, min(KW, W - x0));
          if (lo > 0) memory.fill(dst, 0, <usize>lo * seg);
          const p = base + <usize>(y * W + x0 + lo) * seg;
          const run = <usize>(hi - lo) * seg;
          const d = dst + <usize>lo * seg;
          for (let o: usize = 0; o < run; o += 16) v128.store(d + o, v128.load(p + o));
          if (hi < KW) memory.fill(dst + <usize>hi * seg, 0, <usize>(KW - hi) * seg);
          dst += <usize>KW * seg;
        }
      }
    }
  }
}

/** col2im of conv l: dIn (the layer below's delta, [n × H·W·C]) = Σ of the rows' deltas in dcol over the windows. */
function col2im(l: i32, n: i32, dIn: usize): void {
  const H = Cv.i(l, CV_H);
  const W = Cv.i(l, CV_W);
  const C = Cv.i(l, CV_C);
  const OH = Cv.i(l, CV_OH);
  const OW = Cv.i(l, CV_OW);
  const KH = Cv.i(l, CV_KH);
  const KW = Cv.i(l, CV_KW);
  const SH = Cv.i(l, CV_SH);
  const SW = Cv.i(l, CV_SW);
  const PH = Cv.i(l, CV_PH);
  const PW = Cv.i(l, CV_PW);
  let src = Cv.p(l, CV_COL);
  const seg = (<usize>C) << 4;
  const img = <usize>(H * W) * seg;
  memory.fill(dIn, 0, <usize>n * img);
  for (let s = 0; s < n; s++) {
    const base = dIn + <usize>s * img;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let ky = 0; ky < KH; ky++) {
          const y = oy * SH - PH + ky;
          if (y < 0 || y >= H) {
            src += <usize>KW * seg;
            continue;
          }
          const x0 = ox * SW - PW;
          const lo = min(KW, max(0, -x0));
          const hi = max(lo, min(KW, W - x0));
          const p = base + <usize>(y * W + x0 + lo) * seg;
          const run = <usize>(hi - lo) * seg;
          const q = src + <usize>lo * seg;
          for (let o: usize = 0; o < run; o += 16) v128.store(p + o, f32x4.add(v128.load(p + o), v128.load(q + o)));
          src += <usize>KW * seg;
        }
      }
    }
  }
}

/** The conv stack on the n points in conv 0's input: each layer's z and relu(z); then GAP into A[0] (flatten: A[0] is the last output). */
export function convForward(theta: usize, n: i32): void {
  const nc = K.i(C_NCONV);
  const bias = K.i(C_BIAS);
  for (let l = 0; l < nc; l++) {
    im2col(l, n);
    const rows = n * Cv.i(l, CV_OH) * Cv.i(l, CV_OW);
    const kd = Cv.i(l, CV_KH) * Cv.i(l, CV_KW) * Cv.i(l, CV_C);
    const W = theta + ((<usize>Cv.i(l, CV_WOFF)) << 4);
    const b = theta + ((<usize>Cv.i(l, CV_BOFF)) << 4);
    denseForward(Cv.p(l, CV_COL), Cv.p(l, CV_Z), Cv.p(l, CV_OUT), W, b, bias, rows, kd, Cv.i(l, CV_OC), 0);
  }
  if (K.i(C_POOL) === 0) return;
  const last = nc - 1;
  const hw = Cv.i(last, CV_OH) * Cv.i(last, CV_OW);
  const OC = Cv.i(last, CV_OC);
  const out = Cv.p(last, CV_OUT);
  const a0 = K.p(C_A);
  const inv = f32x4.splat(<f32>hw);
  const row = (<usize>OC) << 4;
  for (let s = 0; s < n; s++) {
    const img = out + <usize>(s * hw) * row;
    for (let c = 0; c < OC; c++) {
      let acc = f32x4.splat(0);
      for (let p = 0; p < hw; p++) acc = f32x4.add(acc, v128.load(img + <usize>p * row + ((<usize>c) << 4)));
      v128.store(a0 + <usize>s * row + ((<usize>c) << 4), f32x4.div(acc, inv));
    }
  }
}

/**
 * The conv stack's backward pass after the dense layers' (which left ∂loss/∂features in DF): GAP's
 * delta spread over the positions, then per layer from the top the weight and bias gradients over
 * its im2col rows and, below the first layer, the rows' delta scattered back and masked by relu′.
 */
export function convBackward(theta: usize, grad: usize, n: i32): void {
  const nc = K.i(C_NCONV);
  const bias = K.i(C_BIAS);
  const zero = f32x4.splat(0);
  const last = nc - 1;
  if (K.i(C_POOL) !== 0) {
    const hw = Cv.i(last, CV_OH) * Cv.i(last, CV_OW);
    const OC = Cv.i(last, CV_OC);
    const row = (<usize>OC) << 4;
    const dF = K.p(C_DF);
    const d = Cv.p(last, CV_D);
    const z = Cv.p(last, CV_Z);
    const inv = f32x4.splat(<f32>hw);
    for (let s = 0; s < n; s++) {
      for (let c = 0; c < OC; c++) {
        const v = f32x4.div(v128.load(dF + <usize>s * row + ((<usize>c) << 4)), inv);
        for (let p = 0; p < hw; p++) {
          const at = <usize>(s * hw + p) * row + ((<usize>c) << 4);
          v128.store(d + at, v128.and(v, f32x4.gt(v128.load(z + at), zero)));
        }
      }
    }
  }
  for (let l = last; l >= 0; l--) {
    const rows = n * Cv.i(l, CV_OH) * Cv.i(l, CV_OW);
    const kd = Cv.i(l, CV_KH) * Cv.i(l, CV_KW) * Cv.i(l, CV_C);
    const OC = Cv.i(l, CV_OC);
    const d = Cv.p(l, CV_D);
    const col = Cv.p(l, CV_COL);
    denseWeightGrad(col, d, grad + ((<usize>Cv.i(l, CV_WOFF)) << 4), rows, kd, OC, 0);
    if (bias) denseBiasGrad(d, grad + ((<usize>Cv.i(l, CV_BOFF)) << 4), rows, OC);
    if (l === 0) break;
    // the rows' delta into the (now free) im2col buffer, then back onto the input positions
    denseInputDelta(d, theta + ((<usize>Cv.i(l, CV_WOFF)) << 4), col, 0, rows, kd, OC);
    const dIn = Cv.p(l - 1, CV_D);
    col2im(l, n, dIn);
    const zIn = Cv.p(l - 1, CV_Z);
    const end = (<usize>(n * Cv.i(l, CV_H) * Cv.i(l, CV_W) * Cv.i(l, CV_C))) << 4;
    for (let o: usize = 0; o < end; o += 16)
      v128.store(dIn + o, v128.and(v128.load(dIn + o), f32x4.gt(v128.load(zIn + o), zero)));
  }
}
