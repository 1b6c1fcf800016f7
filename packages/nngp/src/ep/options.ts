/**
 * What `epClassify` takes and returns, and the conventions of its input: labels
 * by sign, and the schedule 'auto' stands for.
 */
import { FsbayesError, type Seed } from '@fsbayes/core';

/** Options of `epClassify`: the schedule and its damping, convergence, jitter, prior mean, warm start, outputs. */
export interface EpOptions {
  /**
   * 'sequential' (GPML 3.5, rank-1 updates of the full Σ; O(n³) per sweep), 'parallel' (all sites from one
   * posterior, then a refresh of diag Σ and μ only: chol(B) and L⁻¹, n³/3 per sweep; converges in ~1.5–2×
   * the sweeps, 2× faster at n = 1000–2000 and the one that reaches n = 10⁴), or 'auto' (default):
   * sequential up to n = 2000, parallel above (every small-scale experiment runs at n ≤ 2000, whose numbers
   * are thereby kept bit for bit). Both reach the same fixed point.
   */
  schedule?: 'sequential' | 'parallel' | 'auto';
  /** Sequential site order: 'random' (default, reshuffled every sweep from `seed`) or 'fixed' (0..n−1). */
  order?: 'random' | 'fixed';
  /** Seed of the site order stream `new Rng(seed, 'ep-order')` (default 0). */
  seed?: Seed;
  /**
   * Damping δ ∈ (0, 1]: new = (1−δ)·old + δ·proposed in natural parameters, or 'adaptive':
   * δ starts at 0.8, is cut by 0.7 when a sweep moves the sites back against the previous one and raised
   * by 1.2 (up to 1) when it moves them on the same way (see ADAPT_START). Default 1 sequential,
   * 'adaptive' parallel. Damping does not move the fixed point, only the path to it.
   */
  damping?: number | 'adaptive';
  /**
   * Convergence: stop after a sweep in which no site moved more than `tol`,
   * measured scale-free as max(|Δτ̃ᵢ|·k̄, |Δν̃ᵢ|·√k̄) with k̄ = mean(diag K) (default 1e−6).
   * `tol: 0` runs exactly `maxIterations` sweeps (benchmarks).
   */
  tol?: number;
  /** Sweep cap (default 200). */
  maxIterations?: number;
  /** 'auto' (default): jitter on K only if chol(B) fails. A number: that absolute jitter on K's diagonal from the start. */
  jitter?: 'auto' | number;
  /** Prior mean of f (default 0). */
  priorMean?: ArrayLike<number>;
  /** Start from these site parameters (warm start) instead of 0. */
  init?: { tauTilde: ArrayLike<number>; nuTilde: ArrayLike<number> };
  /** Also return the posterior covariance Σ (n×n) and the factor L of B (parallel: Σ costs one more n³/2 + n³/2 at the end). */
  returnSigma?: boolean;
  /** Also return the factor L of B (what `epPredict` needs), without Σ. */
  returnFactor?: boolean;
  /** Called after every sweep with its number, the largest scaled site change (see `tol`), its damping and its seconds. */
  onSweep?: (s: { iteration: number; change: number; damping: number; seconds: number }) => void;
  /** Threads for the factorisation and triangular solves of each refresh (default: the linalg layer's). */
  threads?: number;
}

/** What `epClassify` returns: log Z, the posterior mean, the sites, and how the run went. */
export interface EpResult {
  /** EP approximation of log P(sign f = y), f ~ N(m, K). */
  logZ: number;
  /** Posterior mean of f (prior mean included). */
  mu: Float64Array;
  /** Site precisions τ̃ (≥ 0) and precision-means ν̃ (sites act on g = f − m). */
  tauTilde: Float64Array;
  nuTilde: Float64Array;
  /** Sweeps run. */
  iterations: number;
  /** Whether the last sweep moved no site more than `tol` (with `tol: 0`: more than 1e−6). */
  converged: boolean;
  /** The largest scaled site change of the last sweep (see `tol`). */
  lastChange: number;
  /** Absolute diagonal jitter added to K (0 if none). */
  jitter: number;
  /** Site updates skipped because the cavity variance was not positive. */
  skipped: number;
  /** Site updates whose precision hit the cap 1e10/Kᵢᵢ (a sign of a degenerate problem, e.g. P(S) = 0). */
  capped: number;
  /** Time spent in site updates (incl. rank-1 updates) and in the per-sweep refreshes. */
  seconds: { updates: number; refresh: number };
  /** Posterior covariance (with `returnSigma`). */
  Sigma?: Float64Array;
  /** Lower Cholesky factor of B = I + S̃½KS̃½ (with `returnSigma` or `returnFactor`). */
  L?: Float64Array;
}

/** Labels: y > 0 ⇒ +1, otherwise −1 (so both ±1 and 0/1 labels work). */
export function signLabels(y: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new FsbayesError(`labels: size must be an integer ≥ 0, got ${n}`);
  if (y.length < n) throw new FsbayesError(`labels: need ${n}, got ${y.length}`);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(y[i])) throw new FsbayesError(`labels: y[${i}] is NaN`);
    s[i] = y[i] > 0 ? 1 : -1;
  }
  return s;
}

/** 'auto' takes the parallel schedule above this many points (see `EpOptions.schedule`). */
export const AUTO_PARALLEL_ABOVE = 2000;

/** The schedule 'auto' stands for at n points. */
export function resolveSchedule(s: 'sequential' | 'parallel' | 'auto', n: number): 'sequential' | 'parallel' {
  return s === 'auto' ? (n > AUTO_PARALLEL_ABOVE ? 'parallel' : 'sequential') : s;
}
