/**
 * What the generated dual maps (`../generated/duals.ts`, from nngp's
 * activation table) are written with: f64x2 atan2 and asin, the constants
 * of the arc-cosine and arcsine kernels, and the generic update of one
 * dense layer (`Layer.next`).
 *
 * θ-functions use a SIMD atan2 for y ≥ 0 built on fdlibm's atan (s_atan.c:
 * its odd polynomial, valid for |x| < 7/16, after reducing the ratio to
 * [0, tan(π/8)] by atan u = π/4 + atan((u−1)/(u+1))), accurate to about
 * 1 ulp of π; π − θ is computed directly as
 * atan2(y, −x), which keeps it accurate when θ → π. asin(r) = atan2(|r|,
 * √((1−|r|)(1+|r|))) with the sign of r.
 */
const PIO2_HI: f64 = 1.5707963267948966;
const PIO2_LO: f64 = 6.123233995736766e-17;
const PI_HI: f64 = Math.PI;
const PI_LO: f64 = 1.2246467991473532e-16;
const ATANHI1: f64 = 0.7853981633974483;
const ATANLO1: f64 = 3.061616997868383e-17;
export const INV_2PI: f64 = 0.15915494309189535;
export const TWO_OVER_PI: f64 = 0.6366197723675814;
export const FOUR_OVER_PI: f64 = 1.2732395447351628;

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class M {
  @inline static s(x: f64): v128 {
    return f64x2.splat(x);
  }
  @inline static sel(mask: v128, a: v128, b: v128): v128 {
    return v128.bitselect(a, b, mask);
  }
  /**
   * atan(lo/hi) for 0 ≤ lo ≤ hi, hi > 0: below tan(π/8) fdlibm's odd
   * polynomial directly (it is accurate to |x| < 7/16), above it
   * π/4 + atan((lo − hi)/(lo + hi)), one division either way.
   */
  @inline static atanRatio(lo: v128, hi: v128): v128 {
    const m = f64x2.gt(lo, f64x2.mul(hi, M.s(0.41421356237309503)));
    const num = M.sel(m, f64x2.sub(lo, hi), lo);
    const den = M.sel(m, f64x2.add(lo, hi), hi);
    const x = f64x2.div(num, den);
    const z = f64x2.mul(x, x);
    const w = f64x2.mul(z, z);
    let s1 = M.s(0.016285820115365782);
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.049768779946159324));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.06661073137387531));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.09090887133436507));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.14285714272503466));
    s1 = f64x2.add(f64x2.mul(s1, w), M.s(0.3333333333333293));
    s1 = f64x2.mul(s1, z);
    let s2 = M.s(-0.036531572744216916);
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.058335701337905735));
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.0769187620504483));
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.11111110405462356));
    s2 = f64x2.add(f64x2.mul(s2, w), M.s(-0.19999999999876483));
    s2 = f64x2.mul(s2, w);
    const hiC = v128.and(M.s(ATANHI1), m);
    const loC = v128.and(M.s(ATANLO1), m);
    return f64x2.sub(hiC, f64x2.sub(f64x2.sub(f64x2.mul(x, f64x2.add(s1, s2)), loC), x));
  }
  /** atan2(y, x) for y ≥ 0, in [0, π]. atan2(0, 0) = 0. */
  @inline static atan2pos(y: v128, x: v128): v128 {
    const ax = f64x2.abs(x);
    const hi = f64x2.max(y, ax);
    const lo = f64x2.min(y, ax);
    // hi = 0 (both zero): 0/0 → use lo/1 = 0
    const safe = f64x2.gt(hi, M.s(0.0));
    let t = M.atanRatio(lo, M.sel(safe, hi, M.s(1.0)));
    t = M.sel(f64x2.gt(y, ax), f64x2.sub(M.s(PIO2_HI), f64x2.sub(t, M.s(PIO2_LO))), t);
    return M.sel(f64x2.lt(x, M.s(0.0)), f64x2.sub(M.s(PI_HI), f64x2.sub(t, M.s(PI_LO))), t);
  }
  /** asin(r) for r ∈ [−1, 1]. */
  @inline static asin(r: v128): v128 {
    const ar = f64x2.abs(r);
    const one = M.s(1.0);
    const c = f64x2.sqrt(f64x2.mul(f64x2.sub(one, ar), f64x2.add(one, ar)));
    return v128.or(M.atan2pos(ar, c), v128.and(r, i64x2.splat(0x8000000000000000)));
  }
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class Layer {
  /**
   * The dense layer after a hidden one, on f64x2 entries: K ← σ_b² + σ_w²·E
   * (returned) and, when `ntk`, Θ ← K + σ_w²·Ė·Θ, written to `tp` (both
   * lanes when `pair`, else lane 0).
   */
  @inline static next(ntk: bool, e: v128, kd: v128, th: v128, vsw2: v128, vsb2: v128, tp: usize, pair: bool): v128 {
    const cn = f64x2.add(vsb2, f64x2.mul(vsw2, e));
    if (ntk) {
      const tn = f64x2.add(cn, f64x2.mul(f64x2.mul(vsw2, kd), th));
      if (pair) v128.store(tp, tn);
      else store<f64>(tp, f64x2.extract_lane(tn, 0));
    }
    return cn;
  }
}
