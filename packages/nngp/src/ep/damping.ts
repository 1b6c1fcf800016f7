/** The damping of EP's sweeps: fixed, or adaptive (see `EpOptions.damping`). */

/**
 * Adaptive damping (see `EpOptions.damping`): start at ADAPT_START; after each sweep compare its
 * site change d_k (scaled as for `tol`) with the previous one: cos(d_k, d_{k−1}) < ADAPT_FLIP (the
 * sites swing back: an oscillating mode) cuts δ by ADAPT_CUT; > ADAPT_STEADY (they keep moving the same
 * way: slow convergence) raises it by ADAPT_RAISE, up to 1. Chosen on MNIST (|S| = 1000, clean and
 * half-corrupted labels) and on Boolean kernels (2^7, 2^8 points), where fixed δ = 0.8 cycles for ever on
 * one and δ = 0.5 needs 1.3–3× the sweeps.
 */
const ADAPT_START = 0.8;
const ADAPT_CUT = 0.7;
const ADAPT_RAISE = 1.2;
const ADAPT_FLIP = -0.3;
const ADAPT_STEADY = 0.8;
const ADAPT_MIN = 0.05;

/** The damping of each sweep: fixed, or adaptive (cut when successive site changes point against each other). */
export class Damper {
  damping: number;
  private readonly adaptive: boolean;
  private prev: Float64Array | null = null;

  constructor(opt: number | 'adaptive') {
    this.adaptive = opt === 'adaptive';
    this.damping = opt === 'adaptive' ? ADAPT_START : opt;
  }

  /** The damping for the next sweep, after one that moved the sites from (τ̃₀, ν̃₀) to (τ̃, ν̃). */
  next(tau: Float64Array, tau0: Float64Array, nu: Float64Array, nu0: Float64Array, kbar: number): number {
    if (!this.adaptive) return this.damping;
    const n = tau.length;
    const d = new Float64Array(2 * n);
    const sk = Math.sqrt(kbar);
    for (let i = 0; i < n; i++) {
      d[i] = (tau[i] - tau0[i]) * kbar;
      d[n + i] = (nu[i] - nu0[i]) * sk;
    }
    const p = this.prev;
    this.prev = d;
    if (!p) return this.damping;
    let dp = 0;
    let dd = 0;
    let pp = 0;
    for (let i = 0; i < 2 * n; i++) {
      dp += d[i] * p[i];
      dd += d[i] * d[i];
      pp += p[i] * p[i];
    }
    const c = dd > 0 && pp > 0 ? dp / Math.sqrt(dd * pp) : 0;
    if (c < ADAPT_FLIP) this.damping = Math.max(ADAPT_MIN, this.damping * ADAPT_CUT);
    else if (c > ADAPT_STEADY) this.damping = Math.min(1, this.damping * ADAPT_RAISE);
    return this.damping;
  }
}
