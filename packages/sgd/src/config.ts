/**
 * Training settings: optimiser and its hyperparameters, loss, batch size and
 * stopping rule. A resolved {@link SgdConfig} is plain JSON and is exactly the
 * `experiment` of a P_SGD table's provenance (what must match for a merge).
 */
import { FsbayesError } from '@fsbayes/core';
import { defaultParams, type OptimizerName, type OptimizerParams } from './optimizers.js';

/** The training losses: 'ce' (cross-entropy on the logit) and 'mse' (squared error); the choices of `--loss`. */
export const LOSSES = ['ce', 'mse'] as const;
/** One of {@link LOSSES}. */
export type LossName = (typeof LOSSES)[number];

/** When a net counts as trained, and how long it may take. */
export interface StopRule {
  /** Check "all of S classified correctly" every this many steps; 0 = at the end of every epoch. */
  checkEvery: number;
  /** Extra epochs trained after the net first fits S (its function is read off after them). */
  epochsAfterFit: number;
  /** Give up (the run counts as not fitted) after this many epochs. */
  maxEpochs: number;
}

/** A resolved training configuration (plain JSON). */
export interface SgdConfig {
  optimizer: OptimizerName;
  params: OptimizerParams;
  loss: LossName;
  /**
   * MSE targets: `01` (targets 0/1, a point is predicted 1 when the output
   * exceeds 0.5, as the authors' code) or `pm1` (targets ±1, threshold 0).
   * Cross-entropy always thresholds its logit at 0.
   */
  mseTargets: '01' | 'pm1';
  batch: number;
  stop: StopRule;
}

/** A training configuration as given: any part left out takes its default ({@link resolveConfig}). */
export interface SgdConfigInput {
  optimizer?: OptimizerName;
  params?: Partial<OptimizerParams>;
  loss?: LossName;
  mseTargets?: '01' | 'pm1';
  batch?: number;
  stop?: Partial<StopRule>;
}

/** Fill in defaults and validate, with errors that name the bad value. */
export function resolveConfig(c: SgdConfigInput = {}): SgdConfig {
  const optimizer = c.optimizer ?? 'sgd';
  const params = { ...defaultParams(optimizer) }; // refuses an unknown optimizer, naming it
  const loss = c.loss ?? 'ce';
  if (!LOSSES.includes(loss)) throw new FsbayesError(`unknown loss '${loss}'; expected ${LOSSES.join(' or ')}`);
  for (const [k, v] of Object.entries(c.params ?? {})) if (v !== undefined) (params as Record<string, unknown>)[k] = v;
  const pos = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) throw new FsbayesError(`${name} must be a positive number, got ${v}`);
  };
  const nonneg = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0)) throw new FsbayesError(`${name} must be a non-negative number, got ${v}`);
  };
  const unit = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new FsbayesError(`${name} must be in [0, 1), got ${v}`);
  };
  pos('lr', params.lr);
  unit('momentum', params.momentum);
  nonneg('weight decay', params.weightDecay);
  nonneg('lr decay', params.lrDecay);
  unit('beta1', params.beta1);
  unit('beta2', params.beta2);
  unit('rho', params.rho);
  pos('eps', params.eps);
  nonneg('initial accumulator', params.initialAccumulator);
  if (typeof params.nesterov !== 'boolean')
    throw new FsbayesError(`nesterov must be true or false, got ${params.nesterov}`);
  const batch = c.batch ?? 8;
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new FsbayesError(`batch must be a positive integer, got ${batch}`);
  const stop: StopRule = { checkEvery: 0, epochsAfterFit: 0, maxEpochs: 10_000, ...c.stop };
  if (!Number.isSafeInteger(stop.checkEvery) || stop.checkEvery < 0)
    throw new FsbayesError(`check-every must be a non-negative integer, got ${stop.checkEvery}`);
  if (!Number.isSafeInteger(stop.epochsAfterFit) || stop.epochsAfterFit < 0)
    throw new FsbayesError(`epochs-after-fit must be a non-negative integer, got ${stop.epochsAfterFit}`);
  if (!Number.isSafeInteger(stop.maxEpochs) || stop.maxEpochs < 1)
    throw new FsbayesError(`max-epochs must be a positive integer, got ${stop.maxEpochs}`);
  const mseTargets = c.mseTargets ?? '01';
  if (mseTargets !== '01' && mseTargets !== 'pm1')
    throw new FsbayesError(`mse targets must be 01 or pm1, got '${mseTargets}'`);
  return { optimizer, params, loss, mseTargets, batch, stop };
}
