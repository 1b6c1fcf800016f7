/**
 * @fsbayes/sgd — train many nets of one spec (fully connected or convolutional) at once, each from its own
 * prior draw (the same net streams the sampler uses), to 100% training
 * accuracy, and count their functions on E: P_SGD(f|S).
 *
 * The public names, chosen: settings, the engine choice, the training run,
 * its summary in provenance, and a reusable thread pool. Trainers, executors,
 * update rules and the wasm glue stay inside (tests import them by path).
 */
export { chooseEngine, type Engine, type EngineBackend, type TrainContext } from './batch.js';
export {
  LOSSES,
  type LossName,
  resolveConfig,
  type SgdConfig,
  type SgdConfigInput,
  type StopRule,
} from './config.js';
export { defaultParams, OPTIMIZERS, type OptimizerName, type OptimizerParams } from './optimizers.js';
export { openSgdPool, type SgdPool } from './pool.js';
export {
  type SgdState,
  type SgdTableOptions,
  type SgdTableResult,
  stateMeans,
  trainSgdTable,
} from './run.js';
export { poolSgdExtras, type SgdExtra, sgdExtra } from './summary.js';
export type { LabelledPoints } from './train.js';
export { type SgdWasmVariant, sgdFmaSupport } from './wasm.js';
