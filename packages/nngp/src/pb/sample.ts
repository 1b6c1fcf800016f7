/**
 * The authors' "GP_EP" sampler: functions on E drawn from the EP posterior
 * predictive N(mean, cov) of f_E given the S labels (GPML 3.6 with the full
 * test covariance), read off as signs (bit 1 ⇔ f > 0). Seeded: the normals come
 * from `new Rng(seed, 'ep-posterior')`. cov is factorised once (automatic
 * jitter, reported: repeated test inputs make it singular).
 */
import { cholesky, FsbayesError, Rng, type Seed } from '@fsbayes/core';
import type { EpOptions } from '../ep/options.js';
import { epPosteriorOnTest } from '../ep/predict.js';

/** Options of {@link sampleEpPosterior}: the seed of its normals and EP's options. */
export interface EpSampleOptions {
  seed?: Seed;
  ep?: EpOptions;
}

/** What {@link sampleEpPosterior} returns: the functions drawn, EP's log P(S) and warnings. */
export interface EpSampleResult {
  /** `count` functions as 0/1 bits on E. */
  functions: Uint8Array[];
  /** EP log P(S). */
  logPS: number;
  /** Predictive mean and covariance on E. */
  mean: Float64Array;
  cov: Float64Array;
  /** Jitter added to cov to factorise it (0 if none). */
  jitter: number;
  /** Why these numbers are not to be trusted (EP on S, the reduction of S, jitter on cov). */
  warnings: string[];
}

/**
 * `count` functions on E drawn from EP's posterior predictive given the labels of S (the authors' GP_EP sampler;
 * module doc). K is the kernel on S ∪ E, S first.
 */
export function sampleEpPosterior(
  K: Float64Array,
  nS: number,
  yS: ArrayLike<number>,
  count: number,
  opts: EpSampleOptions = {},
): EpSampleResult {
  if (!Number.isInteger(count) || count < 0)
    throw new FsbayesError(`sampleEpPosterior: count must be a non-negative integer, got ${count}`);
  const { ep, predictive, warnings } = epPosteriorOnTest(K, nS, yS, {
    ...opts.ep,
    init: undefined,
    priorMean: undefined,
  });
  const { mean, cov, nE } = predictive;
  const { L, jitter } = cholesky(cov, nE, { jitter: 'auto' });
  if (jitter > 0)
    warnings.push(
      `the predictive covariance on E needed jitter ${jitter.toExponential(3)} to factorise (repeated test points): the draws are from cov + jitter·I`,
    );
  const rng = new Rng(opts.seed ?? 0, 'ep-posterior');
  const z = new Float64Array(nE);
  const functions: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    for (let e = 0; e < nE; e++) z[e] = rng.normal();
    const bits = new Uint8Array(nE);
    for (let e = 0; e < nE; e++) {
      let s = mean[e];
      const o = e * nE;
      for (let j = 0; j <= e; j++) s += L[o + j] * z[j];
      bits[e] = s > 0 ? 1 : 0;
    }
    functions.push(bits);
  }
  return { functions, logPS: ep.logZ, mean, cov, jitter, warnings };
}
