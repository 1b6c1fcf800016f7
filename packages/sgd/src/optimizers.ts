/**
 * The optimisers, one table: for each name its defaults, the hyperparameters
 * its update reads, how its nets are initialised, its code in the wasm
 * trainer (or null: not on the fast path, so the float64 js reference trains
 * it) and its float64 reference update. `satisfies Record<OptimizerName, …>`
 * makes a missing or extra entry a compile error.
 *
 * To add an optimiser: its name in `OptimizerName`, its hyperparameters in
 * `OptimizerParams` (with a base value), its update in `updates.ts` and its
 * entry here. For the fast path also a code in `wasm-codes.ts` and its
 * branch in `packages/sgd/wasm/optimizers.ts`.
 */
import { FsbayesError } from '@fsbayes/core';
import { Adadelta, Adagrad, Adam, Agd, agdInit, type Optimizer, RmsProp, Sgd, type WeightBlock } from './updates.js';
import { WASM_CODES } from './wasm-codes.js';

/** The optimisers; each has its entry in {@link OPTIMIZER_TABLE} (the compiler checks there is one per name). */
export type OptimizerName = 'sgd' | 'adam' | 'adagrad' | 'rmsprop' | 'adadelta' | 'agd';

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

/** Every hyperparameter's value where an optimiser's entry does not set its own. */
const BASE_PARAMS: OptimizerParams = {
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

export interface OptimizerEntry {
  /** Its defaults where they differ from the base values (sources: {@link defaultParams}). */
  readonly defaults: Partial<OptimizerParams>;
  /** The hyperparameters its update reads; it ignores the others. */
  readonly reads: readonly (keyof OptimizerParams)[];
  /** Rewrites a run's prior draw before training (AGD: orthogonal); null: trains from the prior draw. */
  readonly init: ((theta: Float64Array, blocks: readonly WeightBlock[]) => void) | null;
  /**
   * Its code in the wasm trainer (`WASM_CODES.OPT`), and the initial value of
   * its first state buffer there; null: not on the fast path.
   */
  readonly wasm: { readonly code: number; readonly s1: (p: OptimizerParams) => number } | null;
  /** Its float64 reference update, for parameter vectors of length P (`blocks`: the weight matrices). */
  reference(p: OptimizerParams, P: number, blocks: readonly WeightBlock[]): Optimizer;
}

const zero = () => 0;

export const OPTIMIZER_TABLE = {
  sgd: {
    defaults: {},
    reads: ['lr', 'momentum', 'nesterov', 'weightDecay', 'lrDecay'],
    init: null,
    wasm: { code: WASM_CODES.OPT.sgd, s1: zero },
    reference: (p, P) => new Sgd(p, P),
  },
  adam: {
    defaults: { lr: 0.001 },
    reads: ['lr', 'beta1', 'beta2', 'eps'],
    init: null,
    wasm: { code: WASM_CODES.OPT.adam, s1: zero },
    reference: (p, P) => new Adam(p, P),
  },
  adagrad: {
    defaults: { lr: 0.01, eps: 1e-10 },
    reads: ['lr', 'eps', 'initialAccumulator'],
    init: null,
    wasm: { code: WASM_CODES.OPT.adagrad, s1: (p) => p.initialAccumulator },
    reference: (p, P) => new Adagrad(p, P),
  },
  rmsprop: {
    defaults: { lr: 0.001, rho: 0.9, eps: 1e-7 },
    reads: ['lr', 'rho', 'eps'],
    init: null,
    wasm: { code: WASM_CODES.OPT.rmsprop, s1: zero },
    reference: (p, P) => new RmsProp(p, P),
  },
  adadelta: {
    defaults: { lr: 1, rho: 0.95, eps: 1e-6 },
    reads: ['lr', 'rho', 'eps'],
    init: null,
    wasm: { code: WASM_CODES.OPT.adadelta, s1: zero },
    reference: (p, P) => new Adadelta(p, P),
  },
  agd: {
    defaults: { lr: 1 },
    reads: ['lr'],
    init: agdInit,
    // per-matrix normalisation, not an elementwise rule: the js reference trains it
    wasm: null,
    reference: (p, P, blocks) => new Agd(p, P, blocks),
  },
} as const satisfies Record<OptimizerName, OptimizerEntry>;

/** The optimiser names, in the table's order. */
export const OPTIMIZERS = Object.keys(OPTIMIZER_TABLE) as readonly OptimizerName[];

/** The table's entry for `name`; an unknown name is refused, naming it. */
export function optimizerEntry(name: OptimizerName): OptimizerEntry {
  if (!Object.hasOwn(OPTIMIZER_TABLE, name))
    throw new FsbayesError(`unknown optimizer '${name}'; expected one of ${OPTIMIZERS.join(', ')}`);
  return OPTIMIZER_TABLE[name];
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
  return { ...BASE_PARAMS, ...optimizerEntry(opt).defaults };
}

/** The optimiser `name`'s reference update for parameter vectors of length P (`blocks`: the weight matrices, for AGD). */
export function createOptimizer(
  name: OptimizerName,
  p: OptimizerParams,
  P: number,
  blocks: readonly WeightBlock[] = [],
): Optimizer {
  return optimizerEntry(name).reference(p, P, blocks);
}
