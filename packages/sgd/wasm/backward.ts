/** The loss gradient and the backward pass of the last forward batch (hand-unrolled: 2 units × 4 inputs per step). */

import {
  C_A,
  C_BIAS,
  C_BOFF,
  C_CAP,
  C_D,
  C_DF,
  C_DFZ,
  C_DIMS,
  C_KBATCH,
  C_L,
  C_LOSS,
  C_NCONV,
  C_SPARSE,
  C_WOFF,
  C_YB,
  C_Z,
  F_TLOW,
  K,
} from './config';
import { V } from './simd';

/** ∂(mean loss)/∂z of the n readouts against the labels in YB (per lane, in f64 scalars). */
export function lossGrad(n: i32): void {
  const L = K.i(C_L);
  const z = K.p(C_Z + L - 1);
  const dz = K.p(C_D + L - 1);
  const yb = K.p(C_YB);
  // LOSS_CE, LOSS_MSE: the loss codes of packages/sgd/src/wasm-codes.ts, passed in by the build (asc --use).
  const loss = K.i(C_LOSS);
  if (loss !== LOSS_CE && loss !== LOSS_MSE) unreachable(); // an unknown loss traps, never trains as MSE
  const ce = loss === LOSS_CE;
  const tlow = <f64>K.f(F_TLOW);
  const inv = 1.0 / <f64>n;
  for (let s = 0; s < n; s++) {
    for (let l = 0; l < 4; l++) {
      const off = ((<usize>s) << 4) + ((<usize>l) << 2);
      const zs = <f64>load<f32>(z + off);
      const y = <f64>load<f32>(yb + off);
      let d: f64;
      if (ce) {
        const sig = zs >= 0 ? 1.0 / (1.0 + Math.exp(-zs)) : Math.exp(zs) / (1.0 + Math.exp(zs));
        d = (sig - y) * inv;
      } else {
        const t = y > 0.5 ? 1.0 : tlow;
        d = 2.0 * (zs - t) * inv;
      }
      store<f32>(dz + off, <f32>d);
    }
  }
}

/**
 * Layer 0's weight gradient over the row masks (the sparse twin of
 * backward's 2-unit blocks): each block of 4 coordinates sums over the rows
 * that have a nonzero value in it, in row order; a block no row touches gets
 * an exact 0. The last d mod 4 coordinates are summed densely.
 */
function weightGradSparse0(gW: usize, n: i32): void {
  const inW = K.i(C_DIMS);
  const outW = K.i(C_DIMS + 1);
  const a = K.p(C_A);
  const d = K.p(C_D);
  const aRow = (<usize>inW) << 4;
  const dRow = (<usize>outW) << 4;
  const nb = inW >> 2;
  const rw = <usize>((K.i(C_CAP) + 31) >> 5);
  const rows = K.p(C_KBATCH);
  const zero = f32x4.splat(0);
  for (let o = 0; o + 2 <= outW; o += 2) {
    const g = gW + <usize>o * aRow;
    const h = g + aRow;
    const dcol = d + ((<usize>o) << 4);
    for (let blk = 0; blk < nb; blk++) {
      const ak = a + ((<usize>blk) << 6);
      const rm = rows + <usize>blk * rw * 4;
      let c0 = zero;
      let c1 = zero;
      let c2 = zero;
      let c3 = zero;
      let e0 = zero;
      let e1 = zero;
      let e2 = zero;
      let e3 = zero;
      for (let wi: usize = 0; wi < rw; wi++) {
        let m = load<u32>(rm + (wi << 2));
        while (m !== 0) {
          const s = (wi << 5) + <usize>ctz(m);
          m &= m - 1;
          const dp = dcol + s * dRow;
          const dv = v128.load(dp);
          const dw = v128.load(dp, 16);
          const as = ak + s * aRow;
          const x0 = v128.load(as);
          const x1 = v128.load(as, 16);
          const x2 = v128.load(as, 32);
          const x3 = v128.load(as, 48);
          c0 = V.madd(dv, x0, c0);
          c1 = V.madd(dv, x1, c1);
          c2 = V.madd(dv, x2, c2);
          c3 = V.madd(dv, x3, c3);
          e0 = V.madd(dw, x0, e0);
          e1 = V.madd(dw, x1, e1);
          e2 = V.madd(dw, x2, e2);
          e3 = V.madd(dw, x3, e3);
        }
      }
      const gk = g + ((<usize>blk) << 6);
      v128.store(gk, c0);
      v128.store(gk, c1, 16);
      v128.store(gk, c2, 32);
      v128.store(gk, c3, 48);
      const hk = h + ((<usize>blk) << 6);
      v128.store(hk, e0);
      v128.store(hk, e1, 16);
      v128.store(hk, e2, 32);
      v128.store(hk, e3, 48);
    }
    for (let k = nb << 2; k < inW; k++) {
      let c = zero;
      let e = zero;
      for (let s = 0; s < n; s++) {
        const x = v128.load(a + <usize>s * aRow + ((<usize>k) << 4));
        const dp = dcol + <usize>s * dRow;
        c = V.madd(v128.load(dp), x, c);
        e = V.madd(v128.load(dp, 16), x, e);
      }
      v128.store(g + ((<usize>k) << 4), c);
      v128.store(h + ((<usize>k) << 4), e);
    }
  }
}

/** Backward pass of the last forward batch (n rows) through the dense layers: grad ← ∂(mean loss)/∂θ. */
export function backward(theta: usize, grad: usize, n: i32): void {
  const L = K.i(C_L);
  const bias = K.i(C_BIAS);
  for (let l = L - 1; l >= 0; l--) {
    const inW = K.i(C_DIMS + l);
    const outW = K.i(C_DIMS + l + 1);
    const a = K.p(C_A + l);
    const d = K.p(C_D + l);
    const gW = grad + ((<usize>K.i(C_WOFF + l)) << 4);
    const W = theta + ((<usize>K.i(C_WOFF + l)) << 4);
    let o = 0;
    if (l === 0 && K.i(C_SPARSE) !== 0) {
      weightGradSparse0(gW, n);
      o = outW & ~1;
    }
    denseWeightGrad(a, d, gW, n, inW, outW, o);
    if (bias) denseBiasGrad(d, grad + ((<usize>K.i(C_BOFF + l)) << 4), n, outW);
    if (l > 0) denseInputDelta(d, W, K.p(C_D + l - 1), K.p(C_Z + l - 1), n, inW, outW);
    // a CNN: ∂/∂(the features) for the conv stack (cnn.ts), masked by relu′ of the conv output when flattened
    else if (K.i(C_NCONV) > 0) denseInputDelta(d, W, K.p(C_DF), K.p(C_DFZ), n, inW, outW);
  }
}

/** gW [outW × inW] = Σ_s d[s]ᵀ a[s] over n rows, for output units o0.. (two at a time: 6 loads feed 8 multiply-adds). */
export function denseWeightGrad(a: usize, d: usize, gW: usize, n: i32, inW: i32, outW: i32, o0: i32): void {
  const zero = f32x4.splat(0);
  const aRow = (<usize>inW) << 4;
  const dRow = (<usize>outW) << 4;
  let o = o0;
  // two units at a time: 6 loads feed 8 multiply-adds
  for (; o + 2 <= outW; o += 2) {
    const g = gW + <usize>o * aRow;
    const dcol = d + ((<usize>o) << 4);
    let k = 0;
    for (; k + 4 <= inW; k += 4) {
      let c0 = zero;
      let c1 = zero;
      let c2 = zero;
      let c3 = zero;
      let e0 = zero;
      let e1 = zero;
      let e2 = zero;
      let e3 = zero;
      const ak = a + ((<usize>k) << 4);
      for (let s = 0; s < n; s++) {
        const dp = dcol + <usize>s * dRow;
        const dv = v128.load(dp);
        const dw = v128.load(dp, 16);
        const as = ak + <usize>s * aRow;
        const x0 = v128.load(as);
        const x1 = v128.load(as, 16);
        const x2 = v128.load(as, 32);
        const x3 = v128.load(as, 48);
        c0 = V.madd(dv, x0, c0);
        c1 = V.madd(dv, x1, c1);
        c2 = V.madd(dv, x2, c2);
        c3 = V.madd(dv, x3, c3);
        e0 = V.madd(dw, x0, e0);
        e1 = V.madd(dw, x1, e1);
        e2 = V.madd(dw, x2, e2);
        e3 = V.madd(dw, x3, e3);
      }
      const gk = g + ((<usize>k) << 4);
      v128.store(gk, c0);
      v128.store(gk, c1, 16);
      v128.store(gk, c2, 32);
      v128.store(gk, c3, 48);
      const hk = gk + aRow;
      v128.store(hk, e0);
      v128.store(hk, e1, 16);
      v128.store(hk, e2, 32);
      v128.store(hk, e3, 48);
    }
    for (; k < inW; k++) {
      let c = zero;
      let e = zero;
      for (let s = 0; s < n; s++) {
        const x = v128.load(a + <usize>s * aRow + ((<usize>k) << 4));
        const dp = dcol + <usize>s * dRow;
        c = V.madd(v128.load(dp), x, c);
        e = V.madd(v128.load(dp, 16), x, e);
      }
      v128.store(g + ((<usize>k) << 4), c);
      v128.store(g + aRow + ((<usize>k) << 4), e);
    }
  }
  for (; o < outW; o++) {
    const g = gW + <usize>o * aRow;
    const dcol = d + ((<usize>o) << 4);
    for (let k = 0; k < inW; k++) {
      let c = zero;
      for (let s = 0; s < n; s++)
        c = V.madd(v128.load(dcol + <usize>s * dRow), v128.load(a + <usize>s * aRow + ((<usize>k) << 4)), c);
      v128.store(g + ((<usize>k) << 4), c);
    }
  }
}

/** gb [outW] = Σ_s d[s] over n rows. */
export function denseBiasGrad(d: usize, gb: usize, n: i32, outW: i32): void {
  const zero = f32x4.splat(0);
  const dRow = (<usize>outW) << 4;
  for (let u = 0; u < outW; u++) {
    let c = zero;
    const dcol = d + ((<usize>u) << 4);
    for (let s = 0; s < n; s++) c = f32x4.add(c, v128.load(dcol + <usize>s * dRow));
    v128.store(gb + ((<usize>u) << 4), c);
  }
}

/**
 * The input delta of a dense layer: dp [n × inW] = d W, times relu′(zp) (zp > 0) unless zp is 0
 * (then plain ∂loss/∂input: GAP features, a conv's im2col rows).
 */
export function denseInputDelta(d: usize, W: usize, dp: usize, zp: usize, n: i32, inW: i32, outW: i32): void {
  const zero = f32x4.splat(0);
  const aRow = (<usize>inW) << 4;
  const dRow = (<usize>outW) << 4;
  const masked = zp !== 0;
  let s = 0;
  // two rows at a time: 6 loads feed 8 multiply-adds
  for (; s + 2 <= n; s += 2) {
    const ds = d + <usize>s * dRow;
    const dps = dp + <usize>s * aRow;
    const zps = zp + <usize>s * aRow;
    let k = 0;
    for (; k + 4 <= inW; k += 4) {
      let c0 = zero;
      let c1 = zero;
      let c2 = zero;
      let c3 = zero;
      let e0 = zero;
      let e1 = zero;
      let e2 = zero;
      let e3 = zero;
      const wk = W + ((<usize>k) << 4);
      for (let o = 0; o < outW; o++) {
        const dv = v128.load(ds + ((<usize>o) << 4));
        const dw = v128.load(ds + dRow + ((<usize>o) << 4));
        const w = wk + <usize>o * aRow;
        const x0 = v128.load(w);
        const x1 = v128.load(w, 16);
        const x2 = v128.load(w, 32);
        const x3 = v128.load(w, 48);
        c0 = V.madd(dv, x0, c0);
        c1 = V.madd(dv, x1, c1);
        c2 = V.madd(dv, x2, c2);
        c3 = V.madd(dv, x3, c3);
        e0 = V.madd(dw, x0, e0);
        e1 = V.madd(dw, x1, e1);
        e2 = V.madd(dw, x2, e2);
        e3 = V.madd(dw, x3, e3);
      }
      V.relu4(dps + ((<usize>k) << 4), zps + ((<usize>k) << 4), masked, c0, c1, c2, c3);
      V.relu4(dps + aRow + ((<usize>k) << 4), zps + aRow + ((<usize>k) << 4), masked, e0, e1, e2, e3);
    }
    for (; k < inW; k++) {
      let c = zero;
      let e = zero;
      for (let o = 0; o < outW; o++) {
        const x = v128.load(W + <usize>o * aRow + ((<usize>k) << 4));
        c = V.madd(v128.load(ds + ((<usize>o) << 4)), x, c);
        e = V.madd(v128.load(ds + dRow + ((<usize>o) << 4)), x, e);
      }
      const kk = (<usize>k) << 4;
      v128.store(dps + kk, V.keep(c, zps + kk, masked));
      v128.store(dps + aRow + kk, V.keep(e, zps + aRow + kk, masked));
    }
  }
  for (; s < n; s++) {
    const ds = d + <usize>s * dRow;
    const dps = dp + <usize>s * aRow;
    const zps = zp + <usize>s * aRow;
    for (let k = 0; k < inW; k++) {
      let c = zero;
      for (let o = 0; o < outW; o++)
        c = V.madd(v128.load(ds + ((<usize>o) << 4)), v128.load(W + <usize>o * aRow + ((<usize>k) << 4)), c);
      const kk = (<usize>k) << 4;
      v128.store(dps + kk, V.keep(c, zps + kk, masked));
    }
  }
}
