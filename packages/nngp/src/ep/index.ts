export { epClassify } from './ep.js';
export { type EpMarginalLikelihood, logMarginalLikelihood } from './marginal.js';
export {
  checkEpMemory,
  describeNeeds,
  type EpScheduleName,
  epMemoryNeeds,
  pbMemoryNeeds,
  totalBytes,
} from './memory.js';
export { type StepMoments, stepMoments } from './moments.js';
export {
  AUTO_PARALLEL_ABOVE,
  type EpOptions,
  type EpResult,
  resolveSchedule,
  signLabels,
} from './options.js';
export { epPosteriorOnTest, epPredict, type GaussianPredictive, splitBlocks } from './predict.js';
