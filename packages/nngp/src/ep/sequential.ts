/**
 * The sequential schedule of EP (GPML 3.5): sweeps that update the full Σ and
 * μ site by site, in blocks of pending rank-1 updates, and the refresh that
 * recomputes Σ and μ from scratch after each sweep (see ep.ts's module
 * comment).
 */
import { gram, matmul, Rng, solveTriangular } from '@fsbayes/core';
import { matVec } from './matrix.js';
import type { EpOptions } from './options.js';
import { type EpWork, factorB } from './refresh.js';
import { proposeSite, type SweepState } from './site.js';

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
  const muG = matVec(Sigma, nu, n);
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
