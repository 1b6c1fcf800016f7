/**
 * The standard normal distribution in float64, accurate in both tails.
 *
 * Everything is built on erfcx(x) = e^{x²} erfc(x) (W. J. Cody's rational
 * Chebyshev approximations, CALERF, Math. Comp. 23 (1969) 631–637, the
 * coefficient sets of Netlib `specfun/erf`), so that no tail probability is
 * ever formed as 1 − (something close to 1) and no Gaussian factor e^{−z²/2}
 * is formed where it would underflow:
 *
 *   Φ(z)       = ½ erfcx(−z/√2) e^{−z²/2}            (z < 0)
 *   log Φ(z)   = log(½ erfcx(−z/√2)) − z²/2          (z < 0, finite down to −1e154 and beyond)
 *   φ(z)/Φ(z)  = √(2/π) / erfcx(−z/√2)               (z < 0, no exponential at all)
 *
 * e^{−z²/2} is evaluated as e^{−zₕ²/2}·e^{−(z−zₕ)(z+zₕ)/2} with zₕ = z rounded to
 * 1/16 (Cody's trick), so its relative error stays a few ulps instead of
 * growing like z²·ε. Accuracy against mpmath is asserted in test/normal.test.ts
 * (relative errors of a few 1e-15 or better; see the tolerances there).
 */

const SQRT1_2 = Math.SQRT1_2;
/** 1/√(2π) */
const INV_SQRT_2PI = 0.3989422804014327;
/** √(2/π) */
const SQRT_2_OVER_PI = 0.7978845608028654;
/** log(√(2π)) */
const LOG_SQRT_2PI = 0.9189385332046728;
/** 1/√π */
const INV_SQRT_PI = 0.5641895835477563;
const LN2 = Math.LN2;

// Cody (1969), CALERF. A/B: erf on [0, 0.46875]; C/D: erfcx on [0.46875, 4];
// P/Q: erfcx on (4, ∞) as (1/√π − z·P(z)/Q(z))/x with z = 1/x².
const A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
const B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707,
  2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
];
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247,
  3439.3676741437216, 1230.3393548037495,
];
const P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378,
  0.016315387137302097,
];
const Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];

/** erf(x) for |x| ≤ 0.46875 (Cody's first interval). */
function erfSmall(x: number): number {
  const z = x * x;
  let num = A[4] * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]) * z;
    den = (den + B[i]) * z;
  }
  return (x * (num + A[3])) / (den + B[3]);
}

/** erfcx(x) for x ≥ 0.46875. */
function erfcxPos(x: number): number {
  if (x <= 4) {
    let num = C[8] * x;
    let den = x;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * x;
      den = (den + D[i]) * x;
    }
    return (num + C[7]) / (den + D[7]);
  }
  if (x > 5e7) {
    // 1/x² below ε²: the asymptotic series 1/(x√π)·(1 − 1/(2x²)) is exact to rounding; also avoids x² overflow.
    return INV_SQRT_PI / x;
  }
  const z = 1 / (x * x);
  let num = P[5] * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]) * z;
    den = (den + Q[i]) * z;
  }
  const r = (z * (num + P[4])) / (den + Q[4]);
  return (INV_SQRT_PI - r) / x;
}

/**
 * e^{−x²/2·s} with s ∈ {1, 2} (s = 2 gives e^{−x²}) to a few ulps: x is split as
 * xₕ + (x − xₕ) with xₕ a multiple of 1/16, whose square is exact.
 */
function expNegSq(x: number, half: boolean): number {
  const ax = Math.abs(x);
  if (ax > 1e8) return 0;
  const xh = Math.trunc(ax * 16) / 16;
  const lo = (ax - xh) * (ax + xh);
  return half ? Math.exp((-xh * xh) / 2) * Math.exp(-lo / 2) : Math.exp(-xh * xh) * Math.exp(-lo);
}

/**
 * Scaled complementary error function erfcx(x) = e^{x²} erfc(x). Accurate to a
 * few ulps for every x ≥ 0 (erfcx(x) → 1/(x√π) as x → ∞, never overflows);
 * for x < 0 it is 2e^{x²} − erfcx(−x), which overflows to +∞ below x ≈ −26.6.
 */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 0.46875) return erfcxPos(x);
  if (x > -0.46875) return Math.exp(x * x) * (1 - erfSmall(x));
  if (x < -26.7) return Number.POSITIVE_INFINITY;
  // 2e^{x²}: e^{x²} = 1/e^{−x²} with the split exponential.
  return 2 / expNegSq(x, false) - erfcxPos(-x);
}

/** Complementary error function erfc(x) = 1 − erf(x), accurate in relative terms for x > 0 (down to underflow near x ≈ 27.2). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.46875) return 1 - erfSmall(x);
  if (ax > 27.3) r = 0;
  else r = erfcxPos(ax) * expNegSq(ax, false);
  return x < 0 ? 2 - r : r;
}

/** Standard normal density φ(z) = e^{−z²/2}/√(2π). */
export function normPdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return INV_SQRT_2PI * expNegSq(z, true);
}

/**
 * Standard normal CDF Φ(z), relative accuracy of a few ulps for z < 0 (down to
 * the subnormal range, z ≈ −38.5; 0 below) and absolute ε for z > 0.
 */
export function normCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z < 0) return lowerTail(z);
  return 1 - lowerTail(-z);
}

/** Φ(z) for z ≤ 0. */
function lowerTail(z: number): number {
  const x = -z * SQRT1_2;
  if (x < 0.46875) return 0.5 * (1 - erfSmall(x));
  if (z < -38.5) return 0;
  return 0.5 * erfcxPos(x) * expNegSq(z, true);
}

/**
 * log Φ(z), relative accuracy of a few ulps everywhere: for z < 0 as
 * log(½ erfcx(−z/√2)) − z²/2 (finite for any finite z: log Φ(−1e5) ≈ −5e9),
 * for z > 0 as log1p(−Φ(−z)) (so log Φ(10) ≈ −7.6e−24 keeps its digits).
 */
export function logNormCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  if (z >= 0) {
    const t = lowerTail(-z);
    return t === 0 ? 0 : Math.log1p(-t);
  }
  const x = -z * SQRT1_2;
  if (x < 0.46875) return Math.log(0.5 * (1 - erfSmall(x)));
  if (z > -5) return Math.log(0.5 * erfcxPos(x) * expNegSq(z, true));
  return Math.log(erfcxPos(x)) - LN2 - 0.5 * z * z;
}

/** log φ(z) = −z²/2 − log √(2π). */
export function logNormPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/**
 * The inverse Mills ratio φ(z)/Φ(z) (the hazard of −Z), stable for z ≪ 0 where it
 * tends to −z − 1/z + …: computed as √(2/π)/erfcx(−z/√2) for z < 0, with no
 * exponential. Relative accuracy a few ulps. Tends to 0 as z → +∞.
 */
export function millsRatio(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z < 0) {
    if (z === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY;
    const x = -z * SQRT1_2;
    if (x < 0.46875) return SQRT_2_OVER_PI / (Math.exp(x * x) * (1 - erfSmall(x)));
    return SQRT_2_OVER_PI / erfcxPos(x);
  }
  return normPdf(z) / (1 - lowerTail(-z));
}

/**
 * log(1 − e^{d}) for d ≤ 0 (Mächler's log1mexp: log(−expm1 d) near 0, log1p(−e^d) below −ln 2).
 */
export function log1mExp(d: number): number {
  if (d > -LN2) return Math.log(-Math.expm1(d));
  return Math.log1p(-Math.exp(d));
}

// Gauss–Legendre nodes and weights on [−1, 1] (16 points), computed once by Newton on P₁₆.
const GL_N = 16;
const [GL_X, GL_W] = gaussLegendre(GL_N);

function gaussLegendre(nodes: number): [Float64Array, Float64Array] {
  const xs = new Float64Array(nodes);
  const ws = new Float64Array(nodes);
  const legendre = (x: number): [number, number] => {
    let p0 = 1;
    let p1 = x;
    for (let k = 2; k <= nodes; k++) {
      const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    return [p1, (nodes * (x * p1 - p0)) / (x * x - 1)]; // P_n(x), P_n'(x)
  };
  for (let i = 0; i < nodes; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (nodes + 0.5));
    for (let it = 0; it < 100; it++) {
      const [p, dp] = legendre(x);
      const dx = p / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-17) break;
    }
    const dp = legendre(x)[1];
    xs[i] = x;
    ws[i] = 2 / ((1 - x * x) * dp * dp);
  }
  return [xs, ws];
}

/**
 * log(Φ(b) − Φ(a)) for a < b, stable in both tails and for narrow intervals
 * (Botev's `lnNpr`). Three regimes:
 * - a narrow interval (h = (b−a)/2 with h·max(|m|, 1) ≤ 1, m = (a+b)/2): 16-point
 *   Gauss–Legendre on φ(m+t)/φ(m) = e^{−mt−t²/2}, so no difference of CDFs is formed;
 * - both ends on one side of 0 (mirrored to the lower side): log Φ(b) + log(1 − Φ(a)/Φ(b)),
 *   with log(Φ(a)/Φ(b)) = log(erfcx(−a/√2)/erfcx(−b/√2)) − (a−b)(a+b)/2 formed without cancellation;
 * - a ≤ 0 ≤ b: log1p(−Φ(a) − Φ(−b)).
 * Returns −∞ for a ≥ b.
 */
export function logDiffNormCdf(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  if (!(a < b)) return Number.NEGATIVE_INFINITY;
  if (a > 0) {
    // Φ(b) − Φ(a) = Φ(−a) − Φ(−b).
    const t = a;
    a = -b;
    b = -t;
  }
  // Now a < b and a ≤ 0.
  const h = (b - a) / 2;
  if (Number.isFinite(h)) {
    const m = a + h;
    if (h * Math.max(Math.abs(m), 1) <= 1) {
      let s = 0;
      for (let i = 0; i < GL_N; i++) {
        const t = h * GL_X[i];
        s += GL_W[i] * Math.exp(-t * (m + 0.5 * t));
      }
      return Math.log(h * s) + logNormPdf(m);
    }
  }
  if (b <= 0) {
    if (a === Number.NEGATIVE_INFINITY) return logNormCdf(b);
    // log Φ(a) − log Φ(b) < 0
    const lb = logNormCdf(b);
    let d: number;
    if (b < -1) d = Math.log(erfcxPos(-a * SQRT1_2) / erfcxPos(-b * SQRT1_2)) - ((a - b) * (a + b)) / 2;
    else d = logNormCdf(a) - lb;
    return lb + log1mExp(d);
  }
  // a ≤ 0 < b
  const s = lowerTail(a) + lowerTail(-b);
  return s === 0 ? 0 : Math.log1p(-s);
}

/**
 * Φ⁻¹(p) to full double accuracy: Acklam's rational approximation (relative
 * error < 1.2e−9) refined by one Halley step, where Φ(x) − p is formed without
 * cancellation (erf for the central region, the accurate lower tail beyond).
 * invNormCdf(0) = −∞, invNormCdf(1) = +∞, NaN outside [0, 1]. Symmetric:
 * invNormCdf(1 − p) = −invNormCdf(p) whenever 1 − p is exact.
 */
export function invNormCdf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p > 0.5) return -invLower(1 - p);
  return invLower(p);
}

const AA = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const AB = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const AC = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const AD = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Φ⁻¹(p) for 0 < p ≤ ½. */
function invLower(p: number): number {
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((AC[0] * q + AC[1]) * q + AC[2]) * q + AC[3]) * q + AC[4]) * q + AC[5]) /
      ((((AD[0] * q + AD[1]) * q + AD[2]) * q + AD[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((AA[0] * r + AA[1]) * r + AA[2]) * r + AA[3]) * r + AA[4]) * r + AA[5]) * q) /
      (((((AB[0] * r + AB[1]) * r + AB[2]) * r + AB[3]) * r + AB[4]) * r + 1);
  }
  if (p < 1e-300) {
    // φ(x) and Φ(x) may be subnormal: Newton on log Φ(x) = log p instead (quadratic; twice from Acklam's 1e−9).
    const lp = Math.log(p);
    for (let it = 0; it < 2; it++) x -= (logNormCdf(x) - lp) / millsRatio(x);
    return x;
  }
  // Halley step on Φ(x) = p.
  let e: number;
  if (x > -0.6629126073623883) {
    // |x/√2| < 0.46875: Φ(x) − p = ½erf(x/√2) − (p − ½), both terms exact-ish, no cancellation with ½.
    e = 0.5 * erfSmall(x * SQRT1_2) - (p - 0.5);
  } else {
    e = lowerTail(x) - p;
  }
  const u = e / normPdf(x);
  return x - u / (1 + (x * u) / 2);
}
