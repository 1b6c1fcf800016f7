/**
 * The paper experiments behind `fsbayes repro <name>` and the npm scripts
 * `repro:<name>`. Each takes `--scale small|full` (small: a few minutes on 2
 * cores, what the tests and the README run; full: the paper's scale) and
 * writes its tables, plots and report into one folder.
 */

import { reproBoolean } from './boolean.js';
import { reproBound } from './bound.js';
import type { ExperimentResult } from './common.js';
import type { ExperimentContext } from './context.js';
import { reproEntropy } from './entropy.js';
import { reproLastLayer } from './lastlayer.js';
import { reproMnist } from './mnist.js';
import { reproOptimizers } from './optimizers.js';
import { reproSimplicity } from './simplicity.js';

export interface Experiment {
  name: string;
  describe: string;
  run: (ctx: ExperimentContext) => Promise<ExperimentResult>;
}

export const EXPERIMENTS: Experiment[] = [
  {
    name: 'boolean',
    describe:
      'P_B by EP vs rejection sampling vs SGD on the Boolean system, targets of growing LZ complexity (Mingard et al. 2021)',
    run: (ctx) => reproBoolean(ctx),
  },
  {
    name: 'entropy',
    describe: 'P(T) for the perceptron without bias (Theorem 4.1), with bias, and with depth (Mingard et al. 2019)',
    run: reproEntropy,
  },
  {
    name: 'simplicity',
    describe: 'P(f) against LZ complexity and the rank plot for random 7→40→40→1 nets (Valle-Pérez et al. 2019)',
    run: reproSimplicity,
  },
  {
    name: 'mnist',
    describe: 'P_SGD against P_B (EP) and the GP-EP sampler on binarised MNIST, FCN 784→128→128→1',
    run: (ctx) => reproMnist(ctx),
  },
  {
    name: 'optimizers',
    describe: 'SGD, Adam, Adagrad, RMSprop, Adadelta, AGD and the batch-size effect against P_B on the Boolean system',
    run: (ctx) => reproOptimizers(ctx),
  },
  {
    name: 'lastlayer',
    describe: 'whole-net random sampling vs frozen-feature (last-layer) sampling vs the NNGP posterior, by width',
    run: (ctx) => reproLastLayer(ctx),
  },
  {
    name: 'bound',
    describe: 'the PAC-Bayes bound against test error on binarised MNIST, with label corruption',
    run: reproBound,
  },
];

export type { ExperimentResult } from './common.js';
export type { ExperimentContext, Scale } from './context.js';
