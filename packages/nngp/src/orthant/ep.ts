/**
 * Method 'ep': the orthant probability as expectation propagation's log Z
 * (delegates to `epClassify`, the step-likelihood EP of ../ep). Deterministic,
 * no error estimate (stderr null); accurate for orthants in practice
 * (Cunningham et al. 2011) but its bias is not bounded — check it against
 * Botev (estimate and upper bound) where that matters.
 */
import { type EpOptions, epClassify } from '../ep/index.js';
import type { OrthantResult } from './index.js';

export function epOrthant(
  K: Float64Array,
  n: number,
  y: ArrayLike<number>,
  mean: ArrayLike<number> | undefined,
  opts: EpOptions | undefined,
): OrthantResult {
  const r = epClassify(K, n, y, { ...opts, ...(mean !== undefined ? { priorMean: mean } : {}) });
  return { logP: r.logZ, stderr: null, method: 'ep', iterations: r.iterations, converged: r.converged };
}
