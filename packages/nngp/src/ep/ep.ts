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
 * and a Gram product in the linalg layer), see sequential.ts. After each sweep Σ
 * and μ are recomputed from scratch (never inverting K or S̃): L = chol(B),
 * W = L⁻¹ S̃½ K, Σ = K − WᵀW, μ = Σν̃ (one Cholesky, one triangular solve with n
 * right-hand sides, one Gram product: O(n³) per sweep, as are the sequential
 * updates). Parallel (GPML 3.6 / Minka's parallel EP): every site from the
 * same posterior, then a refresh of only what the next sweep reads, Σᵢᵢ and
 * μ (refresh.ts: chol(B) and the column norms of L⁻¹, n³/3 per sweep), with
 * adaptive damping (see `EpOptions.damping`). 'auto' (default) is sequential
 * up to n = 2000 and parallel above. Damping δ ∈ (0, 1] mixes
 * natural parameters, τ̃ ← (1−δ)τ̃ + δτ̃_new (same for ν̃); it does not move the
 * fixed point. τ̃ is clamped at 0 and capped at 1e10/Kᵢᵢ (site.ts, TAU_MAX_REL); a
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
import { FsbayesError } from '@fsbayes/core';
import { Damper } from './damping.js';
import { symFromLower } from './matrix.js';
import { checkEpMemory } from './memory.js';
import { type EpOptions, type EpResult, resolveSchedule, signLabels } from './options.js';
import { type EpDiagFactor, type EpWork, epRefreshDiag, meanDiag, withJitter } from './refresh.js';
import { type EpFactor, epRefresh, SequentialSweeper, sigmaFromFactor } from './sequential.js';
import { epLogZ, parallelSweep, type SweepState, TAU_MAX_REL } from './site.js';

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
