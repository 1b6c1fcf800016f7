/**
 * @fsbayes/experiments — the workflows built from the packages: the
 * resumable ensembles that `fsbayes sample` and `fsbayes sgd` run (and the
 * experiments' steps), the exact merge of their shards, and the paper
 * experiments behind `fsbayes repro`. The CLI is a thin layer of flags over
 * this package.
 *
 * The public names, chosen: the ensembles with their options and results,
 * the merge of shards, the progress bar, and the experiment registry with
 * `runRepro` and what it takes and returns, and the cluster plans
 * (`fsbayes plan`, `run-plan`) with the merge of P_B parts. The helpers an experiment is
 * written with (settings and their ranges, resumable steps, writers) stay
 * inside (tests import them by path).
 */

export {
  type FrozenEnsembleOptions,
  type FrozenEnsembleResult,
  type FrozenEstimate,
  frozenEnsemble,
} from './ensembles/frozen.js';
export type { EnsembleHooks, ProgressBar, ProgressFactory, SamplerRunOptions } from './ensembles/hooks.js';
export { type MergedSources, type MergedTables, mergeShardSources, mergeShards } from './ensembles/merge.js';
export {
  type PriorEnsembleOptions,
  type PriorEnsembleResult,
  priorEnsemble,
} from './ensembles/prior.js';
export {
  type RejectionEnsembleOptions,
  type RejectionEnsembleResult,
  type RejectionSummary,
  rejectionEnsemble,
  rejectionEnsembleColumnar,
} from './ensembles/rejection.js';
export {
  type SgdBackend,
  type SgdEnsembleOptions,
  type SgdEnsembleResult,
  sgdEnsemble,
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
export { type PlanCost, planCost, planCostText, planWallSeconds } from './plan/estimate.js';
export { writePlanFolder } from './plan/folder.js';
export { type Plan, type PlanStage, planIdentity, readPlan, resultDir, type StageKind } from './plan/format.js';
export { type LocalOptions, planStatus, runPlanLocal, type StageStatus } from './plan/local.js';
export { shellQuote } from './plan/slurm.js';
export { runPlanTask, type TaskOptions, type TaskOutcome } from './plan/task.js';
export { Progress } from './progress.js';
export { type ExperimentContext, parseOverrides, type Scale, type SettingValue } from './repro/context.js';
export { checkPbParts, mergePbFiles, type PbPart, rankRange } from './repro/pb-parts.js';
export { EXPERIMENTS, type Experiment } from './repro/registry.js';
export type { ExperimentResult } from './repro/result.js';
export { type ReproOptions, type ReproRun, runRepro } from './repro/run.js';
export type { Calibration, ShardedStep, StepKind, StepUnit } from './repro/step.js';
