/**
 * Training settings: optimiser and its hyperparameters, loss, batch size and
 * stopping rule. A resolved {@link SgdConfig} is plain JSON and is exactly the
 * `experiment` of a P_SGD table's provenance (what must match for a merge).
 */
import { FsbayesError } from '@fsbayes/core';

export type OptimizerName = 'sgd' | 'adam' | 'adagrad' | 'rmsprop' | 'adadelta' | 'agd';
export type LossName = 'ce' | 'mse';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adam', 'adagrad', 'rmsprop', 'adadelta', 'agd'];
export const LOSSES: readonly LossName[] = ['ce', 'mse'];

/** Every hyperparameter of every optimiser; each optimiser reads the ones it needs. */
export interface OptimizerParams {
  /** Learning rate η (AGD: a gain multiplying its automatic step, 1 = the paper). */
  lr: number;
  /** SGD: heavy-ball momentum μ. */
  momentum: number;
  /** SGD: Nesterov momentum. */
  nesterov: boolean;
  /** SGD: L2 weight decay λ (the gradient gains λθ). */
  weightDecay: number;
  /** SGD: learning-rate decay, η_t = η / (1 + decay·t) after t steps (Keras' `decay`). */
  lrDecay: number;
  /** Adam: β₁, β₂. */
  beta1: number;
  beta2: number;
  /** RMSprop / Adadelta: decay ρ of the running averages. */
  rho: number;
  /** Adam, Adagrad, RMSprop, Adadelta: ε. */
  eps: number;
  /** Adagrad: initial accumulator value. */
  initialAccumulator: number;
}

/**
 * Defaults, from each method's paper or (where the paper leaves it open) the
 * Keras default the authors of Mingard et al. (2021) ran with:
 * - sgd: η = 0.01 (Keras `SGD`, the authors' Boolean runs), no momentum;
 * - adam: η = 0.001, β = (0.9, 0.999), ε = 1e-8 (Kingma & Ba 2015);
 * - adagrad: η = 0.01, ε = 1e-10, accumulator starts at 0 (Duchi et al. 2011 as usually run);
 * - rmsprop: η = 0.001, ρ = 0.9, ε = 1e-7 (Hinton's lecture 6e; ε as Keras);
 * - adadelta: η = 1, ρ = 0.95, ε = 1e-6 (Zeiler 2012);
 * - agd: gain 1 (Bernstein et al. 2023; no learning rate to tune).
 */
export function defaultParams(opt: OptimizerName): OptimizerParams {
  const base: OptimizerParams = {
    lr: 0.01,
    momentum: 0,
    nesterov: false,
    weightDecay: 0,
    lrDecay: 0,
    beta1: 0.9,
    beta2: 0.999,
    rho: 0.9,
    eps: 1e-8,
    initialAccumulator: 0,
  };
  switch (opt) {
    case 'sgd':
      return base;
    case 'adam':
      return { ...base, lr: 0.001 };
    case 'adagrad':
      return { ...base, lr: 0.01, eps: 1e-10 };
    case 'rmsprop':
      return { ...base, lr: 0.001, rho: 0.9, eps: 1e-7 };
    case 'adadelta':
      return { ...base, lr: 1, rho: 0.95, eps: 1e-6 };
    case 'agd':
      return { ...base, lr: 1 };
  }
}

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
  if (!OPTIMIZERS.includes(optimizer))
    throw new FsbayesError(`unknown optimizer '${optimizer}'; expected one of ${OPTIMIZERS.join(', ')}`);
  const loss = c.loss ?? 'ce';
  if (!LOSSES.includes(loss)) throw new FsbayesError(`unknown loss '${loss}'; expected ce or mse`);
  const params = { ...defaultParams(optimizer) };
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
