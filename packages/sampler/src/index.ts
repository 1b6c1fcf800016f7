/**
 * @fsbayes/sampler — the direct, assumption-free estimate of P_B(f|S): draw
 * nets from their prior, keep those that fit S (rejection sampling), count
 * their functions on E. Also unconditioned prior tables P(f) through the same
 * engine, and the frozen-feature (last-layer) sampler with exact HMC for the
 * truncated Gaussian of the readout weights.
 */
export type SamplerMode = 'prior' | 'posterior' | 'frozen';

/** What `fsbayes sample --json` reports. */
export interface SampleSummary {
  /** Nets that fit S (prior mode: every net; frozen mode: readout samples). */
  accepted: number;
  /** Nets drawn (frozen mode: rejection proposals of the probes). */
  total: number;
  /** log of the acceptance rate, an estimate of log P(S). */
  logPS: number;
  /** 95% Wilson interval of the acceptance rate, on the log scale. */
  logPSInterval: [number, number];
  distinct: number;
  out: string | null;
}

export {
  type FeatureDiagnostics,
  type FrozenOptions,
  type FrozenResult,
  type FrozenState,
  frozenSample,
  samplesOfDraw,
} from './frozen.js';
export { type RateEstimate, rateEstimate, wilsonInterval } from './interval.js';
export { concatInputs, labelWords, lastWordMask, type PointSet } from './points.js';
export { samplerPooling } from './pool.js';
export {
  type RejectionOptions,
  type RejectionResult,
  type RejectionState,
  rejectionSample,
  type StopReason,
} from './rejection.js';
export { findRangeOverlap, parseRangeShard, type RangeShard, rangeShard } from './shards.js';
export {
  coneInteriorPoint,
  ExactHmc,
  effectiveSampleSize,
  firstViolation,
  type TruncatedGaussian,
} from './tmvn.js';
