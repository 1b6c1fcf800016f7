export {
  AUTO_PARALLEL_ABOVE,
  type EpOptions,
  type EpResult,
  epClassify,
  resolveSchedule,
  signLabels,
} from './ep.js';
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
export { epPosteriorOnTest, epPredict, type GaussianPredictive, splitBlocks } from './predict.js';
