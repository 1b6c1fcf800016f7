/** The forward pass of a group's 4 nets on the n rows in A[0] (hand-unrolled: 4 units × 2 rows per step). */

import { C_A, C_BIAS, C_BOFF, C_DIMS, C_KPAIR, C_L, C_SPARSE, C_WOFF, C_Z, K } from './config';
import { V } from './simd';

/** Layer 0 pre-activations over the pair masks (the sparse twin of forward's 4-unit blocks). */
function forwardSparse0(theta: usize, n: i32): void {
  const inW = K.i(C_DIMS);
  const outW = K.i(C_DIMS + 1);
  const a = K.p(C_A);
  const z = K.p(C_Z);
  const W = theta + ((<usize>K.i(C_WOFF)) << 4);
  const b = theta + ((<usize>K.i(C_BOFF)) << 4);
  const next: usize = K.i(C_L) === 1 ? 0 : K.p(C_A + 1);
  const rowB = (<usize>inW) << 4;
  const rowO = (<usize>outW) << 4;
  const nb = inW >> 2;
  const pw = <usize>((nb + 31) >> 5);
  const pairs = K.p(C_KPAIR);
  const zero = f32x4.splat(0);
  const bias = K.i(C_BIAS);
  for (let o = 0; o + 4 <= outW; o += 4) {
    let b0 = zero;
    let b1 = zero;
    let b2 = zero;
    let b3 = zero;
    if (bias) {
      const bp = b + ((<usize>o) << 4);
      b0 = v128.load(bp);
      b1 = v128.load(bp, 16);
      b2 = v128.load(bp, 32);
      b3 = v128.load(bp, 48);
    }
    const w0 = W + <usize>o * rowB;
    const w1 = w0 + rowB;
    const w2 = w1 + rowB;
    const w3 = w2 + rowB;
    for (let s = 0; s < n; s += 2) {
      const ap = a + <usize>s * rowB;
      const two = s + 1 < n;
      const aq = two ? ap + rowB : ap;
      const pm = pairs + <usize>(s >> 1) * pw * 4;
      let c0 = b0;
      let c1 = b1;
      let c2 = b2;
      let c3 = b3;
      let d0 = b0;
      let d1 = b1;
      let d2 = b2;
      let d3 = b3;
      for (let wi: usize = 0; wi < pw; wi++) {
        let m = load<u32>(pm + (wi << 2));
        while (m !== 0) {
          const blk = (wi << 5) + <usize>ctz(m);
          m &= m - 1;
          // the block's 4 coordinates in order, as the dense loop adds them
          for (let kk = blk << 6, end = kk + 64; kk < end; kk += 16) {
            const av = v128.load(ap + kk);
            const aw = v128.load(aq + kk);
            const x0 = v128.load(w0 + kk);
            const x1 = v128.load(w1 + kk);
            const x2 = v128.load(w2 + kk);
            const x3 = v128.load(w3 + kk);
            c0 = V.madd(x0, av, c0);
            c1 = V.madd(x1, av, c1);
            c2 = V.madd(x2, av, c2);
            c3 = V.madd(x3, av, c3);
            d0 = V.madd(x0, aw, d0);
            d1 = V.madd(x1, aw, d1);
            d2 = V.madd(x2, aw, d2);
            d3 = V.madd(x3, aw, d3);
          }
        }
      }
      for (let k = nb << 2; k < inW; k++) {
        const kk = (<usize>k) << 4;
        const av = v128.load(ap + kk);
        const aw = v128.load(aq + kk);
        c0 = V.madd(v128.load(w0 + kk), av, c0);
        c1 = V.madd(v128.load(w1 + kk), av, c1);
        c2 = V.madd(v128.load(w2 + kk), av, c2);
        c3 = V.madd(v128.load(w3 + kk), av, c3);
        d0 = V.madd(v128.load(w0 + kk), aw, d0);
        d1 = V.madd(v128.load(w1 + kk), aw, d1);
        d2 = V.madd(v128.load(w2 + kk), aw, d2);
        d3 = V.madd(v128.load(w3 + kk), aw, d3);
      }
      V.out4(z, next, s, rowO, o, c0, c1, c2, c3);
      if (two) V.out4(z, next, s + 1, rowO, o, d0, d1, d2, d3);
    }
  }
}

/** Forward pass of the n rows in A[0] through the dense layers: Z[l] pre-activations, A[l+1] = relu(Z[l]). */
export function forward(theta: usize, n: i32): void {
  const L = K.i(C_L);
  const bias = K.i(C_BIAS);
  for (let l = 0; l < L; l++) {
    const outW = K.i(C_DIMS + l + 1);
    const next: usize = l === L - 1 ? 0 : K.p(C_A + l + 1);
    let o = 0;
    if (l === 0 && K.i(C_SPARSE) !== 0) {
      forwardSparse0(theta, n);
      o = outW & ~3;
    }
    denseForward(
      K.p(C_A + l),
      K.p(C_Z + l),
      next,
      theta + ((<usize>K.i(C_WOFF + l)) << 4),
      theta + ((<usize>K.i(C_BOFF + l)) << 4),
      bias,
      n,
      K.i(C_DIMS + l),
      outW,
      o,
    );
  }
}

/**
 * One dense layer on n lane-interleaved rows a [n × inW]: z = W a + b [n × outW] for output
 * units o0.., and next = relu(z) unless next is 0 (the readout). Also the conv layers' product
 * on their im2col rows (cnn.ts).
 */
export function denseForward(
  a: usize,
  z: usize,
  next: usize,
  W: usize,
  b: usize,
  bias: i32,
  n: i32,
  inW: i32,
  outW: i32,
  o0: i32,
): void {
  const zero = f32x4.splat(0);
  const last = next === 0;
  const rowB = (<usize>inW) << 4;
  const rowO = (<usize>outW) << 4;
  // Blocks of 4 output units outermost: their weight rows stay in cache across the n rows.
  let o = o0;
  for (; o + 4 <= outW; o += 4) {
    let b0 = zero;
    let b1 = zero;
    let b2 = zero;
    let b3 = zero;
    if (bias) {
      const bp = b + ((<usize>o) << 4);
      b0 = v128.load(bp);
      b1 = v128.load(bp, 16);
      b2 = v128.load(bp, 32);
      b3 = v128.load(bp, 48);
    }
    const w0 = W + <usize>o * rowB;
    const w1 = w0 + rowB;
    const w2 = w1 + rowB;
    const w3 = w2 + rowB;
    let s = 0;
    // two rows at a time: 6 loads feed 8 multiply-adds
    for (; s + 2 <= n; s += 2) {
      const ap = a + <usize>s * rowB;
      const aq = ap + rowB;
      let c0 = b0;
      let c1 = b1;
      let c2 = b2;
      let c3 = b3;
      let d0 = b0;
      let d1 = b1;
      let d2 = b2;
      let d3 = b3;
      for (let k = 0; k < inW; k++) {
        const kk = (<usize>k) << 4;
        const av = v128.load(ap + kk);
        const aw = v128.load(aq + kk);
        const x0 = v128.load(w0 + kk);
        const x1 = v128.load(w1 + kk);
        const x2 = v128.load(w2 + kk);
        const x3 = v128.load(w3 + kk);
        c0 = V.madd(x0, av, c0);
        c1 = V.madd(x1, av, c1);
        c2 = V.madd(x2, av, c2);
        c3 = V.madd(x3, av, c3);
        d0 = V.madd(x0, aw, d0);
        d1 = V.madd(x1, aw, d1);
        d2 = V.madd(x2, aw, d2);
        d3 = V.madd(x3, aw, d3);
      }
      V.out4(z, next, s, rowO, o, c0, c1, c2, c3);
      V.out4(z, next, s + 1, rowO, o, d0, d1, d2, d3);
    }
    for (; s < n; s++) {
      const ap = a + <usize>s * rowB;
      let c0 = b0;
      let c1 = b1;
      let c2 = b2;
      let c3 = b3;
      for (let k = 0; k < inW; k++) {
        const kk = (<usize>k) << 4;
        const av = v128.load(ap + kk);
        c0 = V.madd(v128.load(w0 + kk), av, c0);
        c1 = V.madd(v128.load(w1 + kk), av, c1);
        c2 = V.madd(v128.load(w2 + kk), av, c2);
        c3 = V.madd(v128.load(w3 + kk), av, c3);
      }
      V.out4(z, next, s, rowO, o, c0, c1, c2, c3);
    }
  }
  for (; o < outW; o++) {
    const bo = bias ? v128.load(b + ((<usize>o) << 4)) : zero;
    const w = W + <usize>o * rowB;
    for (let s = 0; s < n; s++) {
      const ap = a + <usize>s * rowB;
      let c = bo;
      for (let k = 0; k < inW; k++) {
        const kk = (<usize>k) << 4;
        c = V.madd(v128.load(w + kk), v128.load(ap + kk), c);
      }
      v128.store(z + <usize>s * rowO + ((<usize>o) << 4), c);
      if (!last) v128.store(next + <usize>s * rowO + ((<usize>o) << 4), f32x4.max(c, zero));
    }
  }
}
