/**
 * @fsbayes/nngp — the Bayesian side: NNGP/NTK kernels read from the same
 * architecture spec as the nets, GP classification by expectation
 * propagation, Gaussian orthant probabilities (EP, Botev, Genz, Monte
 * Carlo), P_B(f|S), the EP posterior and GP-regression comparators, and the
 * marginal-likelihood PAC-Bayes bound. Everything here is float64.
 *
 * The public names, chosen: the kernels and where they run, EP and its
 * predictions, orthant probabilities with the covariance check they start
 * from, and P_B with its bound. The dual-map table, the rectangle estimators
 * (Botev's tilting, Genz's lattice, Monte Carlo), truncated-normal samplers
 * and the reductions stay inside (tests import them by path).
 */

// --- EP: GP classification with the noise-free step likelihood
export {
  checkEpMemory,
  type EpMarginalLikelihood,
  type EpOptions,
  type EpResult,
  type EpScheduleName,
  epClassify,
  epMemoryNeeds,
  epPosteriorOnTest,
  epPredict,
  type GaussianPredictive,
  logMarginalLikelihood,
} from './ep/index.js';
export { cnnKernel, cnnKernelAsync, cnnKernelNeeds, gapKernelCost } from './kernels/cnn.js';
// --- kernels: NNGP and NTK of a spec, on the CPU (float64) or a device (float32)
export { fcnKernelF32Model, type KernelDevice, kernelDeviceOf } from './kernels/device.js';
export {
  type FcnKernelArgs,
  type FcnKernelParams,
  type FcnKernelResult,
  fcnKernel,
  fcnKernelAsync,
} from './kernels/fcn.js';
export { GAP_MAX_OPS, type KernelOptions, kernelMatrix, kernelMatrixAsync } from './kernels/index.js';
export { type MonteCarloKernel, type MonteCarloOptions, monteCarloKernel } from './kernels/montecarlo.js';
export type { KernelKind } from './kernels/types.js';

// --- orthant probabilities P(sign f = y), f ~ N(m, K), and the covariance check
export { type OrthantOptions, type OrthantResult, orthantLogProb } from './orthant/index.js';
export {
  analyseCovariance,
  type CovarianceCheckOptions,
  type CovarianceStructure,
  type ZeroCause,
} from './orthant/reduce.js';
export { type LogProbability, ORTHANT_METHODS, type OrthantMethod } from './orthant/types.js';

// --- P_B(f|S), the EP posterior's functions, the GP-regression comparator, the PAC-Bayes bound
export {
  BOTEV_PB_MAX_POINTS,
  type BotevPbOptions,
  type BotevPbResult,
  botevPosteriorProbabilities,
} from './pb/botev.js';
export { botevPosteriorProbabilitiesParallel } from './pb/botev-pool.js';
export { PAC_BAYES_DELTA, type PacBayesBound, pacBayesBound } from './pb/bound.js';
export { type GpRegressionOptions, type GpRegressionResult, gpRegressionLogProb } from './pb/gpmse.js';
export { logPosteriorProbabilities, type PbMode, type PbOptions, type PbResult } from './pb/posterior.js';
export { type EpSampleOptions, type EpSampleResult, sampleEpPosterior } from './pb/sample.js';
export {
  checkTableFits,
  type PbOfTableOptions,
  type PbSystem,
  pbOfTable,
  pbOfTableAsync,
  resolvePbEstimator,
  type StackedSplit,
  stackSplit,
} from './pb/table.js';
