/**
 * Expectation propagation for GP classification with the noise-free step
 * likelihood p(y|f) = 1(y f > 0), y ∈ {±1}: Rasmussen & Williams (GPML)
 * Algorithms 3.5/3.6 in the stable form B = I + S̃½ K S̃½, and the EP
 * approximation of log Z = log P(sign f = y), f ~ N(m, K) — i.e. a Gaussian
 * orthant probability, the marginal likelihood log P(S) of an NNGP.
 *
 * Prior mean. With f = m + g, g ~ N(0, K), the sites live on g and the step
 * becomes 1(y(g + m) > 0); all of GPML's algebra is unchanged, only the tilted
 * moments see the offset (z = y(μ₋ + m)/σ₋). `mu` is returned on f's scale.
 *
 * Sweep. Sequential: sites in random (seeded) or fixed order, each
 * update a rank-1 change of Σ, Σ ← Σ − c s sᵀ with s = Σ e_i,
 * c = Δτ/(1 + Δτ Σᵢᵢ), and the mean updated in O(n) as
 * μ ← μ + s (Δν − c(μᵢ + Δν Σᵢᵢ)) (from μ = Σν̃ before and after). The rank-1
 * terms are applied in blocks of 256 sites as one rank-256 update (a matrix
 * and a Gram product in the linalg layer), see SEQ_BLOCK. After each sweep Σ
 * and μ are recomputed from scratch (never inverting K or S̃): L = chol(B),
 * W = L⁻¹ S̃½ K, Σ = K − WᵀW, μ = Σν̃ (one Cholesky, one triangular solve with n
 * right-hand sides, one Gram product: O(n³) per sweep, as are the sequential
 * updates). Parallel (GPML 3.6 / Minka's parallel EP): every site from the
 * same posterior, then a refresh of only what the next sweep reads, Σᵢᵢ and
 * μ (refresh.ts: chol(B) and the column norms of L⁻¹, n³/3 per sweep), with
 * adaptive damping (see `EpOptions.damping`). 'auto' (default) is sequential
 * up to n = 2000 and parallel above. Damping δ ∈ (0, 1] mixes
 * natural parameters, τ̃ ← (1−δ)τ̃ + δτ̃_new (same for ν̃); it does not move the
 * fixed point. τ̃ is clamped at 0 and capped at 1e10/Kᵢᵢ (see TAU_MAX_REL); a
 * site whose cavity variance comes out non-positive (rounding, with K
 * singular) is skipped for that sweep; a point with Kᵢᵢ = 0 is fixed at its
 * prior mean and contributes log 1 or log 0 exactly (label +1 ⇔ f > 0, so f = 0
 * has label −1, as the nets read functions off).
 *
 * Memory is estimated before anything is allocated (memory.ts) and a run
 * that cannot fit is refused with the estimate and the limit.
 *
 * Accuracy (EP is an approximation except for n = 1; see test/ep.test.ts):
 * against exact bivariate orthants it is within 0.015 nats for |ρ| ≤ 0.8 and
 * 0.083 at ρ = 0.99; on a 10-point ReLU-NNGP kernel 0.065 nats below Genz;
 * on the Boolean system (|S| = 32, correlations ≈ 0.95) 0.17–0.30 nats below
 * Genz/MC — EP underestimates P(S) on strongly correlated kernels.
 *
 * log Z (derived here; GPML eqs. 3.65, 3.73–3.74). With Z_EP = ∫ N(g|0,K) ∏ Z̃ᵢ N(gᵢ|μ̃ᵢ, 1/τ̃ᵢ) dg,
 *   log Z_EP = Σ log Z̃ᵢ + log N(μ̃ | 0, K + S̃⁻¹),
 *   log Z̃ᵢ = log Ẑᵢ + ½ log 2π + ½ log(σ₋ᵢ² + 1/τ̃ᵢ) + (μ₋ᵢ − μ̃ᵢ)²/(2(σ₋ᵢ² + 1/τ̃ᵢ)),
 *   log|K + S̃⁻¹| = log|B| − Σ log τ̃ᵢ,   μ̃ᵀ(K + S̃⁻¹)⁻¹μ̃ = Σ ν̃ᵢ²/τ̃ᵢ − ν̃ᵀΣν̃  (Woodbury),
 * and collecting the terms that diverge as τ̃ᵢ → 0 (they cancel exactly):
 *   log Z_EP = Σᵢ [ log Ẑᵢ + ½ log(1 + τ̃ᵢ/τ₋ᵢ) + (ν₋ᵢ² τ̃ᵢ/τ₋ᵢ − 2ν₋ᵢν̃ᵢ − ν̃ᵢ²) / (2(τ₋ᵢ + τ̃ᵢ)) ]
 *              − Σ log Lᵢᵢ + ½ ν̃ᵀμ_g,
 * with μ_g = Σν̃ and the cavities (τ₋, ν₋) of the final posterior. This equals
 * GPy's expression (the ½ log 2π terms cancel against −(n/2) log 2π); every
 * term is finite at τ̃ᵢ = 0, where a site contributes only log Ẑᵢ. For n = 1 it is
 * exact: log Φ(m/√K).
 *
 * Jitter. Only B is factorised; its eigenvalues are ≥ 1 when K is PSD, so a
 * singular K (repeated inputs) needs none. If rounding makes K indefinite
 * enough that chol(B) fails, K's diagonal gets the smallest jitter of the
 * ladder 1e−10·mean(diag K), ×10 …, up to 1e−2, kept for the rest of the run
 * and reported; log Z is then that of K + jitter·I.
 */
import { FsbayesError, gram, matmul, Rng, type Seed, solveTriangular } from '@fsbayes/core';
import { checkEpMemory } from './memory.js';
import { stepMoments } from './moments.js';
import { type EpDiagFactor, type EpWork, epRefreshDiag, factorB, meanDiag, withJitter } from './refresh.js';

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

/** Everything a full refresh produces. */
export interface EpFactor {
  L: Float64Array;
  /** √τ̃ */
  sq: Float64Array;
  Sigma: Float64Array;
  /** μ_g = Σν̃ (zero-mean scale) */
  muG: Float64Array;
  /** Σ log Lᵢᵢ = ½ log|B| */
  halfLogDetB: number;
}

/**
 * Σ and μ from scratch for sites (τ̃, ν̃): L = chol(I + S̃½KS̃½), W = L⁻¹S̃½K,
 * Σ = K − WᵀW, μ = Σν̃. Raises the work's jitter (on K) if chol(B) fails and
 * jitter is automatic.
 */
export function epRefresh(w: EpWork, tau: Float64Array, nu: Float64Array, K0: Float64Array): EpFactor {
  const n = w.n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) sq[i] = Math.sqrt(tau[i]);
  const L = factorB(w, sq, K0);
  const Sigma = sigmaFromFactor(w.K, n, L, sq, w.threads);
  const muG = symMatVec(Sigma, nu, n);
  let h = 0;
  for (let i = 0; i < n; i++) h += Math.log(L[i * n + i]);
  return { L, sq, Sigma, muG, halfLogDetB: h };
}

/** Σ = K − WᵀW with W = L⁻¹ S̃½ K (full n×n, exactly symmetric: from K's lower triangle). */
export function sigmaFromFactor(
  K: Float64Array,
  n: number,
  L: Float64Array,
  sq: Float64Array,
  threads?: number,
): Float64Array {
  // W = L⁻¹ (S̃½ K)
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    const si = sq[i];
    if (si === 0) continue;
    for (let j = 0; j < n; j++) C[o + j] = si * K[o + j];
  }
  const W = solveTriangular(L, n, C, n, { threads });
  // WᵀW as the Gram matrix of Wᵀ's rows (the linalg layer's fast symmetric product); Wᵀ goes into C's buffer
  const Wt = C;
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) Wt[j * n + i] = W[o + j];
  }
  // Σ = K − WᵀW, in G's buffer, from K's lower triangle (so Σ is exactly symmetric even if K is not)
  const Sigma = gram(Wt, n, n);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let j = 0; j <= i; j++) Sigma[o + j] = Sigma[j * n + i] = K[o + j] - Sigma[o + j];
  }
  return Sigma;
}

/**
 * Sequential EP keeps its rank-1 updates pending in blocks of this many sites.
 * Within a block a site only needs Σᵢᵢ and μᵢ, i.e. the pending terms' entries
 * on the block's own indices (a b×b recurrence, O(b²) per site); at the end
 * of the block the n-long update vectors are formed as U = R·Σ[I, :] (one
 * matrix product) and applied as one symmetric rank-b update through the
 * linalg layer's Gram product (`applyPending`). Arithmetically this is GPML's
 * sequence of rank-1 updates; the O(n²) memory pass per site becomes one per
 * block, and the O(n³) flops per sweep run in the wasm kernels.
 */
const SEQ_BLOCK = 256;

/**
 * S ← S − Σ_{t<k} c_t u_t u_tᵀ (u_t = row t of U, n long; S full symmetric; c_t = 0 terms are skipped),
 * as S − X₊X₊ᵀ + X₋X₋ᵀ with X± the n×k± matrices of √|c_t| u_t split by the sign of c_t.
 */
function applyPending(S: Float64Array, n: number, U: Float64Array, c: Float64Array, k: number): void {
  if (k === 0) return;
  for (const sign of [1, -1]) {
    let kk = 0;
    for (let t = 0; t < k; t++) if (Math.sign(c[t]) === sign) kk++;
    if (kk === 0) continue;
    const X = new Float64Array(n * kk);
    let col = 0;
    for (let t = 0; t < k; t++) {
      if (Math.sign(c[t]) !== sign) continue;
      const a = Math.sqrt(Math.abs(c[t]));
      const ut = t * n;
      for (let r = 0; r < n; r++) X[r * kk + col] = a * U[ut + r];
      col++;
    }
    const G = gram(X, n, kk);
    if (sign > 0) for (let q = 0; q < n * n; q++) S[q] -= G[q];
    else for (let q = 0; q < n * n; q++) S[q] += G[q];
  }
}

/** A full symmetric copy of K's lower triangle. */
function symFromLower(K: Float64Array, n: number): Float64Array {
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) S[i * n + j] = S[j * n + i] = K[i * n + j];
  return S;
}

/** Copy the lower triangle onto the upper one. */
export function mirrorLower(S: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) S[i * n + j] = S[j * n + i];
}

/** y = S x for a full symmetric S (row-major). */
export function symMatVec(S: Float64Array, x: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += S[o + j] * x[j];
    y[i] = s;
  }
  return y;
}

/**
 * Site precisions are capped at TAU_MAX_REL/Kᵢᵢ: a site 1e10 times more
 * precise than the prior only arises when the problem is degenerate (e.g.
 * repeated inputs with contradictory labels, P(S) = 0, where EP's τ̃ grows
 * geometrically without bound); beyond it B = I + S̃½KS̃½ loses its unit
 * eigenvalues to rounding. Capped updates are counted in `capped`.
 */
const TAU_MAX_REL = 1e10;

/** One site's proposal from its cavity; null when the cavity is not usable. */
export function proposeSite(
  Sii: number,
  muGi: number,
  taui: number,
  nui: number,
  yi: number,
  mi: number,
  tauMax: number,
): { tau: number; nu: number; capped: boolean } | null {
  const tauC = 1 / Sii - taui;
  if (!(tauC > 0) || !Number.isFinite(tauC)) return null;
  const nuC = muGi / Sii - nui;
  const sC = 1 / Math.sqrt(tauC);
  const muC = nuC / tauC;
  const z = (yi * (muC + mi)) / sC;
  if (!Number.isFinite(z)) return null;
  const m = stepMoments(z);
  const muHat = muC + yi * sC * m.r;
  const varHat = sC * sC * m.v;
  if (!(varHat > 0)) return null;
  let tau = Math.max(0, 1 / varHat - tauC);
  let nu = muHat / varHat - nuC;
  let capped = false;
  if (tau > tauMax) {
    // Keep the site's mean μ̃ = ν̃/τ̃ but cap its precision (see TAU_MAX_REL).
    nu *= tauMax / tau;
    tau = tauMax;
    capped = true;
  }
  if (!Number.isFinite(tau) || !Number.isFinite(nu)) return null;
  return { tau, nu, capped };
}

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
class Damper {
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

/** What a sweep reads and moves: the problem, the sites (changed in place) and the counters. */
export interface SweepState {
  K: Float64Array;
  n: number;
  ys: Float64Array;
  m: Float64Array | null;
  tau: Float64Array;
  nu: Float64Array;
  damping: number;
  tauMax: Float64Array;
  skipped: number;
  capped: number;
}

/** Parallel sweep: every site's proposal from the same Σᵢᵢ and μ, damped. */
function parallelSweep(st: SweepState, diag: Float64Array, muG: Float64Array): void {
  const { K, n, ys, m, tau, nu, damping, tauMax } = st;
  for (let i = 0; i < n; i++) {
    if (K[i * n + i] === 0) continue;
    const prop = proposeSite(diag[i], muG[i], tau[i], nu[i], ys[i], m ? m[i] : 0, tauMax[i]);
    if (!prop) {
      st.skipped++;
      continue;
    }
    if (prop.capped) st.capped++;
    tau[i] = Math.max(0, (1 - damping) * tau[i] + damping * prop.tau);
    nu[i] = (1 - damping) * nu[i] + damping * prop.nu;
  }
}

/** Sequential sweeps (GPML 3.5) in blocks of SEQ_BLOCK sites; holds the block buffers and the site order. */
export class SequentialSweeper {
  private readonly bs: number;
  private readonly P: Float64Array;
  private readonly UI: Float64Array;
  private readonly R: Float64Array;
  private readonly cU: Float64Array;
  private readonly gU: Float64Array;
  private readonly rng: Rng | null;
  private readonly perm: Int32Array;

  /** `block`: sites per pending block (default SEQ_BLOCK; smaller pays off on small problems, same arithmetic in exact terms). */
  constructor(n: number, opts: Pick<EpOptions, 'order' | 'seed'>, block = SEQ_BLOCK) {
    const bs = Math.min(n, block);
    this.bs = bs;
    this.P = new Float64Array(bs * bs);
    this.UI = new Float64Array(bs * bs);
    this.R = new Float64Array(bs * bs);
    this.cU = new Float64Array(bs);
    this.gU = new Float64Array(bs);
    this.rng = opts.order === 'fixed' ? null : new Rng(opts.seed ?? 0, 'ep-order');
    this.perm = Int32Array.from({ length: n }, (_, i) => i);
  }

  /** One sweep over all sites, Σ (full) and μ updated in place. */
  sweep(st: SweepState, S: Float64Array, muG: Float64Array): void {
    const { K, n, ys, m, tau, nu, damping, tauMax } = st;
    const { bs, P, UI, R, cU, gU, perm } = this;
    if (this.rng) this.rng.shuffle(perm);
    for (let p0 = 0; p0 < n; p0 += bs) {
      const b = Math.min(n, p0 + bs) - p0;
      // The block's sites I = perm[p0 .. p0+b). Pending rank-1 terms: Σ_cur = S − Σ_{t<k} c_t u_t u_tᵀ and
      // μ_cur = μ + Σ_{t<k} g_t u_t, with u_t = S·(Σ_q R[t][q] e_{I_q}). Within the block only the entries of
      // u_t on I are needed (UI[t][q] = u_t[I_q]); the full u_t are formed once at the end (U = R·S[I, :]).
      for (let q = 0; q < b; q++) {
        const oi = perm[p0 + q] * n;
        for (let r = 0; r < b; r++) P[q * bs + r] = S[oi + perm[p0 + r]];
      }
      R.fill(0);
      for (let k = 0; k < b; k++) {
        const i = perm[p0 + k];
        const ok = k * bs;
        cU[k] = 0;
        gU[k] = 0;
        // UI[k] = P[k] − Σ_{t<k} c_t UI[t][k] UI[t];  R[k] = e_k − Σ_{t<k} c_t UI[t][k] R[t];  μ_i = μ[i] + Σ g_t UI[t][k]
        for (let r = 0; r < b; r++) UI[ok + r] = P[ok + r];
        R[ok + k] = 1;
        let mui = muG[i];
        for (let t = 0; t < k; t++) {
          const ot = t * bs;
          const utk = UI[ot + k];
          mui += gU[t] * utk;
          const a = cU[t] * utk;
          if (a === 0) continue;
          for (let r = 0; r < b; r++) UI[ok + r] -= a * UI[ot + r];
          for (let r = 0; r <= t; r++) R[ok + r] -= a * R[ot + r];
        }
        if (K[i * n + i] === 0) continue; // fixed at its mean, see epLogZ
        const Sii = UI[ok + k];
        const prop = proposeSite(Sii, mui, tau[i], nu[i], ys[i], m ? m[i] : 0, tauMax[i]);
        if (!prop) {
          st.skipped++;
          continue;
        }
        if (prop.capped) st.capped++;
        const tNew = damping === 1 ? prop.tau : Math.max(0, (1 - damping) * tau[i] + damping * prop.tau);
        const vNew = damping === 1 ? prop.nu : (1 - damping) * nu[i] + damping * prop.nu;
        const dTau = tNew - tau[i];
        const dNu = vNew - nu[i];
        tau[i] = tNew;
        nu[i] = vNew;
        const c = dTau / (1 + dTau * Sii);
        cU[k] = c;
        gU[k] = dNu - c * (mui + dNu * Sii);
      }
      // U = R·S[I, :] (b×n), then μ += Σ g_t u_t and S −= Σ c_t u_t u_tᵀ
      const SI = new Float64Array(b * n);
      for (let q = 0; q < b; q++) SI.set(S.subarray(perm[p0 + q] * n, perm[p0 + q] * n + n), q * n);
      const Rb = new Float64Array(b * b);
      for (let q = 0; q < b; q++) for (let r = 0; r <= q; r++) Rb[q * b + r] = R[q * bs + r];
      const U = matmul(Rb, b, b, SI, n);
      for (let t = 0; t < b; t++) {
        const g = gU[t];
        if (g === 0) continue;
        const ot = t * n;
        for (let j = 0; j < n; j++) muG[j] += g * U[ot + j];
      }
      applyPending(S, n, U, cU, b);
    }
  }
}

/**
 * log Z_EP from a refreshed posterior (see the module comment). Cavities are
 * taken from the final Σ and μ; if one is not positive there (rounding with a
 * singular K), the site is scored with its prior marginal cavity instead
 * (τ₋ = 1/Kᵢᵢ), which only happens at τ̃ᵢ ≈ 0 where it matters least.
 */
export function epLogZ(
  f: Pick<EpDiagFactor, 'diag' | 'muG' | 'halfLogDetB'>,
  tau: Float64Array,
  nu: Float64Array,
  y: Float64Array,
  m: Float64Array | null,
  K: Float64Array,
  n: number,
): number {
  let s = 0;
  let nuMu = 0;
  for (let i = 0; i < n; i++) {
    if (K[i * n + i] === 0) {
      // a point with zero prior variance is fixed at its mean: label +1 ⇔ f > 0 (as the nets read functions off),
      // so f = 0 has label −1 with probability 1 and label +1 with probability 0
      const mi = m ? m[i] : 0;
      s += (y[i] > 0 ? mi > 0 : mi <= 0) ? 0 : Number.NEGATIVE_INFINITY;
      continue;
    }
    const Sii = f.diag[i];
    let tauC = 1 / Sii - tau[i];
    let nuC = f.muG[i] / Sii - nu[i];
    if (!(tauC > 0) || !Number.isFinite(tauC)) {
      tauC = 1 / K[i * n + i];
      nuC = 0;
    }
    const t = tau[i];
    const v = nu[i];
    const z = y[i] * (nuC / tauC + (m ? m[i] : 0)) * Math.sqrt(tauC);
    s += stepMoments(z).logZ;
    if (t !== 0 || v !== 0)
      s += 0.5 * Math.log1p(t / tauC) + (nuC * nuC * (t / tauC) - 2 * nuC * v - v * v) / (2 * (tauC + t));
    nuMu += v * f.muG[i];
  }
  return s - f.halfLogDetB + 0.5 * nuMu;
}

/** 'auto' takes the parallel schedule above this many points (see `EpOptions.schedule`). */
export const AUTO_PARALLEL_ABOVE = 2000;

/** The schedule 'auto' stands for at n points. */
export function resolveSchedule(s: 'sequential' | 'parallel' | 'auto', n: number): 'sequential' | 'parallel' {
  return s === 'auto' ? (n > AUTO_PARALLEL_ABOVE ? 'parallel' : 'sequential') : s;
}

function checkSquare(K: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new FsbayesError(`epClassify: n must be a non-negative integer, got ${n}`);
  if (K.length < n * n) throw new FsbayesError(`epClassify: K has ${K.length} entries, needs ${n}×${n}`);
}

/**
 * EP for GP classification with the step likelihood: log P(sign f = y),
 * f ~ N(priorMean, K), K n×n row-major symmetric PSD. See the module comment.
 */
export function epClassify(K: Float64Array, n: number, y: ArrayLike<number>, opts: EpOptions = {}): EpResult {
  checkSquare(K, n);
  const ys = signLabels(y, n);
  const scheduleOpt = opts.schedule ?? 'auto';
  if (scheduleOpt !== 'sequential' && scheduleOpt !== 'parallel' && scheduleOpt !== 'auto')
    throw new FsbayesError(`epClassify: unknown schedule ${scheduleOpt} (sequential, parallel or auto)`);
  const schedule = resolveSchedule(scheduleOpt, n);
  const dampingOpt = opts.damping ?? (schedule === 'parallel' ? 'adaptive' : 1);
  if (dampingOpt !== 'adaptive' && !(dampingOpt > 0 && dampingOpt <= 1))
    throw new FsbayesError(`epClassify: damping must be in (0, 1] or 'adaptive', got ${dampingOpt}`);
  const damper = new Damper(dampingOpt);
  const damping = damper.damping;
  const tol = opts.tol ?? 1e-6;
  if (!(tol >= 0)) throw new FsbayesError(`epClassify: tol must be ≥ 0, got ${tol}`);
  const maxIt = opts.maxIterations ?? 200;
  if (!Number.isInteger(maxIt) || maxIt < 1)
    throw new FsbayesError(`epClassify: maxIterations must be a positive integer`);
  let m: Float64Array | null = null;
  if (opts.priorMean) {
    if (opts.priorMean.length < n)
      throw new FsbayesError(`epClassify: priorMean has ${opts.priorMean.length} entries, needs ${n}`);
    m = Float64Array.from({ length: n }, (_, i) => opts.priorMean![i]);
    if (m.some((v) => !Number.isFinite(v))) throw new FsbayesError('epClassify: priorMean must be finite');
  }
  if (n > 0) checkEpMemory(n, schedule, { returnSigma: opts.returnSigma });
  for (let i = 0; i < n; i++) {
    if (!(K[i * n + i] >= 0) || !Number.isFinite(K[i * n + i]))
      throw new FsbayesError(`epClassify: K[${i},${i}] = ${K[i * n + i]} is not a variance`);
  }
  const jitterOpt = opts.jitter ?? 'auto';
  if (jitterOpt !== 'auto' && !(jitterOpt >= 0 && Number.isFinite(jitterOpt)))
    throw new FsbayesError(`epClassify: jitter must be 'auto' or a finite number ≥ 0`);
  const w: EpWork = {
    K: withJitter(K, n, jitterOpt === 'auto' ? 0 : jitterOpt),
    n,
    jitter: jitterOpt === 'auto' ? 0 : jitterOpt,
    jitterAuto: jitterOpt === 'auto',
    threads: opts.threads,
  };
  const tau = new Float64Array(n);
  const nu = new Float64Array(n);
  if (opts.init) {
    for (let i = 0; i < n; i++) {
      tau[i] = Math.max(0, opts.init.tauTilde[i]);
      nu[i] = opts.init.nuTilde[i];
    }
  }
  if (n === 0)
    return {
      logZ: 0,
      mu: new Float64Array(0),
      tauTilde: tau,
      nuTilde: nu,
      iterations: 0,
      converged: true,
      lastChange: 0,
      jitter: 0,
      skipped: 0,
      capped: 0,
      seconds: { updates: 0, refresh: 0 },
    };

  const kbar = meanDiag(K, n) || 1;
  const skbar = Math.sqrt(kbar);
  const st: SweepState = {
    K,
    n,
    ys,
    m,
    tau,
    nu,
    damping,
    tauMax: Float64Array.from({ length: n }, (_, i) => TAU_MAX_REL / (K[i * n + i] > 0 ? K[i * n + i] : kbar)),
    skipped: 0,
    capped: 0,
  };
  const warm = tau.some((t) => t !== 0) || nu.some((v) => v !== 0);
  // Sequential: the full Σ, updated site by site. Cold start (all sites 0): Σ = K, μ = 0 without a factorisation.
  // (L is only read after a sweep's refresh.)
  let full: EpFactor | null = null;
  // Parallel: only Σᵢᵢ and μ (refresh.ts).
  let diagF: EpDiagFactor | null = null;
  const bufB = schedule === 'parallel' ? new Float64Array(n * n) : undefined;
  if (schedule === 'sequential')
    full = warm
      ? epRefresh(w, tau, nu, K)
      : {
          L: new Float64Array(0),
          sq: new Float64Array(n),
          Sigma: symFromLower(w.K, n),
          muG: new Float64Array(n),
          halfLogDetB: 0,
        };
  else
    diagF = warm
      ? epRefreshDiag(w, tau, nu, K, bufB)
      : {
          L: new Float64Array(0),
          sq: new Float64Array(n),
          diag: Float64Array.from({ length: n }, (_, i) => w.K[i * n + i]),
          muG: new Float64Array(n),
          halfLogDetB: 0,
          direct: 0,
        };
  const seq = schedule === 'sequential' ? new SequentialSweeper(n, opts) : null;
  let tUpdates = 0;
  let tRefresh = 0;
  let iterations = 0;
  let converged = false;
  let lastChange = Number.POSITIVE_INFINITY;
  const tauOld = new Float64Array(n);
  const nuOld = new Float64Array(n);
  while (iterations < maxIt) {
    iterations++;
    tauOld.set(tau);
    nuOld.set(nu);
    const t0 = performance.now();
    if (seq && full) seq.sweep(st, full.Sigma, full.muG);
    else if (diagF) parallelSweep(st, diagF.diag, diagF.muG);
    const t1 = performance.now();
    if (full) full = epRefresh(w, tau, nu, K);
    else diagF = epRefreshDiag(w, tau, nu, K, bufB);
    tUpdates += t1 - t0;
    tRefresh += performance.now() - t1;
    let delta = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.max(Math.abs(tau[i] - tauOld[i]) * kbar, Math.abs(nu[i] - nuOld[i]) * skbar);
      if (!(d <= delta)) delta = d; // NaN-propagating max
    }
    if (Number.isNaN(delta)) throw new FsbayesError('epClassify: site parameters became NaN');
    lastChange = delta;
    const used = st.damping;
    st.damping = damper.next(tau, tauOld, nu, nuOld, kbar);
    opts.onSweep?.({ iteration: iterations, change: delta, damping: used, seconds: (performance.now() - t0) / 1000 });
    if (tol > 0 && delta <= tol) {
      converged = true;
      break;
    }
  }
  if (tol === 0) converged = lastChange <= 1e-6;
  let post: EpDiagFactor;
  if (full) {
    const S = full.Sigma;
    post = { ...full, diag: Float64Array.from({ length: n }, (_, i) => S[i * n + i]), direct: 0 };
  } else post = diagF as EpDiagFactor;
  const logZ = epLogZ(post, tau, nu, ys, m, w.K, n);
  const mu = post.muG;
  if (m) for (let i = 0; i < n; i++) mu[i] += m[i];
  const out: EpResult = {
    logZ,
    mu: Float64Array.from(mu),
    tauTilde: tau,
    nuTilde: nu,
    iterations,
    converged,
    lastChange,
    jitter: w.jitter,
    skipped: st.skipped,
    capped: st.capped,
    seconds: { updates: tUpdates / 1000, refresh: tRefresh / 1000 },
  };
  if (opts.returnSigma || opts.returnFactor) out.L = post.L;
  if (opts.returnSigma) out.Sigma = full ? full.Sigma : sigmaFromFactor(w.K, n, post.L, post.sq, w.threads);
  return out;
}
