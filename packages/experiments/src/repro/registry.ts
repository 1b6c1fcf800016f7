/**
 * The paper experiments behind `fsbayes repro <name>` and the npm scripts
 * `repro:<name>`. Each takes `--scale small|full` (small: a few minutes on 2
 * cores, what the tests and the README run; full: the paper's scale) and
 * writes its tables, plots and report into one folder.
 */

import { booleanSettings, booleanSteps, reproBoolean } from './boolean.js';
import { boundSettings, reproBound } from './bound.js';
import { cnnPlanSteps, cnnSettings, reproCnn } from './cnn.js';
import type { ExperimentContext } from './context.js';
import { entropySettings, reproEntropy } from './entropy.js';
import { lastLayerPlanSteps, lastLayerSettings, reproLastLayer } from './lastlayer.js';
import { fashionPlanSteps, fashionSettings, mnistPlanSteps, mnistSettings, reproFashion, reproMnist } from './mnist.js';
import { optimizersSettings, optimizersSteps, reproOptimizers } from './optimizers.js';
import type { ExperimentResult } from './result.js';
import { reproSimplicity, simplicitySettings } from './simplicity.js';
import type { ShardedStep } from './step.js';

/** One paper experiment: its name and description, its validated settings, and its run. */
export interface Experiment {
  name: string;
  describe: string;
  /** The settings at the context's scale and `--set`s, validated (throws naming a bad key, value and range). */
  settings: (ctx: ExperimentContext) => unknown;
  run: (ctx: ExperimentContext) => Promise<ExperimentResult>;
  /**
   * Its shardable steps, the very objects `run` runs (a plan splits them
   * into array tasks; see `step.ts`). Without it a plan runs the experiment
   * as one task.
   */
  steps?: (ctx: ExperimentContext) => ShardedStep[];
}

/** Every experiment `fsbayes repro` runs, by name (the one list the CLI and the npm scripts read). */
export const EXPERIMENTS: Experiment[] = [
  {
    name: 'boolean',
    describe:
      'P_B by EP vs rejection sampling vs SGD on the Boolean system, targets of growing LZ complexity (Mingard et al. 2021)',
    settings: booleanSettings,
    run: reproBoolean,
    steps: booleanSteps,
  },
  {
    name: 'entropy',
    describe: 'P(T) for the perceptron without bias (Theorem 4.1), with bias, and with depth (Mingard et al. 2019)',
    settings: entropySettings,
    run: reproEntropy,
  },
  {
    name: 'simplicity',
    describe: 'P(f) against LZ complexity and the rank plot for random 7→40→40→1 nets (Valle-Pérez et al. 2019)',
    settings: simplicitySettings,
    run: reproSimplicity,
  },
  {
    name: 'mnist',
    describe: 'P_SGD against P_B (EP) and the GP-EP sampler on binarised MNIST, FCN 784→128→128→1',
    settings: mnistSettings,
    run: reproMnist,
    steps: mnistPlanSteps,
  },
  {
    name: 'fashion',
    describe: 'the same comparison on binarised Fashion-MNIST (class ≥ 5), FCN 784→128→128→1',
    settings: fashionSettings,
    run: reproFashion,
    steps: fashionPlanSteps,
  },
  {
    name: 'cnn',
    describe:
      "the same comparison for the paper's 4-layer CNN (5×5, 2×2, 5×5, 2×2 filters) against its CNN-GP, binarised MNIST (--set dataset=fashion: Fashion-MNIST)",
    settings: cnnSettings,
    run: reproCnn,
    steps: cnnPlanSteps,
  },
  {
    name: 'optimizers',
    describe: 'SGD, Adam, Adagrad, RMSprop, Adadelta, AGD and the batch-size effect against P_B on the Boolean system',
    settings: optimizersSettings,
    run: reproOptimizers,
    steps: optimizersSteps,
  },
  {
    name: 'lastlayer',
    describe: 'whole-net random sampling vs frozen-feature (last-layer) sampling vs the NNGP posterior, by width',
    settings: lastLayerSettings,
    run: reproLastLayer,
    steps: lastLayerPlanSteps,
  },
  {
    name: 'bound',
    describe: 'the PAC-Bayes bound against test error on binarised MNIST, with label corruption',
    settings: boundSettings,
    run: reproBound,
  },
];
