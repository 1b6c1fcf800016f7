/**
 * One site of EP with the step likelihood: its proposal from its cavity
 * (the tilted moments, with the precision cap), the parallel sweep that
 * proposes every site from the same posterior, and each site's term of the
 * EP log Z (see ep.ts's module comment for the derivation).
 */
import { stepMoments } from './moments.js';
import type { EpDiagFactor } from './refresh.js';

/**
 * Site precisions are capped at TAU_MAX_REL/Kᵢᵢ: a site 1e10 times more
 * precise than the prior only arises when the problem is degenerate (e.g.
 * repeated inputs with contradictory labels, P(S) = 0, where EP's τ̃ grows
 * geometrically without bound); beyond it B = I + S̃½KS̃½ loses its unit
 * eigenvalues to rounding. Capped updates are counted in `capped`.
 */
export const TAU_MAX_REL = 1e10;

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
export function parallelSweep(st: SweepState, diag: Float64Array, muG: Float64Array): void {
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
