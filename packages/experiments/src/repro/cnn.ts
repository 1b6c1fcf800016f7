/**
 * repro:cnn — the image experiment (`images.ts`) with the paper's 4-layer
 * CNN: filters [[5,5],[2,2]]×2 with VALID/SAME padding (Mingard et al. 2021,
 * the authors' `meta_script_sgd_bayes_new` CNN option; without pooling, as
 * the CNN of their PAC-Bayes bounds), flatten, one readout, ReLU, σ_w = 1.41,
 * σ_b = 0.1 (their MNIST prior). SGD trains the finite CNN of `channels`
 * channels per layer; P_B is EP on the CNN-GP of the same spec (its infinite-
 * channel limit, so the kernel does not depend on `channels`). Binarised
 * MNIST by default, Fashion-MNIST with `--set dataset=fashion`.
 */
import type { ExperimentContext } from './context.js';
import {
  IMAGE_DATASET_NAMES,
  IMAGE_EXPERIMENT_DATASETS,
  IMAGE_FULL,
  IMAGE_SMALL,
  type ImageDatasetName,
  type ImageExperiment,
  type ImageSettings,
  imagePlanSteps,
  imageSettings,
  reproImages,
} from './images.js';
import type { ExperimentResult } from './result.js';
import { COUNT, oneOf } from './settings.js';
import type { ShardedStep } from './step.js';

/** The CNN experiment's settings: the image settings, the dataset, the channels of every conv layer, SGD's η and epoch cap. */
export type CnnSettings = ImageSettings & {
  dataset: ImageDatasetName;
  channels: number;
  lr: number;
  maxEpochs: number;
};

/** The paper's 4 conv layers with `c` channels each: 5×5 VALID, 2×2 SAME, 5×5 VALID, 2×2 SAME, then flatten. */
export const cnnArch = (c: number): string => `cnn:c${c}k5valid,c${c}k2same,c${c}k5valid,c${c}k2same`;

const CNN: ImageExperiment<CnnSettings> = {
  dataset: 'mnist',
  presets: (dataset) => ({
    // 4 channels and η = 0.05 so that the small run takes a few minutes on 2 cores: at η = 0.01 (the FCN's) SGD
    // needs ~110 epochs to fit |S| = 200 (5 CPU-s a run), at 0.05 ~30 (1.7 CPU-s), with the same test error. About
    // 1 run in 50 of so narrow a CNN never fits (dead units): the cap of 300 epochs (10× the mean) stops it.
    small: { ...IMAGE_SMALL, dataset, channels: 4, lr: 0.05, maxEpochs: 300 },
    full: {
      ...IMAGE_EXPERIMENT_DATASETS[dataset].full,
      ...IMAGE_FULL,
      dataset,
      channels: 32,
      lr: 0.01,
      maxEpochs: 10_000,
    },
  }),
  ranges: {
    dataset: oneOf(IMAGE_DATASET_NAMES, 'the image datasets'),
    channels: { ...COUNT, max: 4096 },
    lr: { min: 1e-6, max: 10 },
    maxEpochs: COUNT,
  },
  datasetOf: (s) => s.dataset,
  net: (s) => ({ arch: cnnArch(s.channels), sigmaW: 1.41, sigmaB: 0.1 }),
  lr: (s) => s.lr,
  maxEpochs: (s) => s.maxEpochs,
};

export const cnnSettings = (ctx: ExperimentContext): CnnSettings => imageSettings(ctx, CNN);
export const reproCnn = (ctx: ExperimentContext): Promise<ExperimentResult> => reproImages(ctx, CNN);
export const cnnPlanSteps = (ctx: ExperimentContext): ShardedStep[] => imagePlanSteps(ctx, CNN);
