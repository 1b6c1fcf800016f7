/**
 * @fsbayes/experiments — the workflows built from the packages: the
 * resumable ensembles that `fsbayes sample` and `fsbayes sgd` run (and the
 * experiments' steps), the exact merge of their shards, and the paper
 * experiments behind `fsbayes repro`. The CLI is a thin layer of flags over
 * this package.
 */

export {
  type FrozenEnsembleOptions,
  type FrozenEnsembleResult,
  type FrozenEstimate,
  frozenEnsemble,
} from './ensembles/frozen.js';
export type { EnsembleHooks, ProgressBar, ProgressFactory, SamplerRunOptions } from './ensembles/hooks.js';
export { type MergedTables, mergeShards, SHARD_POOLING } from './ensembles/merge.js';
export {
  type RejectionEnsembleOptions,
  type RejectionEnsembleResult,
  type RejectionSummary,
  rejectionEnsemble,
} from './ensembles/rejection.js';
export {
  type SgdBackend,
  type SgdEnsembleOptions,
  type SgdEnsembleResult,
  sgdEnsemble,
  sgdExperiment,
} from './ensembles/sgd.js';
export {
  buildPlan,
  MAX_TASKS,
  type PlanOptions,
  parseShardCounts,
  parseSlurmTime,
  type ShardCounts,
  slurmTime,
} from './plan/build.js';
export { writePlanFolder } from './plan/folder.js';
export { type Plan, type PlanStage, planIdentity, readPlan, resultDir, type StageKind } from './plan/format.js';
export { type LocalOptions, planStatus, runPlanLocal, type StageStatus } from './plan/local.js';
export { shellQuote } from './plan/slurm.js';
export { runPlanTask, type TaskOptions, type TaskOutcome } from './plan/task.js';
export { fmtCount, fmtTime, Progress } from './progress.js';
export {
  type ExperimentContext,
  parseOverrides,
  type Scale,
  type SettingValue,
  settingsFor,
  stage,
} from './repro/context.js';
export { EXPERIMENTS, type Experiment } from './repro/registry.js';
export type { ExperimentResult } from './repro/result.js';
export { type ReproOptions, type ReproRun, runRepro } from './repro/run.js';
export { describeRange, type SettingRange, type SettingRanges } from './repro/settings.js';
export { mergePbFiles } from './repro/shards.js';
export { type Calibration, runStep, type ShardedStep, type StepKind, type StepUnit } from './repro/step.js';
