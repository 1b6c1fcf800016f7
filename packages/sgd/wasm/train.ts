/**
 * Lockstep training of fully connected ReLU nets, four nets per SIMD vector.
 *
 * A "group" is 4 nets ("lanes") of one spec. Every array of a group is
 * lane-interleaved f32: value k of lane l sits at byte 16k + 4l, so one v128
 * holds the same parameter (or activation) of the 4 nets and every operation
 * is lane-wise: a lane's arithmetic never depends on the other lanes, so a
 * run gives the same result in whichever lane (or thread) it trains. Each
 * lane has its own minibatch order (`perm`), labels and step count.
 *
 * Per group at base + g·stride: θ [P×4], grad [P×4], s1 [P×4], s2 [P×4]
 * (optimiser state), in core's paramLayout order. The JS glue
 * (`src/wasm.ts`) owns the memory layout and writes the configuration block.
 */

// Int config slots.
const C_L = 0;
const C_BIAS = 1;
const C_P = 2;
const C_CAP = 3;
const C_MS = 4;
const C_ME = 5;
const C_BATCH = 6;
const C_LOSS = 7;
const C_OPT = 8;
const C_NESTEROV = 9;
const C_XS = 10;
const C_YS = 11;
const C_XE = 12;
const C_PERM = 13;
const C_GBASE = 14;
const C_GSTRIDE = 15;
const C_T = 16;
const C_YB = 17;
/** Input-sparsity masks (see buildMasks): blocks per row pair, rows per block. */
const C_KPAIR = 18;
const C_KBATCH = 19;
/** 1: skip input coordinates that are zero in every lane (layer 0). */
const C_SPARSE = 140;
const C_DIMS = 20;
const C_WOFF = 40;
const C_BOFF = 60;
const C_A = 80;
const C_Z = 100;
const C_D = 120;
// Float config slots (f32 from byte 1024).
const F_LR = 0;
const F_MOM = 1;
const F_WD = 2;
const F_DECAY = 3;
const F_B1 = 4;
const F_B2 = 5;
const F_RHO = 6;
const F_EPS = 7;
const F_THR = 8;
const F_TLOW = 9;

const OPT_SGD = 0;
const OPT_ADAM = 1;
const OPT_ADAGRAD = 2;
const OPT_RMSPROP = 3;
const OPT_ADADELTA = 4;

let CFG: usize = 0;

/** Point the kernels at the configuration block (1024 bytes of i32, then f32 slots). */
export function setConfig(ptr: usize): void {
  CFG = ptr;
}

export function heapBase(): usize {
  return __heap_base;
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
class K {
  @inline static i(slot: i32): i32 {
    return load<i32>(CFG + ((slot as usize) << 2));
  }
  @inline static p(slot: i32): usize {
    return load<i32>(CFG + ((slot as usize) << 2)) as usize;
  }
  @inline static f(slot: i32): f32 {
    return load<f32>(CFG + 1024 + ((slot as usize) << 2));
  }
  /** Store 4 pre-activations of row s from unit o, and their relu into `next` (0: the readout, none). */
  @inline static out4(
    z: usize,
    next: usize,
    s: i32,
    rowO: usize,
    o: i32,
    c0: v128,
    c1: v128,
    c2: v128,
    c3: v128,
  ): void {
    const off = <usize>s * rowO + ((<usize>o) << 4);
    v128.store(z + off, c0);
    v128.store(z + off, c1, 16);
    v128.store(z + off, c2, 32);
    v128.store(z + off, c3, 48);
    if (next !== 0) {
      const zero = f32x4.splat(0);
      v128.store(next + off, f32x4.max(c0, zero));
      v128.store(next + off, f32x4.max(c1, zero), 16);
      v128.store(next + off, f32x4.max(c2, zero), 32);
      v128.store(next + off, f32x4.max(c3, zero), 48);
    }
  }
  /** Store 4 deltas masked by relu'(z) = 1 where z > 0. */
  @inline static relu4(dst: usize, z: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
    const zero = f32x4.splat(0);
    v128.store(dst, v128.and(c0, f32x4.gt(v128.load(z), zero)));
    v128.store(dst, v128.and(c1, f32x4.gt(v128.load(z, 16), zero)), 16);
    v128.store(dst, v128.and(c2, f32x4.gt(v128.load(z, 32), zero)), 32);
    v128.store(dst, v128.and(c3, f32x4.gt(v128.load(z, 48), zero)), 48);
  }
  /** a·b + c (fused in the relaxed-SIMD build). */
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<f32>(a, b, c);
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** Gather minibatch rows from[..from+n) of each lane's order into A[0] and the labels into YB. */
function gatherBatch(g: i32, from: i32, n: i32): void {
  const d = K.i(C_DIMS);
  const mS = K.i(C_MS);
  const xs = K.p(C_XS);
  const ys = K.p(C_YS);
  const a0 = K.p(C_A);
  const yb = K.p(C_YB);
  const perm = K.p(C_PERM) + ((<usize>g * 4 * <usize>mS) << 2);
  for (let l = 0; l < 4; l++) {
    const pl = perm + ((<usize>l * <usize>mS) << 2);
    for (let s = 0; s < n; s++) {
      const idx = load<i32>(pl + ((<usize>(from + s)) << 2));
      const src = xs + ((<usize>idx * <usize>d) << 2);
      const dst = a0 + ((<usize>s * <usize>d) << 4) + ((<usize>l) << 2);
      for (let k = 0; k < d; k++) store<f32>(dst + ((<usize>k) << 4), load<f32>(src + ((<usize>k) << 2)));
      store<f32>(yb + ((<usize>s) << 4) + ((<usize>l) << 2), load<f32>(ys + ((<usize>idx) << 2)));
    }
  }
  buildMasks(n);
}

/** Every lane sees the same rows from..from+n of X (for the fit check and E). */
function broadcastRows(x: usize, from: i32, n: i32): void {
  const d = K.i(C_DIMS);
  const a0 = K.p(C_A);
  for (let s = 0; s < n; s++) {
    const src = x + ((<usize>(from + s) * <usize>d) << 2);
    const dst = a0 + ((<usize>s * <usize>d) << 4);
    for (let k = 0; k < d; k++) v128.store(dst + ((<usize>k) << 4), f32x4.splat(load<f32>(src + ((<usize>k) << 2))));
  }
  buildMasks(n);
}

/**
 * Input sparsity (binarised MNIST is ~80% zeros). Coordinates go in blocks of
 * 4 (one 64-byte line of a lane-interleaved row), and for the n rows just put
 * in A[0] two sets of bit masks are built:
 * - per pair of rows (2s, 2s+1; a last odd row alone), over blocks: bit b set
 *   when any of the pair's 8 lane values in block b is nonzero (KPAIR, pair s
 *   at word s·⌈nb/32⌉), for layer 0's forward pass;
 * - per block, over rows: bit s set when row s has a nonzero lane value in
 *   the block (KBATCH, block b at word b·⌈cap/32⌉), for its weight gradient.
 * Both then visit only the marked blocks (about half of them on MNIST); the
 * last d mod 4 coordinates are always visited. A skipped term is w·0 = ±0
 * added to a sum in the dense order, so the result is the dense one bit for
 * bit (barring −0 sums and nets already at inf/NaN).
 */
function buildMasks(n: i32): void {
  if (K.i(C_SPARSE) === 0) return;
  const d = K.i(C_DIMS);
  const nb = d >> 2;
  const a0 = K.p(C_A);
  const row = (<usize>d) << 4;
  const zero = f32x4.splat(0);
  const pw = <usize>((nb + 31) >> 5);
  const pairs = K.p(C_KPAIR);
  const rw = <usize>((K.i(C_CAP) + 31) >> 5);
  const rows = K.p(C_KBATCH);
  memory.fill(pairs, 0, <usize>((n + 1) >> 1) * pw * 4);
  memory.fill(rows, 0, <usize>nb * rw * 4);
  for (let s = 0; s < n; s++) {
    const ap = a0 + <usize>s * row;
    const pm = pairs + <usize>(s >> 1) * pw * 4;
    const bit = 1 << (s & 31);
    const rword = <usize>(s >> 5) * 4;
    for (let b = 0; b < nb; b++) {
      const p = ap + ((<usize>b) << 6);
      const nz = v128.or(
        v128.or(f32x4.ne(v128.load(p), zero), f32x4.ne(v128.load(p, 16), zero)),
        v128.or(f32x4.ne(v128.load(p, 32), zero), f32x4.ne(v128.load(p, 48), zero)),
      );
      if (v128.any_true(nz)) {
        const w = pm + ((<usize>(b >> 5)) << 2);
        store<u32>(w, load<u32>(w) | (1 << (b & 31)));
        const r = rows + <usize>b * rw * 4 + rword;
        store<u32>(r, load<u32>(r) | bit);
      }
    }
  }
}

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
            c0 = K.madd(x0, av, c0);
            c1 = K.madd(x1, av, c1);
            c2 = K.madd(x2, av, c2);
            c3 = K.madd(x3, av, c3);
            d0 = K.madd(x0, aw, d0);
            d1 = K.madd(x1, aw, d1);
            d2 = K.madd(x2, aw, d2);
            d3 = K.madd(x3, aw, d3);
          }
        }
      }
      for (let k = nb << 2; k < inW; k++) {
        const kk = (<usize>k) << 4;
        const av = v128.load(ap + kk);
        const aw = v128.load(aq + kk);
        c0 = K.madd(v128.load(w0 + kk), av, c0);
        c1 = K.madd(v128.load(w1 + kk), av, c1);
        c2 = K.madd(v128.load(w2 + kk), av, c2);
        c3 = K.madd(v128.load(w3 + kk), av, c3);
        d0 = K.madd(v128.load(w0 + kk), aw, d0);
        d1 = K.madd(v128.load(w1 + kk), aw, d1);
        d2 = K.madd(v128.load(w2 + kk), aw, d2);
        d3 = K.madd(v128.load(w3 + kk), aw, d3);
      }
      K.out4(z, next, s, rowO, o, c0, c1, c2, c3);
      if (two) K.out4(z, next, s + 1, rowO, o, d0, d1, d2, d3);
    }
  }
}

/** Forward pass of the n rows in A[0]: Z[l] pre-activations, A[l+1] = relu(Z[l]). */
function forward(theta: usize, n: i32): void {
  const L = K.i(C_L);
  const bias = K.i(C_BIAS);
  const zero = f32x4.splat(0);
  for (let l = 0; l < L; l++) {
    const inW = K.i(C_DIMS + l);
    const outW = K.i(C_DIMS + l + 1);
    const a = K.p(C_A + l);
    const z = K.p(C_Z + l);
    const W = theta + ((<usize>K.i(C_WOFF + l)) << 4);
    const b = theta + ((<usize>K.i(C_BOFF + l)) << 4);
    const last = l === L - 1;
    const next: usize = last ? 0 : K.p(C_A + l + 1);
    const rowB = (<usize>inW) << 4;
    const rowO = (<usize>outW) << 4;
    // Blocks of 4 output units outermost: their weight rows stay in cache across the n rows.
    let o = 0;
    if (l === 0 && K.i(C_SPARSE) !== 0) {
      forwardSparse0(theta, n);
      o = outW & ~3;
    }
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
          c0 = K.madd(x0, av, c0);
          c1 = K.madd(x1, av, c1);
          c2 = K.madd(x2, av, c2);
          c3 = K.madd(x3, av, c3);
          d0 = K.madd(x0, aw, d0);
          d1 = K.madd(x1, aw, d1);
          d2 = K.madd(x2, aw, d2);
          d3 = K.madd(x3, aw, d3);
        }
        K.out4(z, next, s, rowO, o, c0, c1, c2, c3);
        K.out4(z, next, s + 1, rowO, o, d0, d1, d2, d3);
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
          c0 = K.madd(v128.load(w0 + kk), av, c0);
          c1 = K.madd(v128.load(w1 + kk), av, c1);
          c2 = K.madd(v128.load(w2 + kk), av, c2);
          c3 = K.madd(v128.load(w3 + kk), av, c3);
        }
        K.out4(z, next, s, rowO, o, c0, c1, c2, c3);
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
          c = K.madd(v128.load(w + kk), v128.load(ap + kk), c);
        }
        v128.store(z + <usize>s * rowO + ((<usize>o) << 4), c);
        if (!last) v128.store(next + <usize>s * rowO + ((<usize>o) << 4), f32x4.max(c, zero));
      }
    }
  }
}

/** ∂(mean loss)/∂z of the n readouts against the labels in YB (per lane, in f64 scalars). */
function lossGrad(n: i32): void {
  const L = K.i(C_L);
  const z = K.p(C_Z + L - 1);
  const dz = K.p(C_D + L - 1);
  const yb = K.p(C_YB);
  const ce = K.i(C_LOSS) === 0;
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
          c0 = K.madd(dv, x0, c0);
          c1 = K.madd(dv, x1, c1);
          c2 = K.madd(dv, x2, c2);
          c3 = K.madd(dv, x3, c3);
          e0 = K.madd(dw, x0, e0);
          e1 = K.madd(dw, x1, e1);
          e2 = K.madd(dw, x2, e2);
          e3 = K.madd(dw, x3, e3);
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
        c = K.madd(v128.load(dp), x, c);
        e = K.madd(v128.load(dp, 16), x, e);
      }
      v128.store(g + ((<usize>k) << 4), c);
      v128.store(h + ((<usize>k) << 4), e);
    }
  }
}

/** Backward pass of the last forward batch (n rows): grad ← ∂(mean loss)/∂θ. */
function backward(theta: usize, grad: usize, n: i32): void {
  const L = K.i(C_L);
  const bias = K.i(C_BIAS);
  const zero = f32x4.splat(0);
  for (let l = L - 1; l >= 0; l--) {
    const inW = K.i(C_DIMS + l);
    const outW = K.i(C_DIMS + l + 1);
    const a = K.p(C_A + l);
    const d = K.p(C_D + l);
    const gW = grad + ((<usize>K.i(C_WOFF + l)) << 4);
    const W = theta + ((<usize>K.i(C_WOFF + l)) << 4);
    const aRow = (<usize>inW) << 4;
    const dRow = (<usize>outW) << 4;
    let o = 0;
    if (l === 0 && K.i(C_SPARSE) !== 0) {
      weightGradSparse0(gW, n);
      o = outW & ~1;
    }
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
          c0 = K.madd(dv, x0, c0);
          c1 = K.madd(dv, x1, c1);
          c2 = K.madd(dv, x2, c2);
          c3 = K.madd(dv, x3, c3);
          e0 = K.madd(dw, x0, e0);
          e1 = K.madd(dw, x1, e1);
          e2 = K.madd(dw, x2, e2);
          e3 = K.madd(dw, x3, e3);
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
          c = K.madd(v128.load(dp), x, c);
          e = K.madd(v128.load(dp, 16), x, e);
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
          c = K.madd(v128.load(dcol + <usize>s * dRow), v128.load(a + <usize>s * aRow + ((<usize>k) << 4)), c);
        v128.store(g + ((<usize>k) << 4), c);
      }
    }
    if (bias) {
      const gb = grad + ((<usize>K.i(C_BOFF + l)) << 4);
      for (let u = 0; u < outW; u++) {
        let c = zero;
        const dcol = d + ((<usize>u) << 4);
        for (let s = 0; s < n; s++) c = f32x4.add(c, v128.load(dcol + <usize>s * dRow));
        v128.store(gb + ((<usize>u) << 4), c);
      }
    }
    if (l === 0) break;
    const dp = K.p(C_D + l - 1);
    const zp = K.p(C_Z + l - 1);
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
          c0 = K.madd(dv, x0, c0);
          c1 = K.madd(dv, x1, c1);
          c2 = K.madd(dv, x2, c2);
          c3 = K.madd(dv, x3, c3);
          e0 = K.madd(dw, x0, e0);
          e1 = K.madd(dw, x1, e1);
          e2 = K.madd(dw, x2, e2);
          e3 = K.madd(dw, x3, e3);
        }
        K.relu4(dps + ((<usize>k) << 4), zps + ((<usize>k) << 4), c0, c1, c2, c3);
        K.relu4(dps + aRow + ((<usize>k) << 4), zps + aRow + ((<usize>k) << 4), e0, e1, e2, e3);
      }
      for (; k < inW; k++) {
        let c = zero;
        let e = zero;
        for (let o = 0; o < outW; o++) {
          const x = v128.load(W + <usize>o * aRow + ((<usize>k) << 4));
          c = K.madd(v128.load(ds + ((<usize>o) << 4)), x, c);
          e = K.madd(v128.load(ds + dRow + ((<usize>o) << 4)), x, e);
        }
        const kk = (<usize>k) << 4;
        v128.store(dps + kk, v128.and(c, f32x4.gt(v128.load(zps + kk), zero)));
        v128.store(dps + aRow + kk, v128.and(e, f32x4.gt(v128.load(zps + aRow + kk), zero)));
      }
    }
    for (; s < n; s++) {
      const ds = d + <usize>s * dRow;
      const dps = dp + <usize>s * aRow;
      const zps = zp + <usize>s * aRow;
      for (let k = 0; k < inW; k++) {
        let c = zero;
        for (let o = 0; o < outW; o++)
          c = K.madd(v128.load(ds + ((<usize>o) << 4)), v128.load(W + <usize>o * aRow + ((<usize>k) << 4)), c);
        const kk = (<usize>k) << 4;
        v128.store(dps + kk, v128.and(c, f32x4.gt(v128.load(zps + kk), zero)));
      }
    }
  }
}

/** A v128 of the 4 lanes' f32 values of f(t_lane). */
function perLane4(t0: f64, t1: f64, t2: f64, t3: f64): v128 {
  let v = f32x4.splat(<f32>t0);
  v = f32x4.replace_lane(v, 1, <f32>t1);
  v = f32x4.replace_lane(v, 2, <f32>t2);
  v = f32x4.replace_lane(v, 3, <f32>t3);
  return v;
}

/** SGD over [0, end) bytes: g ← g + λθ; plain, heavy-ball or Nesterov momentum (a function of its own: V8 compiles it tightly). */
function sgdLoop(theta: usize, grad: usize, s1: usize, end: usize, vlr: v128, wdv: f32, muv: f32, nest: bool): void {
  const wd = f32x4.splat(wdv);
  const mu = f32x4.splat(muv);
  if (muv === 0) {
    for (let o: usize = 0; o < end; o += 16) {
      const th = v128.load(theta + o);
      const gk = f32x4.add(v128.load(grad + o), f32x4.mul(wd, th));
      v128.store(theta + o, f32x4.sub(th, f32x4.mul(vlr, gk)));
    }
    return;
  }
  for (let o: usize = 0; o < end; o += 16) {
    const th = v128.load(theta + o);
    const gk = f32x4.add(v128.load(grad + o), f32x4.mul(wd, th));
    const v = f32x4.sub(f32x4.mul(mu, v128.load(s1 + o)), f32x4.mul(vlr, gk));
    v128.store(s1 + o, v);
    const upd = nest ? f32x4.sub(f32x4.mul(mu, v), f32x4.mul(vlr, gk)) : v;
    v128.store(theta + o, f32x4.add(th, upd));
  }
}

function adamLoop(
  theta: usize,
  grad: usize,
  s1: usize,
  s2: usize,
  end: usize,
  c1: v128,
  c2: v128,
  b1: f32,
  b2: f32,
  eps: v128,
): void {
  const vb1 = f32x4.splat(b1);
  const vb1c = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2);
  const vb2c = f32x4.splat(1 - b2);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const m = f32x4.add(f32x4.mul(vb1, v128.load(s1 + o)), f32x4.mul(vb1c, gk));
    const v = f32x4.add(f32x4.mul(vb2, v128.load(s2 + o)), f32x4.mul(vb2c, f32x4.mul(gk, gk)));
    v128.store(s1 + o, m);
    v128.store(s2 + o, v);
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(v, c2)), eps);
    v128.store(theta + o, f32x4.sub(v128.load(theta + o), f32x4.div(f32x4.mul(c1, m), den)));
  }
}

function adagradLoop(theta: usize, grad: usize, s1: usize, end: usize, lr: f32, eps: v128): void {
  const vlr = f32x4.splat(lr);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const G = f32x4.add(v128.load(s1 + o), f32x4.mul(gk, gk));
    v128.store(s1 + o, G);
    const den = f32x4.add(f32x4.sqrt(G), eps);
    v128.store(theta + o, f32x4.sub(v128.load(theta + o), f32x4.div(f32x4.mul(vlr, gk), den)));
  }
}

function rmspropLoop(theta: usize, grad: usize, s1: usize, end: usize, lr: f32, rhov: f32, eps: v128): void {
  const vlr = f32x4.splat(lr);
  const rho = f32x4.splat(rhov);
  const rhoc = f32x4.splat(1 - rhov);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const s = f32x4.add(f32x4.mul(rho, v128.load(s1 + o)), f32x4.mul(rhoc, f32x4.mul(gk, gk)));
    v128.store(s1 + o, s);
    const den = f32x4.add(f32x4.sqrt(s), eps);
    v128.store(theta + o, f32x4.sub(v128.load(theta + o), f32x4.div(f32x4.mul(vlr, gk), den)));
  }
}

function adadeltaLoop(
  theta: usize,
  grad: usize,
  s1: usize,
  s2: usize,
  end: usize,
  lr: f32,
  rhov: f32,
  eps: v128,
): void {
  const vlr = f32x4.splat(lr);
  const rho = f32x4.splat(rhov);
  const rhoc = f32x4.splat(1 - rhov);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const eg = f32x4.add(f32x4.mul(rho, v128.load(s1 + o)), f32x4.mul(rhoc, f32x4.mul(gk, gk)));
    const ex = v128.load(s2 + o);
    const dlt = f32x4.neg(f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(ex, eps)), f32x4.sqrt(f32x4.add(eg, eps))), gk));
    v128.store(s1 + o, eg);
    v128.store(s2 + o, f32x4.add(f32x4.mul(rho, ex), f32x4.mul(rhoc, f32x4.mul(dlt, dlt))));
    v128.store(theta + o, f32x4.add(v128.load(theta + o), f32x4.mul(vlr, dlt)));
  }
}

/** One optimiser step of group g (lane-wise; each lane's own step count t). */
function optStep(g: i32, theta: usize, grad: usize): void {
  const P = K.i(C_P);
  const s1 = grad + ((<usize>P) << 4);
  const s2 = s1 + ((<usize>P) << 4);
  const tp = K.p(C_T) + ((<usize>g) << 4);
  const t0 = <f64>load<i32>(tp);
  const t1 = <f64>load<i32>(tp, 4);
  const t2 = <f64>load<i32>(tp, 8);
  const t3 = <f64>load<i32>(tp, 12);
  const opt = K.i(C_OPT);
  const lr = <f64>K.f(F_LR);
  const eps = f32x4.splat(K.f(F_EPS));
  const end = (<usize>P) << 4;
  if (opt === OPT_SGD) {
    const decay = <f64>K.f(F_DECAY);
    // η_t = η/(1 + decay·t), t = steps before this one
    const vlr = perLane4(lr / (1 + decay * t0), lr / (1 + decay * t1), lr / (1 + decay * t2), lr / (1 + decay * t3));
    sgdLoop(theta, grad, s1, end, vlr, K.f(F_WD), K.f(F_MOM), K.i(C_NESTEROV) !== 0);
  } else if (opt === OPT_ADAM) {
    const b1 = <f64>K.f(F_B1);
    const b2 = <f64>K.f(F_B2);
    // bias corrections with t = this step's number (t+1)
    const c1 = perLane4(
      lr / (1 - b1 ** (t0 + 1)),
      lr / (1 - b1 ** (t1 + 1)),
      lr / (1 - b1 ** (t2 + 1)),
      lr / (1 - b1 ** (t3 + 1)),
    );
    const c2 = perLane4(
      1 / (1 - b2 ** (t0 + 1)),
      1 / (1 - b2 ** (t1 + 1)),
      1 / (1 - b2 ** (t2 + 1)),
      1 / (1 - b2 ** (t3 + 1)),
    );
    adamLoop(theta, grad, s1, s2, end, c1, c2, <f32>b1, <f32>b2, eps);
  } else if (opt === OPT_ADAGRAD) {
    adagradLoop(theta, grad, s1, end, <f32>lr, eps);
  } else if (opt === OPT_RMSPROP) {
    rmspropLoop(theta, grad, s1, end, <f32>lr, K.f(F_RHO), eps);
  } else if (opt === OPT_ADADELTA) {
    adadeltaLoop(theta, grad, s1, s2, end, <f32>lr, K.f(F_RHO), eps);
  }
  store<i32>(tp, load<i32>(tp) + 1);
  store<i32>(tp, load<i32>(tp, 4) + 1, 4);
  store<i32>(tp, load<i32>(tp, 8) + 1, 8);
  store<i32>(tp, load<i32>(tp, 12) + 1, 12);
}

function groupTheta(g: i32): usize {
  return K.p(C_GBASE) + <usize>g * K.p(C_GSTRIDE);
}

/** Lanes of group g (bits 0–3) whose net classifies every point of S correctly. */
export function fitMask(g: i32): i32 {
  const theta = groupTheta(g);
  const mS = K.i(C_MS);
  const cap = K.i(C_CAP);
  const L = K.i(C_L);
  const thr = K.f(F_THR);
  const ys = K.p(C_YS);
  const z = K.p(C_Z + L - 1);
  let good = 15;
  // Small chunks: most epochs end with every lane still misclassifying some point, found in the first rows.
  const chunk = min(cap, 8);
  for (let from = 0; from < mS; from += chunk) {
    const n = min(chunk, mS - from);
    broadcastRows(K.p(C_XS), from, n);
    forward(theta, n);
    for (let s = 0; s < n; s++) {
      const y = load<f32>(ys + ((<usize>(from + s)) << 2)) > 0.5;
      for (let l = 0; l < 4; l++) {
        const p = load<f32>(z + ((<usize>s) << 4) + ((<usize>l) << 2)) > thr;
        if (p !== y) good &= ~(1 << l);
      }
    }
    if (good === 0) break;
  }
  return good;
}

/** One epoch of group g in the order at perm[g] (batches of `batch`, the last may be short); returns fitMask. */
export function trainEpoch(g: i32): i32 {
  const theta = groupTheta(g);
  const grad = theta + ((<usize>K.i(C_P)) << 4);
  const mS = K.i(C_MS);
  const batch = K.i(C_BATCH);
  for (let from = 0; from < mS; from += batch) {
    const n = min(batch, mS - from);
    gatherBatch(g, from, n);
    forward(theta, n);
    lossGrad(n);
    backward(theta, grad, n);
    optStep(g, theta, grad);
  }
  return fitMask(g);
}

/** For tests: the gradient of the first n rows of perm[g] into grad, without a step. */
export function gradientOnly(g: i32, n: i32): void {
  const theta = groupTheta(g);
  gatherBatch(g, 0, n);
  forward(theta, n);
  lossGrad(n);
  backward(theta, theta + ((<usize>K.i(C_P)) << 4), n);
}

/** For tests: one optimiser step of group g from the gradient already in grad. */
export function stepOnly(g: i32): void {
  const theta = groupTheta(g);
  optStep(g, theta, theta + ((<usize>K.i(C_P)) << 4));
}

/** Readouts of group g's 4 nets on every point of E into out ([mE × 4] f32). */
export function outputsE(g: i32, out: usize): void {
  const theta = groupTheta(g);
  const mE = K.i(C_ME);
  const cap = K.i(C_CAP);
  const L = K.i(C_L);
  const z = K.p(C_Z + L - 1);
  for (let from = 0; from < mE; from += cap) {
    const n = min(cap, mE - from);
    broadcastRows(K.p(C_XE), from, n);
    forward(theta, n);
    memory.copy(out + ((<usize>from) << 4), z, (<usize>n) << 4);
  }
}
