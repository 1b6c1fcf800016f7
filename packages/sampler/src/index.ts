/**
 * @fsbayes/sampler — the direct, assumption-free estimate of P_B(f|S): draw
 * nets from their prior, keep those that fit S (rejection sampling), count
 * their functions on E. Also unconditioned prior tables P(f) through the same
 * engine, and the frozen-feature (last-layer) sampler with exact HMC for the
 * truncated Gaussian of the readout weights.
 *
 * The public names, chosen: the two samplers with their options, results and
 * resumable states, the acceptance-rate estimate, the point sets they run on,
 * and how `fsbayes merge` pools their shards. The HMC engine, the Wilson
 * interval and the label packing stay inside (tests import them by path).
 */
export {
  type FeatureDiagnostics,
  type FrozenOptions,
  type FrozenResult,
  type FrozenState,
  frozenSample,
  samplesOfDraw,
} from './frozen.js';
export { logRateText, type RateEstimate, rateEstimate } from './interval.js';
export type { PointSet } from './points.js';
export { samplerPooling } from './pool.js';
export {
  type RejectionOptions,
  type RejectionResult,
  type RejectionState,
  rejectionSample,
  type StopReason,
} from './rejection.js';
