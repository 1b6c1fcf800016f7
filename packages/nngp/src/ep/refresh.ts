/**
 * The refresh of parallel EP: from sites (τ̃, ν̃) to what the next sweep
 * reads — the posterior variances Σᵢᵢ and the mean μ = Σν̃ — and what log Z
 * reads (½ log|B|), without forming the n×n Σ. With B = I + S̃½KS̃½ = LLᵀ:
 *
 *   Σ = K − K S̃½ B⁻¹ S̃½ K,   and by Woodbury  S̃½ Σ S̃½ = I − B⁻¹,
 *
 * so a site with τ̃ᵢ > 0 has Σᵢᵢ = (1 − (B⁻¹)ᵢᵢ)/τ̃ᵢ, and (B⁻¹)ᵢᵢ = ‖L⁻¹eᵢ‖² is a
 * column norm of L⁻¹. L⁻¹ is computed in column blocks, block j from the
 * trailing factor only (L[j:, j:] X = I[:, block]), which is n³/6
 * multiply-adds in all, the same as the Cholesky: the refresh costs n³/3
 * against the n³/6 + n³/2 + n³/2 of forming Σ = K − WᵀW, W = L⁻¹S̃½K.
 *
 * Accuracy. (B⁻¹)ᵢᵢ ∈ (0, 1] (B's eigenvalues are ≥ 1, so ‖L⁻¹‖ ≤ 1 and the
 * columns of L⁻¹ have no large entries), and the cavity precision the sweep
 * needs is τ₋ᵢ = 1/Σᵢᵢ − τ̃ᵢ = τ̃ᵢ bᵢ/(1 − bᵢ), b = (B⁻¹)ᵢᵢ: an absolute error
 * δ in bᵢ is a relative error δ/(1 − bᵢ) + δ/bᵢ. Only a weak site (τ̃ᵢΣᵢᵢ =
 * 1 − bᵢ small, or τ̃ᵢ = 0) loses digits this way; for those (1 − bᵢ <
 * WEAK_SITE) Σᵢᵢ is taken directly as Kᵢᵢ − ‖L⁻¹S̃½kᵢ‖² (one triangular solve
 * with their columns of S̃½K as right-hand sides), which is accurate exactly
 * there (its cancellation is at strong sites). The mean is
 * μ = Kν̃ − K S̃½ L⁻ᵀ L⁻¹ S̃½ K ν̃: two products with K, two vector solves.
 *
 * Everything O(n³) runs in core's threaded wasm linalg (Cholesky, triangular
 * solves with many right-hand sides); the rest is O(n²) here.
 */
import { cholesky, NotPositiveDefiniteError, solveTriangular } from '@fsbayes/core';
import { matVec } from './matrix.js';

/** Sites with τ̃ᵢΣᵢᵢ = 1 − (B⁻¹)ᵢᵢ below this get Σᵢᵢ from Kᵢᵢ − ‖L⁻¹S̃½kᵢ‖² (see the module comment). */
export const WEAK_SITE = 1e-2;

/** What a diagonal refresh produces. */
export interface EpDiagFactor {
  /** Lower Cholesky factor of B = I + S̃½KS̃½. */
  L: Float64Array;
  /** √τ̃ */
  sq: Float64Array;
  /** Σᵢᵢ */
  diag: Float64Array;
  /** μ_g = Σν̃ (zero-mean scale) */
  muG: Float64Array;
  /** Σ log Lᵢᵢ = ½ log|B| */
  halfLogDetB: number;
  /** Sites whose Σᵢᵢ came from the direct formula (weak or zero sites). */
  direct: number;
}

/** The kernel an EP run works on, with the jitter it has had to add. */
export interface EpWork {
  /** K + jitter·I (or K itself when jitter = 0), full n×n row-major. */
  K: Float64Array;
  n: number;
  jitter: number;
  jitterAuto: boolean;
  threads?: number;
}

/** K + jitter·I (a copy) or K itself. */
export function withJitter(K: Float64Array, n: number, jitter: number): Float64Array {
  if (jitter === 0) return K;
  const Kj = K.slice(0, n * n);
  for (let i = 0; i < n; i++) Kj[i * n + i] += jitter;
  return Kj;
}

export function meanDiag(K: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += K[i * n + i];
  return n > 0 ? s / n : 0;
}

/**
 * L = chol(I + S̃½ K S̃½) (lower triangle of B built in `buf` when given, n×n).
 * Raises the work's jitter (on K) if chol(B) fails and jitter is automatic
 * (1e−10·mean(diag K), ×10 …, up to 1e−2), as every EP refresh does.
 */
export function factorB(w: EpWork, sq: Float64Array, K0: Float64Array, buf?: Float64Array): Float64Array {
  const n = w.n;
  for (;;) {
    const K = w.K;
    const B = buf ?? new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const o = i * n;
      const si = sq[i];
      for (let j = 0; j <= i; j++) B[o + j] = si * K[o + j] * sq[j];
      B[o + i] += 1;
    }
    try {
      return cholesky(B, n, { jitter: 0, threads: w.threads }).L;
    } catch (e) {
      if (!(e instanceof NotPositiveDefiniteError) || !w.jitterAuto) throw e;
      const md = meanDiag(K0, n);
      const next = w.jitter === 0 ? md * 1e-10 : w.jitter * 10;
      if (!(next <= md * 1e-2) || !(md > 0)) throw e;
      w.jitter = next;
      w.K = withJitter(K0, n, next);
    }
  }
}

/** Columns per block of the blocked inverse and of the direct solves: big enough to thread, small enough to copy. */
function blockWidth(n: number): number {
  return Math.max(128, Math.ceil(n / 8 / 64) * 64);
}

/** diag(B⁻¹) = squared column norms of L⁻¹, L⁻¹ formed block column by block column from the trailing factor. */
export function inverseDiagFromCholesky(L: Float64Array, n: number, threads?: number): Float64Array {
  const out = new Float64Array(n);
  const nb = blockWidth(n);
  for (let j0 = 0; j0 < n; j0 += nb) {
    const m = n - j0;
    const w = Math.min(nb, m);
    let Lt = L;
    if (j0 > 0) {
      Lt = new Float64Array(m * m);
      for (let r = 0; r < m; r++) {
        const src = (j0 + r) * n + j0;
        Lt.set(L.subarray(src, src + r + 1), r * m);
      }
    }
    const X = new Float64Array(m * w);
    for (let c = 0; c < w; c++) X[c * w + c] = 1;
    const Y = solveTriangular(Lt, m, X, w, { threads });
    for (let r = 0; r < m; r++) {
      const o = r * w;
      for (let c = 0; c < w && c <= r; c++) out[j0 + c] += Y[o + c] * Y[o + c];
    }
  }
  return out;
}

/** Σᵢᵢ = Kᵢᵢ − ‖L⁻¹ S̃½ kᵢ‖² for the sites `idx`, in blocks of columns. */
function directDiag(
  L: Float64Array,
  K: Float64Array,
  n: number,
  sq: Float64Array,
  idx: number[],
  out: Float64Array,
  threads?: number,
): void {
  const nb = blockWidth(n);
  for (let c0 = 0; c0 < idx.length; c0 += nb) {
    const cols = idx.slice(c0, c0 + nb);
    const w = cols.length;
    const C = new Float64Array(n * w);
    for (let r = 0; r < n; r++) {
      const s = sq[r];
      if (s === 0) continue;
      const o = r * n;
      for (let c = 0; c < w; c++) C[r * w + c] = s * K[o + cols[c]];
    }
    const Y = solveTriangular(L, n, C, w, { threads });
    const ss = new Float64Array(w);
    for (let r = 0; r < n; r++) {
      const o = r * w;
      for (let c = 0; c < w; c++) ss[c] += Y[o + c] * Y[o + c];
    }
    for (let c = 0; c < w; c++) out[cols[c]] = K[cols[c] * n + cols[c]] - ss[c];
  }
}

/**
 * Σᵢᵢ, μ = Σν̃ and ½ log|B| for sites (τ̃, ν̃) on the work's kernel (see the
 * module comment); `buf` (n×n) is scratch for B, reused across sweeps.
 */
export function epRefreshDiag(
  w: EpWork,
  tau: Float64Array,
  nu: Float64Array,
  K0: Float64Array,
  buf?: Float64Array,
): EpDiagFactor {
  const n = w.n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) sq[i] = Math.sqrt(tau[i]);
  const L = factorB(w, sq, K0, buf);
  const K = w.K;
  const binv = inverseDiagFromCholesky(L, n, w.threads);
  const diag = new Float64Array(n);
  const weak: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = tau[i];
    const s = 1 - binv[i];
    if (t > 0 && s >= WEAK_SITE) diag[i] = s / t;
    else weak.push(i);
  }
  directDiag(L, K, n, sq, weak, diag, w.threads);
  // μ = Kν̃ − K S̃½ L⁻ᵀ L⁻¹ S̃½ K ν̃
  const a = matVec(K, nu, n);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = sq[i] * a[i];
  const u = solveTriangular(L, n, solveTriangular(L, n, t, 1), 1, { transpose: true });
  for (let i = 0; i < n; i++) u[i] *= sq[i];
  const Ku = matVec(K, u, n);
  const muG = new Float64Array(n);
  for (let i = 0; i < n; i++) muG[i] = a[i] - Ku[i];
  let h = 0;
  for (let i = 0; i < n; i++) h += Math.log(L[i * n + i]);
  return { L, sq, diag, muG, halfLogDetB: h, direct: weak.length };
}
