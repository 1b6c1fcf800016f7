/**
 * The integer codes the wasm trainer switches on, written once: the glue
 * (`wasm.ts`) writes them into the configuration block, and the wasm build
 * (`scripts/build-wasm.mjs`) reads this file and passes each code to
 * AssemblyScript as a constant `GROUP_NAME` (OPT_SGD, …, LOSS_CE, LOSS_MSE),
 * so both sides use the same numbers. A code the trainer has no branch for
 * traps (`unreachable`) instead of running as another optimiser or loss.
 *
 * An optimiser absent from OPT is not on the fast path: the optimiser table
 * (`optimizers.ts`) gives it `wasm: null` and the js reference trains it.
 * Keep this file free of value imports (the build evaluates it on its own).
 */
import type { LossName } from './config.js';
import type { OptimizerName } from './optimizers.js';

export const WASM_CODES = {
  OPT: { sgd: 0, adam: 1, adagrad: 2, rmsprop: 3, adadelta: 4 },
  LOSS: { ce: 0, mse: 1 },
} as const satisfies { OPT: Partial<Record<OptimizerName, number>>; LOSS: Record<LossName, number> };
