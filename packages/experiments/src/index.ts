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
