/**
 * Botev's minimax exponential tilting for Gaussian rectangle probabilities
 * P(l ≤ X ≤ u), X ~ N(0, Σ) (Z. I. Botev, "The normal law under linear
 * restrictions: simulation and estimation via minimax tilting", JRSS-B 79(1),
 * 2017). Re-derived and written from the paper's equations; the structure
 * follows the R package TruncatedNormal's mvNcdf.
 *
 * After Genz reordering, X = L Z with L lower triangular; dividing row k by
 * L_kk and writing L̃ = L/diag − I (strictly lower), the constraint on Z_k is
 * l_k − (L̃Z)_k ≤ Z_k ≤ u_k − (L̃Z)_k. The proposal draws Z_k from N(μ_k, 1)
 * truncated to that interval, sequentially. With ℓ̃_k = l_k − μ_k − (L̃z)_k and
 * ũ_k likewise, the log importance weight of a draw is
 *   ψ(z; μ) = Σ_k [ lnNpr(ℓ̃_k, ũ_k) + μ_k²/2 − z_k μ_k ],   lnNpr = log(Φ(ũ) − Φ(ℓ̃)),
 * and P = E[exp ψ(Z; μ)] for every μ (with μ_d = 0). ψ is concave in z and
 * convex in μ; the minimax point (x*, μ*) solves ∇ψ = 0 (2d − 2 unknowns):
 *   ∂ψ/∂x = −μ + L̃ᵀ P,   ∂ψ/∂μ = μ − x + P,   P_k = (φ(ℓ̃_k) − φ(ũ_k))/(Φ(ũ_k) − Φ(ℓ̃_k)).
 * Since every weight is ≤ max_z ψ(z; μ*) = ψ(x*, μ*) (x* is the unconstrained
 * maximiser of a concave function), exp ψ* is a deterministic upper bound on P.
 *
 * Newton's method with the closed-form Jacobian. Writing V_k = 1 + dP_k (the
 * variance of the k-th truncated normal, dP_k = ∂P_k/∂μ_k = −P_k² + ℓ̃_k φ(ℓ̃_k)/Z − ũ_k φ(ũ_k)/Z):
 *   J = [[L̃ᵀ diag(dP) L̃,  Mᵀ], [M, diag(V)]],   M = diag(dP) L̃ − I,
 * and eliminating the μ block leaves the Schur complement
 *   −S = Mᵀ V⁻¹ M − L̃ᵀ diag(dP) L̃,
 * which is symmetric positive definite (dP ≤ 0, M nonsingular), so each step is
 * one (d−1)×(d−1) Cholesky solve. Steps are damped by backtracking on ‖∇ψ‖².
 */
import { cholesky, FsbayesError, logDiffNormCdf, logNormCdf, type Rng, solveTriangular } from '@fsbayes/core';
import { type Reordered, scaleByDiagonal } from './reorder.js';
import { trandn } from './trandn.js';

const INV_SQRT_2PI = 0.3989422804014327;
/** Samples processed together (d×CHUNK doubles stay in cache). */
const CHUNK = 256;

export interface TiltingSolution {
  /** x* (length d − 1). */
  x: Float64Array;
  /** μ* (length d − 1; μ_d = 0). */
  mu: Float64Array;
  /** ψ(x*, μ*): log of the deterministic upper bound on P. */
  psi: number;
  /** Newton iterations taken. */
  iterations: number;
  /** max |∇ψ| at the returned point. */
  gradNorm: number;
  converged: boolean;
}

export interface BotevOptions {
  samples?: number;
  /** Newton: stop when max|∇ψ| < tol (default 1e-10). */
  tol?: number;
  maxIter?: number;
  /**
   * Warm start of the Newton solve (x, μ, each of length d − 1, in this problem's
   * reordered, whitened coordinates; see {@link tiltFromPoint}). If Newton does not
   * converge from it, it is solved again from 0: the start changes the iterations,
   * never which saddle point is reported.
   */
  init?: { x: Float64Array; mu: Float64Array };
}

export interface BotevResult {
  logP: number;
  stderr: number;
  /** log exp(ψ*) — a deterministic upper bound on log P (when the tilting solve converged). */
  upperBound: number;
  samples: number;
  solution: TiltingSolution;
  /** Largest sampled log-weight (≤ upperBound up to rounding: a built-in check). */
  maxLogWeight: number;
}

/** Scaled, strictly lower L̃ and bounds. */
interface Tilt {
  d: number;
  Lt: Float64Array;
  l: Float64Array;
  u: Float64Array;
}

interface Eval {
  psi: number;
  /** gradient: first m entries ∂/∂x, next m ∂/∂μ */
  g: Float64Array;
  dP: Float64Array;
  sq: number;
  max: number;
}

function evaluate(t: Tilt, x: Float64Array, mu: Float64Array, wantJac: boolean): Eval {
  const { d, Lt, l, u } = t;
  const m = d - 1;
  const P = new Float64Array(d);
  const dP = new Float64Array(d);
  let psi = 0;
  for (let k = 0; k < d; k++) {
    let ck = 0;
    const rk = k * d;
    for (let j = 0; j < k; j++) ck += Lt[rk + j] * x[j];
    const muk = k < m ? mu[k] : 0;
    const xk = k < m ? x[k] : 0;
    const lt = l[k] - muk - ck;
    const ut = u[k] - muk - ck;
    const w = logDiffNormCdf(lt, ut);
    psi += w + 0.5 * muk * muk - xk * muk;
    const pl = Number.isFinite(lt) ? INV_SQRT_2PI * Math.exp(-0.5 * lt * lt - w) : 0;
    const pu = Number.isFinite(ut) ? INV_SQRT_2PI * Math.exp(-0.5 * ut * ut - w) : 0;
    const p = pl - pu;
    P[k] = p;
    if (wantJac) {
      const a = Number.isFinite(lt) ? lt * pl : 0;
      const b = Number.isFinite(ut) ? ut * pu : 0;
      // dP ∈ [−1, 0]: clamp the rounding that deep tails leave.
      let v = -p * p + a - b;
      if (v > 0) v = 0;
      if (v < -1) v = -1;
      dP[k] = v;
    }
  }
  const g = new Float64Array(2 * m);
  // ∂ψ/∂x_j = −μ_j + Σ_{k>j} L̃_kj P_k
  for (let j = 0; j < m; j++) g[j] = -mu[j];
  for (let k = 1; k < d; k++) {
    const rk = k * d;
    const pk = P[k];
    if (pk === 0) continue;
    const lim = Math.min(k, m);
    for (let j = 0; j < lim; j++) g[j] += Lt[rk + j] * pk;
  }
  for (let j = 0; j < m; j++) g[m + j] = mu[j] - x[j] + P[j];
  let sq = 0;
  let max = 0;
  for (let i = 0; i < 2 * m; i++) {
    sq += g[i] * g[i];
    const a = Math.abs(g[i]);
    if (a > max || Number.isNaN(a)) max = a;
  }
  return { psi, g, dP, sq, max };
}

/** The Newton step (dx, dμ) from the Schur complement (see the module comment). */
function newtonStep(t: Tilt, ev: Eval): { dx: Float64Array; dmu: Float64Array } {
  const { d, Lt } = t;
  const m = d - 1;
  const { g, dP } = ev;
  const V = new Float64Array(m);
  for (let k = 0; k < m; k++) V[k] = Math.max(1 + dP[k], 1e-300);
  // A = diag(dP) L̃ (d×m) and M = A[0:m] − I; −S = Mᵀ V⁻¹ M − L̃ᵀ A.
  const negS = new Float64Array(m * m);
  const rowM = new Float64Array(m);
  for (let k = 0; k < d; k++) {
    const rk = k * d;
    const dk = dP[k];
    const lim = Math.min(k, m); // L̃_kj ≠ 0 only for j < k
    if (k < m) {
      // Mᵀ V⁻¹ M: row k of M is dk·L̃_k,j (j<k) and −1 at j = k.
      for (let j = 0; j < lim; j++) rowM[j] = dk * Lt[rk + j];
      rowM[k] = -1;
      const iv = 1 / V[k];
      for (let i = 0; i <= k; i++) {
        const ai = rowM[i] * iv;
        if (ai === 0) continue;
        const ri = i * m;
        for (let j = 0; j <= i; j++) negS[ri + j] += ai * rowM[j];
      }
    }
    // − L̃ᵀ diag(dP) L̃: −dk · L̃_ki L̃_kj over i, j < min(k, m)
    if (dk !== 0) {
      for (let i = 0; i < lim; i++) {
        const ai = -dk * Lt[rk + i];
        if (ai === 0) continue;
        const ri = i * m;
        for (let j = 0; j <= i; j++) negS[ri + j] += ai * Lt[rk + j];
      }
    }
  }
  // rhs: −S dx = gx − Mᵀ V⁻¹ gμ
  const rhs = new Float64Array(m);
  for (let j = 0; j < m; j++) rhs[j] = g[j];
  for (let k = 0; k < m; k++) {
    const c = g[m + k] / V[k];
    if (c === 0) continue;
    const rk = k * d;
    const dk = dP[k];
    for (let j = 0; j < k; j++) rhs[j] -= dk * Lt[rk + j] * c;
    rhs[k] += c;
  }
  const { L } = cholesky(negS, m, { jitter: 'auto' });
  const dx = solveTriangular(L, m, solveTriangular(L, m, rhs, 1), 1, { transpose: true });
  // dμ = V⁻¹(−gμ − M dx)
  const dmu = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const rk = k * d;
    let mdx = -dx[k];
    for (let j = 0; j < k; j++) mdx += dP[k] * Lt[rk + j] * dx[j];
    dmu[k] = (-g[m + k] - mdx) / V[k];
  }
  return { dx, dmu };
}

function makeTilt(r: Reordered): Tilt {
  const { Lh, lh, uh } = scaleByDiagonal(r);
  const d = r.d;
  for (let i = 0; i < d; i++) Lh[i * d + i] = 0;
  return { d, Lt: Lh, l: lh, u: uh };
}

/**
 * Solve ∇ψ = 0 by damped Newton from (x, μ) = 0. Never throws on non-convergence:
 * the importance-sampling estimate is unbiased for any μ, only its variance and
 * the bound depend on reaching the saddle point (`converged`).
 */
export function solveTilting(r: Reordered, opts: BotevOptions = {}): TiltingSolution {
  return solve(makeTilt(r), opts);
}

function solve(t: Tilt, opts: BotevOptions): TiltingSolution {
  const init = opts.init;
  if (init === undefined) return newton(t, opts, new Float64Array(t.d - 1), new Float64Array(t.d - 1));
  if (init.x.length !== t.d - 1 || init.mu.length !== t.d - 1)
    throw new FsbayesError(
      `botev: warm start must have ${t.d - 1} entries, got ${init.x.length} and ${init.mu.length}`,
    );
  const warm = newton(t, opts, init.x.slice(), init.mu.slice());
  if (warm.converged) return warm;
  const cold = newton(t, opts, new Float64Array(t.d - 1), new Float64Array(t.d - 1));
  return { ...cold, iterations: cold.iterations + warm.iterations };
}

function newton(t: Tilt, opts: BotevOptions, x0: Float64Array, mu0: Float64Array): TiltingSolution {
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 100;
  const m = t.d - 1;
  let x = x0;
  let mu = mu0;
  let ev = evaluate(t, x, mu, true);
  let it = 0;
  let converged = ev.max < tol;
  while (!converged && it < maxIter) {
    it++;
    let step: { dx: Float64Array; dmu: Float64Array };
    try {
      step = newtonStep(t, ev);
    } catch {
      break;
    }
    let s = 1;
    let accepted = false;
    for (let h = 0; h < 50; h++) {
      const xn = new Float64Array(m);
      const mn = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        xn[i] = x[i] + s * step.dx[i];
        mn[i] = mu[i] + s * step.dmu[i];
      }
      const en = evaluate(t, xn, mn, true);
      if (Number.isFinite(en.sq) && en.sq <= (1 - 1e-4 * s) * ev.sq) {
        x = xn;
        mu = mn;
        ev = en;
        accepted = true;
        break;
      }
      s *= 0.5;
    }
    if (!accepted) break;
    converged = ev.max < tol;
  }
  // A residual gradient this small moves ψ by O(‖∇ψ‖²): the bound is as good as exact.
  if (!converged && ev.max < 1e-7) converged = true;
  return { x, mu, psi: ev.psi, iterations: it, gradNorm: ev.max, converged };
}

/**
 * log P(l ≤ X ≤ u) by minimax-tilted importance sampling, given the reordered
 * Cholesky factor. `rng` drives the truncated-normal draws.
 */
export function botevRectangle(r: Reordered, rng: Rng, opts: BotevOptions = {}): BotevResult {
  const n = opts.samples ?? 10_000;
  if (!Number.isInteger(n) || n < 2) throw new FsbayesError(`botev: samples must be an integer ≥ 2, got ${n}`);
  const t = makeTilt(r);
  const { d, Lt, l, u } = t;
  const sol = solve(t, opts);
  const mu = sol.mu;
  const m = d - 1;
  const logw = new Float64Array(n);
  const chunk = Math.max(1, Math.min(n, CHUNK));
  const Z = new Float64Array(d * chunk);
  const col = new Float64Array(chunk);
  for (let s0 = 0; s0 < n; s0 += chunk) {
    const B = Math.min(chunk, n - s0);
    for (let k = 0; k < d; k++) {
      col.fill(0, 0, B);
      const rk = k * d;
      // col = L̃[k, 0:k] · Z[0:k, :], four rows of Z at a time (fewer passes over col).
      let j = 0;
      for (; j + 4 <= k; j += 4) {
        const a0 = Lt[rk + j];
        const a1 = Lt[rk + j + 1];
        const a2 = Lt[rk + j + 2];
        const a3 = Lt[rk + j + 3];
        const z0 = j * chunk;
        const z1 = z0 + chunk;
        const z2 = z1 + chunk;
        const z3 = z2 + chunk;
        for (let s = 0; s < B; s++) col[s] += a0 * Z[z0 + s] + a1 * Z[z1 + s] + a2 * Z[z2 + s] + a3 * Z[z3 + s];
      }
      for (; j < k; j++) {
        const a = Lt[rk + j];
        const zj = j * chunk;
        for (let s = 0; s < B; s++) col[s] += a * Z[zj + s];
      }
      const muk = k < m ? mu[k] : 0;
      const zk = k * chunk;
      for (let s = 0; s < B; s++) {
        const tl = l[k] - muk - col[s];
        const tu = u[k] - muk - col[s];
        let lw = tu === Number.POSITIVE_INFINITY ? logNormCdf(-tl) : logDiffNormCdf(tl, tu);
        if (k < m) {
          const z = muk + trandn(tl, tu, rng);
          Z[zk + s] = z;
          lw += muk * (0.5 * muk - z);
        }
        logw[s0 + s] += lw;
      }
    }
  }
  let max = Number.NEGATIVE_INFINITY;
  for (let s = 0; s < n; s++) if (logw[s] > max) max = logw[s];
  if (max === Number.NEGATIVE_INFINITY)
    return { logP: max, stderr: Number.NaN, upperBound: sol.psi, samples: n, solution: sol, maxLogWeight: max };
  let mean = 0;
  for (let s = 0; s < n; s++) mean += Math.exp(logw[s] - max);
  mean /= n;
  let v = 0;
  for (let s = 0; s < n; s++) {
    const e = Math.exp(logw[s] - max) - mean;
    v += e * e;
  }
  const sd = Math.sqrt(v / (n - 1));
  return {
    logP: max + Math.log(mean),
    stderr: sd / (mean * Math.sqrt(n)),
    upperBound: sol.psi,
    samples: n,
    solution: sol,
    maxLogWeight: max,
  };
}

/**
 * A tilting solution as points of Σ's own coordinates: X = L·(x, 0) and M = L·(μ, 0),
 * indexed like the variables of the problem before reordering (`r.perm`). Only used
 * to carry a solution over to a related problem as a warm start ({@link tiltFromPoint}).
 */
export function tiltToPoint(r: Reordered, sol: TiltingSolution): { X: Float64Array; M: Float64Array } {
  const { d, L, perm } = r;
  const X = new Float64Array(d);
  const M = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let a = 0;
    let b = 0;
    const ri = i * d;
    for (let j = 0; j < Math.min(i + 1, d - 1); j++) {
      a += L[ri + j] * sol.x[j];
      b += L[ri + j] * sol.mu[j];
    }
    X[perm[i]] = a;
    M[perm[i]] = b;
  }
  return { X, M };
}

/**
 * The inverse map of {@link tiltToPoint} for another ordering or problem on the same
 * variables: (x, μ) = first d − 1 entries of L⁻¹X and L⁻¹M (X, M indexed like the
 * problem's variables before reordering). A warm start for `BotevOptions.init`.
 */
export function tiltFromPoint(
  r: Reordered,
  X: ArrayLike<number>,
  M: ArrayLike<number>,
): { x: Float64Array; mu: Float64Array } {
  const { d, L, perm } = r;
  const zx = new Float64Array(d);
  const zm = new Float64Array(d);
  for (let i = 0; i < d - 1; i++) {
    let a = X[perm[i]];
    let b = M[perm[i]];
    const ri = i * d;
    for (let j = 0; j < i; j++) {
      a -= L[ri + j] * zx[j];
      b -= L[ri + j] * zm[j];
    }
    zx[i] = a / L[ri + i];
    zm[i] = b / L[ri + i];
  }
  return { x: zx.subarray(0, d - 1).slice(), mu: zm.subarray(0, d - 1).slice() };
}
