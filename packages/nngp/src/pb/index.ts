export {
  assembleBotevPb,
  BOTEV_PB_MAX_POINTS,
  type BotevPbContext,
  type BotevPbContextData,
  type BotevPbFunction,
  type BotevPbOptions,
  type BotevPbResult,
  type BotevTerm,
  botevMethodError,
  botevPbContext,
  botevPbContextData,
  botevPbContextFrom,
  botevPbFunction,
  botevPosteriorProbabilities,
  pbEstimatorFor,
} from './botev.js';
export { botevPosteriorProbabilitiesParallel, botevWorkerFile } from './botev-pool.js';
export { PAC_BAYES_DELTA, type PacBayesBound, pacBayesBound } from './bound.js';
export { type GpRegressionOptions, type GpRegressionResult, gpRegressionLogProb } from './gpmse.js';
export { type LowRankBase, type LowRankOptions, type LowRankResult, lowRankBase, lowRankJointEp } from './lowrank.js';
export {
  bitsToLabels,
  defaultMaxActiveS,
  logPosteriorProbabilities,
  methodError,
  type PbMode,
  type PbOptions,
  type PbResult,
} from './posterior.js';
export { type EpSampleOptions, type EpSampleResult, sampleEpPosterior } from './sample.js';
export {
  checkTableFits,
  type PbOfTableOptions,
  type PbSystem,
  pbOfTable,
  pbOfTableAsync,
  resolvePbEstimator,
  type StackedSplit,
  stackSplit,
} from './table.js';
