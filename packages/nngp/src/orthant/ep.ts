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
