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
 * prints carries it (measured against Botev with 10⁵ samples and scipy's QMC on sub-kernels
 * of the Boolean ReLU NNGP, scratch runs recorded in docs/botev-pb.md).
 */
export const EP_ORTHANT_BIAS =
  "EP's log P is a deterministic approximation with no error estimate, and it is biased: on the Boolean ReLU NNGP (σ_w = σ_b = 1) it is below the exact value by 0.21–0.35 nats for constant labels (d = 10–128), by 0.02–0.35 for simple ('0011…') ones and by at most 0.04 for random ones — worst on the most probable labellings; use method botev for an unbiased estimate with a standard error";

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
