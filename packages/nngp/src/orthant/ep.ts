/**
 * Method 'ep': the orthant probability as expectation propagation's log Z
 * (delegates to `epClassify`, the step-likelihood EP of ../ep). Deterministic,
 * no error estimate (stderr null); accurate for orthants in practice
 * (Cunningham et al. 2011) but its bias is not bounded — check it against
 * Botev (estimate and upper bound) where that matters.
 */
import { type EpOptions, epClassify } from '../ep/index.js';
import { epWarnings } from '../ep/warnings.js';
import type { OrthantResult } from './index.js';

/**
 * What is known of EP's bias as an orthant estimator, in words: every EP log P(S) the CLI
 * prints carries it. Measured against Botev (10⁵ samples, stderr ≤ 0.024) on sub-kernels of the
 * Boolean ReLU NNGP (σ_w = σ_b = 1), EP − exact: constant labels −0.21, −0.26, −0.30, −0.33,
 * −0.35, −0.38, −0.41 at d = 10, 20, 30, 45, 60, 90, 128; '0011…' labels −0.02, −0.07, −0.13,
 * −0.26, −0.35, −0.53 at d = 10–90; random labels −0.002 … −0.06 (3 each at d = 10–90); the
 * d ≤ 15 cases also against scipy's QMC (test/pb-botev.test.ts).
 */
export const EP_ORTHANT_BIAS =
  "EP's log P is a deterministic approximation with no error estimate, and it is biased low: on the Boolean ReLU NNGP (σ_w = σ_b = 1) it is below the exact value by 0.2–0.4 nats for constant labels (d = 10–128), 0.02–0.53 for simple ('0011…') ones and at most 0.06 for random ones — worst on the most probable labellings and at large d; use method botev for an unbiased estimate with a standard error";

export function epOrthant(
  K: Float64Array,
  n: number,
  y: ArrayLike<number>,
  mean: ArrayLike<number> | undefined,
  opts: EpOptions | undefined,
): Omit<OrthantResult, 'exact' | 'reduced'> {
  const r = epClassify(K, n, y, { ...opts, ...(mean !== undefined ? { priorMean: mean } : {}) });
  let md = 0;
  for (let i = 0; i < n; i++) md += K[i * n + i] / n;
  return {
    logP: r.logZ,
    stderr: null,
    method: 'ep',
    iterations: r.iterations,
    converged: r.converged,
    jitter: r.jitter,
    warnings: epWarnings(r, md),
  };
}
