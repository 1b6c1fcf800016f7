/**
 * @fsbayes/sgd — train many nets of one spec at once, each from its own
 * prior draw (the same net streams the sampler uses), to 100% training
 * accuracy, and count their functions on E: P_SGD(f|S).
 */
export * from './config.js';
export { FcnNet, lossThreshold } from './net.js';
export { agdEta, createOptimizer, type Optimizer, type WeightBlock } from './optimizers.js';
export { agdInit, type LabelledPoints, orderRng, type RunResult, RunTrainer } from './train.js';

/** What `fsbayes sgd --json` reports. */
export interface SgdSummary {
  runs: number;
  fitted: number;
  notFitted: number;
  distinct: number;
  meanEpochs: number;
  meanTestError: number;
  out: string | null;
}
export {
  type BatchResult,
  type BatchTrainer,
  batchTrainer,
  chooseEngine,
  type Engine,
  type TrainContext,
} from './batch.js';
export { jsTrainerBytes, type SgdMemoryInput, sgdMemoryNeeds, wasmTrainerBytes } from './memory.js';
export { createExecutor, type Executor, LocalExecutor, WorkerExecutor } from './pool.js';
export {
  emptyState,
  type SgdState,
  type SgdTableOptions,
  type SgdTableResult,
  stateMeans,
  trainSgdTable,
} from './run.js';
export { poolSgdExtras, type SgdExtra, sgdExtra } from './summary.js';
export { resolveVariant, type SgdKernelVariant, sgdFmaSupport, WasmLaneTrainer, wasmUnsupported } from './wasm.js';
