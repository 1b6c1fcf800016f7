/**
 * P_B per function by the joint EP on S ∪ E_f, with EP on S done once and the
 * S sites moving only through a low-rank (Woodbury) update — method 'lowrank'.
 *
 * Base state (once, shared by all functions): the sites of EP on S (τ̃₀, ν̃₀),
 * zero sites on E, and the posterior they give over S ∪ E, Σ₀ (n×n) and μ₀ —
 * the joint posterior of f_S, f_E given the S labels, whose E block is EP's
 * predictive. One O(n³) product, about one joint EP sweep.
 *
 * Per function, the joint EP's sites are the base sites plus increments
 * (Δτ, Δν) on an active set A: all of E (where the base is 0) and the S sites
 * that have to move. Factors on A only change the marginal of f_A, from
 * N(m₀, S₀) (S₀ = Σ₀[A, A] = RRᵀ) to N(μ'_A, Σ'_A) with precision S₀⁻¹ + D
 * (D = diag Δτ) and natural mean S₀⁻¹m₀ + Δν; the rest follows by conditioning,
 * which the factors leave alone. With C = I + RᵀDR = L_C L_Cᵀ (positive
 * definite whenever the sites give a posterior, though some Δτ < 0) and
 * P = R⁻¹Σ₀[A, :]:
 *   Σ'_A   = R C⁻¹ Rᵀ,                  μ'_A = Σ'_A (S₀⁻¹m₀ + Δν),
 *   Σ'ᵢᵢ   = Σ₀ᵢᵢ − ‖Pᵢ‖² + ‖L_C⁻¹Pᵢ‖²,   μ'ᵢ  = μ₀ᵢ + Pᵢᵀ R⁻¹(μ'_A − m₀),
 *   log|B'| = log|B_S| + log|C|          (matrix determinant lemma),
 * all exact, O(a³) for A and O(n·a²) for every point (a = |A|; Cholesky,
 * triangular solves and Gram products in core's wasm linalg).
 *
 * Per function: (1) EP on A = E (sequential sweeps, GPML 3.5, on the a×a
 * Σ'_A, refreshed from the formulas after every sweep): the joint EP with all
 * S sites frozen; (2) every S site is checked in that posterior: its
 * undamped proposal, and the KL divergence from its current marginal to the
 * tilted one it would match (how much it would move the posterior); (3) the
 * S sites with the largest KL join A (up to `maxActiveS` of them, default
 * 4|E|; all at once unless `grow` says otherwise: choosing them in one go
 * after step 1 was measured as good as growing A in steps) and EP on A
 * continues from where it was; (2)–(3) repeat while sites want to move and the
 * cap allows. When no S site outside A asks to move more than `tol`
 * (scaled as EP's `tol`), every site of the joint problem satisfies its
 * moment-matching condition: a fixed point of the joint EP, whose log Z is the
 * joint EP's (`logZ_EP(S ∪ E_f) − logZ_EP(S)`, what 'joint' computes by O(n³)
 * sweeps). When the cap stops it first, the log Z is that of the state
 * reached — a joint EP whose remaining S sites are frozen at their S-only
 * values — and `residual` says how far it is from the fixed point.
 *
 * Measured (MNIST FCN NNGP, |S| = 1000, |E| = 100, against 'joint'): frozen S
 * sites leave an error that is spread over all of S (the top 256 sites by KL
 * carry ~83% of it: the posterior over S ∪ E has no low-rank structure, its
 * spectrum is flat), and always an underestimate; ranking by KL rather than by
 * the size of the site change halves it at the same cap. See the P_B module
 * comment for the numbers at the default cap.
 */
import { cholesky, FsbayesError, gram, solveTriangular } from '@fsbayes/core';
import { SequentialSweeper } from '../ep/sequential.js';
import { epLogZ, proposeSite, type SweepState } from '../ep/site.js';

/** What every function's low-rank EP starts from (see the module comment). */
export interface LowRankBase {
  /** Points of S ∪ E (S first, the first `nS`). */
  n: number;
  nS: number;
  /** The joint kernel (with EP on S's jitter on its diagonal, if any), n×n. */
  K: Float64Array;
  /** Σ₀ (n×n, full) and μ₀ (zero-mean scale) of the base sites. */
  Sigma0: Float64Array;
  mu0: Float64Array;
  /** Base sites (EP on S, zeros on E). */
  tau0: Float64Array;
  nu0: Float64Array;
  /** ½ log|B₀| = ½ log|B_S|. */
  halfLogDetB0: number;
  /** mean(diag K): the scale of `tol`. */
  kbar: number;
}

/**
 * The base state from EP on S (`L` its factor of B_S = I + S̃½K_SS S̃½, sites
 * τ̃, ν̃ on the first nS points) and the joint kernel K (n×n, S first).
 * Σ₀ = K − WᵀW with W = L⁻¹ S̃½ K[S, :]; μ₀ = Σ₀ν̃₀.
 */
export function lowRankBase(
  K: Float64Array,
  n: number,
  nS: number,
  ep: { L: Float64Array; tauTilde: Float64Array; nuTilde: Float64Array; jitter: number },
): LowRankBase {
  const Kj = ep.jitter > 0 ? K.slice(0, n * n) : K;
  if (ep.jitter > 0) for (let i = 0; i < n; i++) Kj[i * n + i] += ep.jitter;
  const tau0 = new Float64Array(n);
  const nu0 = new Float64Array(n);
  tau0.set(ep.tauTilde.subarray(0, nS));
  nu0.set(ep.nuTilde.subarray(0, nS));
  let Sigma0: Float64Array;
  if (nS > 0) {
    // WᵀW with W = L⁻¹ S̃½ K[S, :] (nS × n), as the Gram matrix of Wᵀ's rows; each buffer dropped once used
    const Wt = transposed(solveTriangular(ep.L, nS, scaledRows(Kj, n, nS, tau0), n), nS, n);
    Sigma0 = gram(Wt, n, nS);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) Sigma0[i * n + j] = Sigma0[j * n + i] = Kj[i * n + j] - Sigma0[i * n + j];
  } else {
    Sigma0 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) Sigma0[i * n + j] = Sigma0[j * n + i] = Kj[i * n + j];
  }
  const mu0 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < nS; j++) s += Sigma0[o + j] * nu0[j];
    mu0[i] = s;
  }
  let h = 0;
  for (let i = 0; i < nS; i++) h += Math.log(ep.L[i * nS + i]);
  let kbar = 0;
  for (let i = 0; i < n; i++) kbar += K[i * n + i] / n;
  return { n, nS, K: Kj, Sigma0, mu0, tau0, nu0, halfLogDetB0: h, kbar: kbar || 1 };
}

/** S̃½ K[S, :]: the first nS rows of K (n columns), row i scaled by √τ̃ᵢ. */
function scaledRows(K: Float64Array, n: number, nS: number, tau: Float64Array): Float64Array {
  const C = new Float64Array(nS * n);
  for (let i = 0; i < nS; i++) {
    const s = Math.sqrt(tau[i]);
    if (s === 0) continue;
    const o = i * n;
    for (let j = 0; j < n; j++) C[o + j] = s * K[o + j];
  }
  return C;
}

/** The transpose (c × r) of an r × c row-major matrix. */
function transposed(A: Float64Array, r: number, c: number): Float64Array {
  const T = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) T[j * r + i] = A[i * c + j];
  return T;
}

export interface LowRankOptions {
  /** Site convergence, scaled as EP's (default 1e−4, as in P_B). */
  tol?: number;
  /** Sweep cap of EP on A per round (default 200). */
  maxIterations?: number;
  /** Most S sites that may move (default 4|E|, at least 128). */
  maxActiveS?: number;
  /** S sites added per round at most (default: all of maxActiveS at once). */
  grow?: number;
}

export interface LowRankResult {
  /** log Z of the joint EP state reached (subtract EP on S's log Z for log P_B). */
  logZ: number;
  /** Whether it reached a joint EP fixed point (EP on A converged, no other site asks to move more than tol). */
  converged: boolean;
  /** Whether EP on A converged in its last round. */
  innerConverged: boolean;
  /** The largest scaled change a site outside A still asks for (≤ tol when converged). */
  residual: number;
  /** Σ over S sites outside A of the KL divergence each would move its marginal by: the weight of what stayed frozen. */
  frozenKL: number;
  /** S sites that moved (|A| − |E|), rounds, and sweeps of EP on A in all. */
  activeS: number;
  rounds: number;
  sweeps: number;
  /** Site updates skipped (cavity not positive) and capped (τ̃ at 1e10/Kᵢᵢ). */
  skipped: number;
  capped: number;
  /** Jitter Σ₀[A, A] needed to factorise (0 normally; A holding near-duplicate points). */
  jitter: number;
  /** Sweeps undone because rounding left their sites without a valid posterior (EP on A then stopped unconverged). */
  breakdowns: number;
}

const TAU_MAX_REL = 1e10;
/** Sites per pending block of EP on A: its b² recurrence per site dominates at a of a few hundred with EP's 256. */
const INNER_BLOCK = 64;

/** The base posterior restricted to A, factorised once per round. */
interface ActiveBase {
  A: number[];
  /** S₀ = Σ₀[A, A] = RRᵀ (a×a). */
  S0: Float64Array;
  R: Float64Array;
  jitter: number;
  /** P = R⁻¹ Σ₀[A, :] (a×n). */
  P: Float64Array;
  /** m₀ = μ₀_A and h₀ = S₀⁻¹ m₀. */
  m0: Float64Array;
  h0: Float64Array;
}

function activeBase(base: LowRankBase, A: number[]): ActiveBase {
  const { n, Sigma0, mu0 } = base;
  const a = A.length;
  const S0 = new Float64Array(a * a);
  const rows = new Float64Array(a * n);
  for (let p = 0; p < a; p++) {
    const o = A[p] * n;
    rows.set(Sigma0.subarray(o, o + n), p * n);
    for (let q = 0; q < a; q++) S0[p * a + q] = Sigma0[o + A[q]];
  }
  const { L: R, jitter } = cholesky(S0, a);
  const P = solveTriangular(R, a, rows, n);
  const m0 = Float64Array.from(A, (i) => mu0[i]);
  const h0 = solveTriangular(R, a, solveTriangular(R, a, m0, 1), 1, { transpose: true });
  return { A, S0, R, jitter, P, m0, h0 };
}

/** The marginal of f_A for increments (Δτ, Δν) on A (see the module comment). */
interface ActivePosterior {
  /** Σ'_A (a×a, full) and μ'_A. */
  S: Float64Array;
  mu: Float64Array;
  /** Lower factor of C = I + RᵀDR. */
  LC: Float64Array;
  /** ½ log|C|. */
  halfLogDetC: number;
}

function activePosterior(ab: ActiveBase, dTau: Float64Array, dNu: Float64Array): ActivePosterior {
  const { R } = ab;
  const a = ab.A.length;
  // C = I + Σ_k Δτ_k r_k r_kᵀ with r_k = row k of R, as Gram products of the rows split by sign
  const C = new Float64Array(a * a);
  for (const sign of [1, -1]) {
    const ks: number[] = [];
    for (let k = 0; k < a; k++) if (Math.sign(dTau[k]) === sign) ks.push(k);
    if (ks.length === 0) continue;
    const Xt = new Float64Array(a * ks.length); // a × |ks|: column c = √|Δτ_k| r_k
    for (let c = 0; c < ks.length; c++) {
      const k = ks[c];
      const w = Math.sqrt(Math.abs(dTau[k]));
      const o = k * a;
      for (let j = 0; j <= k; j++) Xt[j * ks.length + c] = w * R[o + j];
    }
    const G = gram(Xt, a, ks.length);
    for (let q = 0; q < a * a; q++) C[q] += sign * G[q];
  }
  for (let p = 0; p < a; p++) C[p * a + p] += 1;
  let LC: Float64Array;
  try {
    LC = cholesky(C, a, { jitter: 0 }).L;
  } catch (e) {
    throw new FsbayesError(
      `P_B lowrank: the sites on the active set do not give a posterior (I + RᵀDR not positive definite): ${(e as Error).message}`,
      { kind: 'numeric', cause: e },
    );
  }
  // Σ'_A = (L_C⁻¹Rᵀ)ᵀ(L_C⁻¹Rᵀ)
  const Rt = new Float64Array(a * a);
  for (let p = 0; p < a; p++) for (let q = 0; q <= p; q++) Rt[q * a + p] = R[p * a + q];
  const Y = solveTriangular(LC, a, Rt, a);
  const Yt = new Float64Array(a * a);
  for (let p = 0; p < a; p++) for (let q = 0; q < a; q++) Yt[q * a + p] = Y[p * a + q];
  const S = gram(Yt, a, a);
  const h = new Float64Array(a);
  for (let p = 0; p < a; p++) h[p] = ab.h0[p] + dNu[p];
  const mu = new Float64Array(a);
  for (let p = 0; p < a; p++) {
    let s = 0;
    const o = p * a;
    for (let q = 0; q < a; q++) s += S[o + q] * h[q];
    mu[p] = s;
  }
  let hl = 0;
  for (let p = 0; p < a; p++) hl += Math.log(LC[p * a + p]);
  return { S, mu, LC, halfLogDetC: hl };
}

/** Σ'ᵢᵢ and μ'ᵢ for every point (see the module comment); A's own from Σ'_A, μ'_A. */
function allMarginals(
  base: LowRankBase,
  ab: ActiveBase,
  post: ActivePosterior,
): { diag: Float64Array; mu: Float64Array } {
  const { n, Sigma0, mu0 } = base;
  const { A, P, R } = ab;
  const a = A.length;
  const Q = solveTriangular(post.LC, a, P, n);
  const dm = new Float64Array(a);
  for (let p = 0; p < a; p++) dm[p] = post.mu[p] - ab.m0[p];
  const t = solveTriangular(R, a, dm, 1);
  const diag = new Float64Array(n);
  const mu = Float64Array.from(mu0);
  for (let i = 0; i < n; i++) diag[i] = Sigma0[i * n + i];
  for (let p = 0; p < a; p++) {
    const o = p * n;
    const tp = t[p];
    for (let i = 0; i < n; i++) {
      const pv = P[o + i];
      const qv = Q[o + i];
      diag[i] += qv * qv - pv * pv;
      mu[i] += pv * tp;
    }
  }
  for (let p = 0; p < a; p++) {
    diag[A[p]] = post.S[p * a + p];
    mu[A[p]] = post.mu[p];
  }
  return { diag, mu };
}

/**
 * KL(tilted ‖ current) of one site's marginal: how far its moment matching
 * would move the posterior at that point (scale-free), from its current
 * marginal N(μ, s²) and its proposal (τ̃', ν̃') replacing (τ̃, ν̃).
 */
function siteKl(mu: number, s2: number, tau: number, nu: number, tNew: number, vNew: number): number {
  const prec = 1 / s2 + tNew - tau;
  if (!(prec > 0)) return Number.POSITIVE_INFINITY;
  const s2n = 1 / prec;
  const mun = s2n * (mu / s2 + vNew - nu);
  const r = s2n / s2;
  return 0.5 * (r - 1 - Math.log(r) + ((mun - mu) * (mun - mu)) / s2);
}

/**
 * The joint EP on S ∪ E_f from the base state, S labels `yS` (±1), E labels
 * `yE` (±1, |E| = n − nS); see the module comment.
 */
export function lowRankJointEp(
  base: LowRankBase,
  yS: ArrayLike<number>,
  yE: ArrayLike<number>,
  opts: LowRankOptions = {},
): LowRankResult {
  const { n, nS, K, tau0, nu0, kbar } = base;
  const nE = n - nS;
  const tol = opts.tol ?? 1e-4;
  const maxIt = opts.maxIterations ?? 200;
  const maxS = Math.min(nS, opts.maxActiveS ?? Math.max(128, 4 * nE));
  const grow = opts.grow ?? maxS;
  const skbar = Math.sqrt(kbar);
  const y = new Float64Array(n);
  for (let i = 0; i < nS; i++) y[i] = yS[i] > 0 ? 1 : -1;
  for (let e = 0; e < nE; e++) y[nS + e] = yE[e] > 0 ? 1 : -1;
  const tauMaxOf = (i: number) => TAU_MAX_REL / (K[i * n + i] > 0 ? K[i * n + i] : kbar);
  const A: number[] = [];
  for (let e = 0; e < nE; e++) A.push(nS + e);
  // totals on A (base + increment), kept in the order of A
  let tauA = new Float64Array(nE);
  let nuA = new Float64Array(nE);
  let skipped = 0;
  let capped = 0;
  let rounds = 0;
  let sweeps = 0;
  let jitter = 0;
  let breakdowns = 0;
  let innerConverged = false;
  let residual = 0;
  let frozenKL = 0;
  let ab: ActiveBase;
  let post: ActivePosterior;
  let marg: { diag: Float64Array; mu: Float64Array };
  for (;;) {
    rounds++;
    const a = A.length;
    ab = activeBase(base, A);
    jitter = Math.max(jitter, ab.jitter);
    const dTau = new Float64Array(a);
    const dNu = new Float64Array(a);
    const incr = () => {
      for (let p = 0; p < a; p++) {
        dTau[p] = tauA[p] - tau0[A[p]];
        dNu[p] = nuA[p] - nu0[A[p]];
      }
    };
    incr();
    post = activePosterior(ab, dTau, dNu);
    // EP on A: the sequential sweeper on Σ'_A, μ'_A with the sites' totals; ab.S0's diagonal (> 0) stands in
    // for K's (only its zero test is read)
    const st: SweepState = {
      K: ab.S0,
      n: a,
      ys: Float64Array.from(A, (i) => y[i]),
      m: null,
      tau: tauA,
      nu: nuA,
      damping: 1,
      tauMax: Float64Array.from(A, tauMaxOf),
      skipped: 0,
      capped: 0,
    };
    const sweeper = new SequentialSweeper(a, { order: 'fixed' }, INNER_BLOCK);
    const tOld = new Float64Array(a);
    const vOld = new Float64Array(a);
    innerConverged = false;
    for (let it = 0; it < maxIt; it++) {
      sweeps++;
      tOld.set(tauA);
      vOld.set(nuA);
      sweeper.sweep(st, post.S, post.mu);
      incr();
      try {
        post = activePosterior(ab, dTau, dNu);
      } catch (e) {
        // rounding made the sweep's sites an invalid posterior (C not positive definite): go back to the last
        // valid state and stop EP on A there, unconverged (counted and reported), rather than lose the run
        if (!(e instanceof FsbayesError) || e.kind !== 'numeric') throw e;
        tauA.set(tOld);
        nuA.set(vOld);
        incr();
        post = activePosterior(ab, dTau, dNu);
        breakdowns++;
        break;
      }
      let delta = 0;
      for (let p = 0; p < a; p++) {
        const d = Math.max(Math.abs(tauA[p] - tOld[p]) * kbar, Math.abs(nuA[p] - vOld[p]) * skbar);
        if (!(d <= delta)) delta = d;
      }
      if (Number.isNaN(delta)) throw new FsbayesError('P_B lowrank: site parameters became NaN', { kind: 'numeric' });
      if (delta <= tol) {
        innerConverged = true;
        break;
      }
    }
    skipped += st.skipped;
    capped += st.capped;
    // every S site outside A, in the new posterior
    marg = allMarginals(base, ab, post);
    const inA = new Uint8Array(n);
    for (const i of A) inA[i] = 1;
    const want: { i: number; kl: number }[] = [];
    residual = 0;
    frozenKL = 0;
    for (let i = 0; i < nS; i++) {
      if (inA[i]) continue;
      const prop = proposeSite(marg.diag[i], marg.mu[i], tau0[i], nu0[i], y[i], 0, tauMaxOf(i));
      if (!prop) continue;
      const d = Math.max(Math.abs(prop.tau - tau0[i]) * kbar, Math.abs(prop.nu - nu0[i]) * skbar);
      if (!(d <= residual)) residual = d;
      const kl = siteKl(marg.mu[i], marg.diag[i], tau0[i], nu0[i], prop.tau, prop.nu);
      frozenKL += kl;
      if (d > tol) want.push({ i, kl });
    }
    const room = maxS - (A.length - nE);
    if (want.length === 0 || room <= 0) break;
    want.sort((p, q) => q.kl - p.kl || p.i - q.i);
    const add = want.slice(0, Math.min(grow, room)).map((x) => x.i);
    const t2 = new Float64Array(a + add.length);
    const v2 = new Float64Array(a + add.length);
    t2.set(tauA);
    v2.set(nuA);
    for (let k = 0; k < add.length; k++) {
      t2[a + k] = tau0[add[k]];
      v2[a + k] = nu0[add[k]];
    }
    tauA = t2;
    nuA = v2;
    A.push(...add);
  }
  // log Z of the joint state: every site's total, every point's marginal, ½ log|B'| = ½ log|B_S| + ½ log|C|
  const tau = tau0.slice();
  const nu = nu0.slice();
  for (let p = 0; p < A.length; p++) {
    tau[A[p]] = tauA[p];
    nu[A[p]] = nuA[p];
  }
  const logZ = epLogZ(
    { diag: marg.diag, muG: marg.mu, halfLogDetB: base.halfLogDetB0 + post.halfLogDetC },
    tau,
    nu,
    y,
    null,
    K,
    n,
  );
  return {
    logZ,
    converged: innerConverged && residual <= tol,
    innerConverged,
    residual,
    frozenKL,
    activeS: A.length - nE,
    rounds,
    sweeps,
    skipped,
    capped,
    jitter,
    breakdowns,
  };
}
