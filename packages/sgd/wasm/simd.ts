/** Lane-wise v128 helpers shared by the forward and backward passes. */

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class V {
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
  /** Store 4 deltas masked by relu'(z) = 1 where z > 0 (unmasked when `masked` is false). */
  @inline static relu4(dst: usize, z: usize, masked: bool, c0: v128, c1: v128, c2: v128, c3: v128): void {
    v128.store(dst, V.keep(c0, z, masked));
    v128.store(dst, V.keep(c1, z + 16, masked), 16);
    v128.store(dst, V.keep(c2, z + 32, masked), 32);
    v128.store(dst, V.keep(c3, z + 48, masked), 48);
  }
  /** c masked by relu'(z) (z > 0), or c itself when not `masked`. */
  @inline static keep(c: v128, z: usize, masked: bool): v128 {
    return masked ? v128.and(c, f32x4.gt(v128.load(z), f32x4.splat(0))) : c;
  }
  /** a·b + c (fused in the relaxed-SIMD build). */
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<f32>(a, b, c);
    return f32x4.add(f32x4.mul(a, b), c);
  }
}
