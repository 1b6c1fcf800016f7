/**
 * Moment matching for the noise-free step likelihood p(y|f) = 1(y f > 0).
 *
 * With cavity N(f | μ₋, σ₋²) and z = y μ₋/σ₋, the tilted distribution is the
 * cavity truncated to y f > 0: Ẑ = Φ(z), and with r = φ(z)/Φ(z) (the inverse
 * Mills ratio) its mean and variance are μ̂ = μ₋ + y σ₋ r and
 * σ̂² = σ₋² (1 − r(z + r)). These are the probit formulas with √(1+σ₋²)
 * replaced by σ₋ (slope → ∞).
 *
 * For z ≪ 0 (a cavity that strongly disagrees with the label) 1 − r(z + r) is a
 * difference of two numbers close to 1, and r + z a difference of two large
 * ones. There both are taken from Laplace's continued fraction for the Mills
 * ratio, Φ(z)/φ(z) = 1/(a + 1/(a + 2/(a + 3/(a + …)))) with a = −z:
 * writing Dₖ = a + (k+1)/Dₖ₊₁, r = D₀ = a + δ with δ = 1/D₁ = r + z, and
 * 1 − r(z + r) = 1 − (a + δ)δ = δ(w − δ) with w = 2/D₂ (because aδ = a/(a + w)
 * gives 1 − aδ = wδ). No cancellation remains.
 */
import { logNormCdf, millsRatio } from '@fsbayes/core';

/**
 * Below this z the continued fraction is used: from a = −z = 2.5 on, 100 terms
 * (50 from a = 4) give r and v to ~1e−16 relative, where the direct formula
 * has already lost ~1e−14 (and 4e−13 at z = −6).
 */
const CF_Z = -2.5;

/** Tilted moments of the step likelihood, standardised: Ẑ = Φ(z), mean shift r (in units of σ₋, towards y), variance ratio v = σ̂²/σ₋². */
export interface StepMoments {
  /** log Ẑ = log Φ(z). */
  logZ: number;
  /** r = φ(z)/Φ(z) = (r + z) − z. */
  r: number;
  /** v = 1 − r(z + r) ∈ (0, 1). */
  v: number;
}

/** Standardised tilted moments for z = y μ₋/σ₋ (see the module comment). */
export function stepMoments(z: number): StepMoments {
  const logZ = logNormCdf(z);
  if (z < CF_Z) {
    const a = -z;
    let d = a; // D_N ≈ a
    for (let k = a >= 4 ? 49 : 99; k >= 2; k--) d = a + (k + 1) / d; // ends with D₂
    const d2 = d;
    const d1 = a + 2 / d2;
    const delta = 1 / d1;
    const w = 2 / d2;
    return { logZ, r: a + delta, v: delta * (w - delta) };
  }
  const r = millsRatio(z);
  const v = 1 - r * (z + r);
  return { logZ, r, v };
}
