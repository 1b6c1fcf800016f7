/**
 * Exact sampling of a standard Gaussian truncated to a polyhedron,
 * x ~ N(0, I_d) restricted to {x : F x + g ≥ 0}, by exact Hamiltonian Monte
 * Carlo (Pakman & Paninski, "Exact Hamiltonian Monte Carlo for truncated
 * multivariate Gaussians", JCGS 2014).
 *
 * With the Hamiltonian of N(0, I) the motion is exact: x(t) = v sin t + x₀ cos t.
 * A particle moves for time T = π/2 (which for the untruncated Gaussian gives
 * an independent draw) and reflects elastically off every wall it meets; each
 * wall hit is found in closed form, so no step size and no rejection — the
 * chain leaves the truncated Gaussian exactly invariant.
 */
import type { Rng } from '@fsbayes/core';
import { FsbayesError } from '@fsbayes/core';

export interface TruncatedGaussian {
  /** Dimension d. */
  d: number;
  /** Constraint rows F [c × d] row-major. */
  F: Float64Array;
  /** Offsets g (length c); zero for a cone. */
  g: Float64Array;
}

/** Whether x satisfies every constraint strictly (F x + g > 0); returns the index of the first violated one or −1. */
export function firstViolation(tg: TruncatedGaussian, x: Float64Array): number {
  const { d, F, g } = tg;
  const c = g.length;
  for (let j = 0; j < c; j++) {
    let s = g[j];
    for (let k = 0; k < d; k++) s += F[j * d + k] * x[k];
    if (!(s > 0)) return j;
  }
  return -1;
}

/**
 * The exact HMC chain; state is the current point (must be feasible).
 *
 * Per wall hit the work is O(c) (c constraints), not O(c·d): the products
 * F x and F v move along the same ellipse as x and v, and a reflection off
 * wall j changes F v by a multiple of column j of the Gram matrix F Fᵀ. Both
 * products are recomputed from x and v at the start of every trajectory,
 * so rounding never accumulates across samples.
 */
export class ExactHmc {
  private readonly x: Float64Array;
  private readonly v: Float64Array;
  private readonly fx: Float64Array;
  private readonly fv: Float64Array;
  private readonly norms2: Float64Array;
  /** F Fᵀ [c × c]. */
  private readonly gram: Float64Array;
  /** Wall reflections so far. */
  bounces = 0;
  /** Trajectories run so far. */
  steps = 0;

  constructor(
    private readonly tg: TruncatedGaussian,
    start: Float64Array,
    private readonly rng: Rng,
    private readonly travel = Math.PI / 2,
  ) {
    if (start.length !== tg.d)
      throw new FsbayesError(`ExactHmc: start has ${start.length} coordinates, expected ${tg.d}`);
    if (firstViolation(tg, start) >= 0) throw new FsbayesError('ExactHmc: the starting point violates a constraint');
    const { d, F } = tg;
    const c = tg.g.length;
    this.x = start.slice();
    this.v = new Float64Array(d);
    this.fx = new Float64Array(c);
    this.fv = new Float64Array(c);
    this.norms2 = new Float64Array(c);
    this.gram = new Float64Array(c * c);
    for (let j = 0; j < c; j++) {
      for (let l = 0; l <= j; l++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += F[j * d + k] * F[l * d + k];
        this.gram[j * c + l] = s;
        this.gram[l * c + j] = s;
      }
      this.norms2[j] = this.gram[j * c + j];
      if (!(this.norms2[j] > 0)) throw new FsbayesError(`ExactHmc: constraint ${j} has a zero row`);
    }
  }

  /** The current point (a copy). */
  get point(): Float64Array {
    return this.x.slice();
  }

  /** Run one trajectory of time T from a fresh velocity; returns the new point (a view, copy to keep). */
  step(): Float64Array {
    const { d, F, g } = this.tg;
    const c = g.length;
    const { x, v, fx, fv, gram } = this;
    for (let k = 0; k < d; k++) v[k] = this.rng.normal();
    for (let j = 0; j < c; j++) {
      let a = 0;
      let b = 0;
      for (let k = 0; k < d; k++) {
        const f = F[j * d + k];
        a += f * v[k];
        b += f * x[k];
      }
      fv[j] = a;
      fx[j] = b;
    }
    let left = this.travel;
    let last = -1;
    for (let guard = 0; ; guard++) {
      if (guard > 100_000) throw new FsbayesError('ExactHmc: too many wall hits in one trajectory');
      // Earliest wall hit: F_j x(t) + g_j = U cos(t + φ) + g_j crosses 0 going down at t = acos(−g/U) − φ (mod 2π).
      let tHit = Number.POSITIVE_INFINITY;
      let jHit = -1;
      for (let j = 0; j < c; j++) {
        const fa = fv[j];
        const fb = fx[j];
        const U = Math.hypot(fa, fb);
        if (!(U > Math.abs(g[j]))) continue; // this wall is never reached on the ellipse
        const phi = Math.atan2(-fa, fb);
        let t = Math.acos(-g[j] / U) - phi;
        t -= 2 * Math.PI * Math.floor(t / (2 * Math.PI));
        // Just reflected off wall j: its next downward crossing is half a turn away; ignore round-off at 0 or 2π.
        if (j === last && (t < 1e-9 || t > 2 * Math.PI - 1e-9)) continue;
        if (t < 1e-12) continue;
        if (t < tHit) {
          tHit = t;
          jHit = j;
        }
      }
      const t = Math.min(tHit, left);
      const s = Math.sin(t);
      const co = Math.cos(t);
      for (let k = 0; k < d; k++) {
        const xk = x[k];
        const vk = v[k];
        x[k] = vk * s + xk * co;
        v[k] = vk * co - xk * s;
      }
      if (tHit >= left) break;
      for (let j = 0; j < c; j++) {
        const a = fx[j];
        const b = fv[j];
        fx[j] = b * s + a * co;
        fv[j] = b * co - a * s;
      }
      left -= tHit;
      // Elastic reflection: v ← v − 2 (f·v / |f|²) f, and F v with it.
      const a = (2 * fv[jHit]) / this.norms2[jHit];
      for (let k = 0; k < d; k++) v[k] -= a * F[jHit * d + k];
      for (let j = 0; j < c; j++) fv[j] -= a * gram[j * c + jHit];
      last = jHit;
      this.bounces++;
    }
    this.steps++;
    return x;
  }
}

/**
 * A strictly feasible point of a cone {x : F x > 0} (g = 0) by the
 * perceptron algorithm on the rows of F, or null when none is found within
 * `maxUpdates` updates (the cone may be empty). Used to start exact HMC when
 * rejection found no point.
 */
export function coneInteriorPoint(F: Float64Array, c: number, d: number, maxUpdates = 1_000_000): Float64Array | null {
  const x = new Float64Array(d);
  const norm = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += F[j * d + k] ** 2;
    norm[j] = Math.sqrt(s);
  }
  let updates = 0;
  for (;;) {
    let clean = true;
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += F[j * d + k] * x[k];
      if (!(s > 1e-9 * norm[j])) {
        for (let k = 0; k < d; k++) x[k] += F[j * d + k] / norm[j];
        clean = false;
        if (++updates >= maxUpdates) return null;
      }
    }
    if (clean) break;
  }
  // Scale to a typical radius of N(0, I_d), so burn-in is short.
  let r = 0;
  for (let k = 0; k < d; k++) r += x[k] * x[k];
  const scale = Math.sqrt(d / r);
  for (let k = 0; k < d; k++) x[k] *= scale;
  return x;
}

/** Effective sample size of a chain of scalars (autocorrelations summed until they first drop below 0.05). */
export function effectiveSampleSize(xs: ArrayLike<number>): { ess: number; lag1: number } {
  const n = xs.length;
  if (n < 3) return { ess: n, lag1: Number.NaN };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i];
  mean /= n;
  let v0 = 0;
  for (let i = 0; i < n; i++) v0 += (xs[i] - mean) ** 2;
  if (!(v0 > 0)) return { ess: n, lag1: Number.NaN };
  const rho = (lag: number) => {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += (xs[i] - mean) * (xs[i + lag] - mean);
    return s / v0;
  };
  const lag1 = rho(1);
  let sum = 0;
  for (let lag = 1; lag < Math.min(n, 1000); lag++) {
    const r = rho(lag);
    if (r < 0.05) break;
    sum += r;
  }
  return { ess: n / (1 + 2 * sum), lag1 };
}
