/**
 * Univariate truncated standard normals: sampling, quantiles and moments,
 * stable in both tails (after Botev 2017, §2 and the R package TruncatedNormal's
 * `trandn`; re-derived here).
 */
import { FsbayesError, invNormCdf, logDiffNormCdf, normCdf, type Rng } from '@fsbayes/core';

/** Below −A or above A the tail sampler is used (Botev's 0.66). */
const TAIL = 0.66;
/** Intervals wider than this (and not in a tail) use plain rejection from N(0,1). */
const WIDE = 2;
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * One draw of N(0,1) truncated to [l, u], l < u (either may be infinite).
 * - l > 0.66: Marsaglia's (1964) tail method — propose from the Rayleigh tail
 *   x²/2 − l²/2 ~ Exp(1) truncated at u, accept with probability l/x
 *   (acceptance ≥ ~0.7 for any l > 0.66, → 1 as l → ∞);
 * - u < −0.66: the same on (−u, −l), negated;
 * - otherwise the interval meets [−0.66, 0.66]: if wider than 2, rejection from
 *   N(0,1) (acceptance ≳ 0.3), else inverse CDF (Φ is well-conditioned there).
 * Exact for any bounds; never produces a value outside [l, u].
 */
export function trandn(l: number, u: number, rng: Rng): number {
  if (!(l <= u)) throw new FsbayesError(`trandn: need l ≤ u, got [${l}, ${u}]`);
  if (l === u) return l;
  if (l > TAIL) return ntail(l, u, rng);
  if (u < -TAIL) return -ntail(-u, -l, rng);
  if (u - l > WIDE) {
    for (;;) {
      const x = rng.normal();
      if (x >= l && x <= u) return x;
    }
  }
  const pl = normCdf(l);
  const pu = normCdf(u);
  const x = invNormCdf(pl + (pu - pl) * rng.uniform());
  // Rounding in Φ⁻¹ can step a hair outside a narrow interval: clamp.
  return Math.min(Math.max(x, l), u);
}

/** Tail sampler for 0 < l < u ≤ ∞ (Rayleigh proposal, Marsaglia acceptance). */
function ntail(l: number, u: number, rng: Rng): number {
  const c = 0.5 * l * l;
  // f = e^{c − u²/2} − 1 ∈ [−1, 0): the proposal x = c − log(1 + U·f) lies in [c, u²/2].
  const f = Math.expm1(c - 0.5 * u * u);
  for (;;) {
    const x = c - Math.log1p(rng.uniform() * f);
    const v = rng.uniform();
    if (v * v * x <= c) {
      const z = Math.sqrt(2 * x);
      return Math.min(z, u);
    }
  }
}

/**
 * Fill out[i] with draws from N(0,1) truncated to [l[i], u[i]] (the vectorised form
 * used by the samplers; each draw is {@link trandn}).
 */
export function trandnFill(
  l: ArrayLike<number>,
  u: ArrayLike<number>,
  rng: Rng,
  out: Float64Array = new Float64Array(l.length),
): Float64Array {
  for (let i = 0; i < l.length; i++) out[i] = trandn(l[i], u[i], rng);
  return out;
}

/**
 * The w-quantile of N(0,1) truncated to [a, b]: Φ⁻¹(Φ(a) + w(Φ(b) − Φ(a))),
 * formed so that neither tail loses digits (mirrored to a ≤ 0, then the smaller
 * of p and 1 − p = (1−w)Φ(−a) + wΦ(−b) is inverted). Used by Genz's separation
 * of variables; w is expected in (0, 1).
 */
export function truncNormQuantile(a: number, b: number, w: number): number {
  if (a > 0) return -truncNormQuantile(-b, -a, 1 - w);
  const pa = normCdf(a);
  // b = ∞ (orthants): Φ(b) = 1 and Φ(−b) = 0 exactly.
  const inf = b === Number.POSITIVE_INFINITY;
  const pb = inf ? 1 : normCdf(b);
  const p = pa + w * (pb - pa);
  let x: number;
  if (p <= 0.5) {
    if (p > 0) x = invNormCdf(p);
    else x = Number.isFinite(b) ? b : a; // both ends below Φ's range (b < −38): the mass sits at b
  } else {
    const q = (1 - w) * normCdf(-a) + (inf ? 0 : w * normCdf(-b));
    x = -invNormCdf(q);
  }
  return Math.min(Math.max(x, a), b);
}

/**
 * Mean of N(0,1) truncated to [a, b], (φ(a) − φ(b))/(Φ(b) − Φ(a)), formed as
 * e^{log φ(a) − w} − e^{log φ(b) − w} with w = log(Φ(b) − Φ(a)) (no cancellation
 * or overflow in the tails). `logZ` may be passed if already known.
 */
export function truncNormMean(a: number, b: number, logZ = logDiffNormCdf(a, b)): number {
  const pa = Number.isFinite(a) ? INV_SQRT_2PI * Math.exp(-0.5 * a * a - logZ) : 0;
  const pb = Number.isFinite(b) ? INV_SQRT_2PI * Math.exp(-0.5 * b * b - logZ) : 0;
  return pa - pb;
}
