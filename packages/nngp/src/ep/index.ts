export { type EpOptions, type EpResult, epClassify, signLabels } from './ep.js';
export { type EpMarginalLikelihood, logMarginalLikelihood } from './marginal.js';
export { type StepMoments, stepMoments } from './moments.js';
export { epPosteriorOnTest, epPredict, type GaussianPredictive, splitBlocks } from './predict.js';
