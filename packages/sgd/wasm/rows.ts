/** Minibatch rows into layer 0's input (per lane, or the same rows in every lane), and their input-sparsity masks. */

import {
  C_A,
  C_CAP,
  C_DIMS,
  C_KBATCH,
  C_KPAIR,
  C_MS,
  C_PERM,
  C_SPARSE,
  C_XBUF,
  C_XDIM,
  C_XS,
  C_YB,
  C_YS,
  K,
} from './config';

/** Gather minibatch rows from[..from+n) of each lane's order into the input buffer (XBUF) and the labels into YB. */
export function gatherBatch(g: i32, from: i32, n: i32): void {
  const d = K.i(C_XDIM);
  const mS = K.i(C_MS);
  const xs = K.p(C_XS);
  const ys = K.p(C_YS);
  const a0 = K.p(C_XBUF);
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
export function broadcastRows(x: usize, from: i32, n: i32): void {
  const d = K.i(C_XDIM);
  const a0 = K.p(C_XBUF);
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
