/**
 * repro:mnist and repro:fashion — the image experiment (`images.ts`) with the
 * FCN 784→128→128→1 ReLU (σ_w = 1.41, σ_b = 0.1, the authors' April-2020
 * settings with narrower layers) on binarised MNIST or Fashion-MNIST.
 */
import type { ExperimentContext } from './context.js';
import {
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
import type { ShardedStep } from './step.js';

/** The FCN image experiment on one dataset. */
const fcnOn = (dataset: ImageDatasetName): ImageExperiment<ImageSettings> => ({
  dataset,
  presets: () => ({ small: IMAGE_SMALL, full: { ...IMAGE_EXPERIMENT_DATASETS[dataset].full, ...IMAGE_FULL } }),
  ranges: {},
  net: () => ({ arch: 'fcn:128,128', sigmaW: 1.41, sigmaB: 0.1 }),
});

const MNIST = fcnOn('mnist');
const FASHION = fcnOn('fashion');

export const mnistSettings = (ctx: ExperimentContext): ImageSettings => imageSettings(ctx, MNIST);
export const fashionSettings = (ctx: ExperimentContext): ImageSettings => imageSettings(ctx, FASHION);
export const reproMnist = (ctx: ExperimentContext): Promise<ExperimentResult> => reproImages(ctx, MNIST);
export const reproFashion = (ctx: ExperimentContext): Promise<ExperimentResult> => reproImages(ctx, FASHION);
export const mnistPlanSteps = (ctx: ExperimentContext): ShardedStep[] => imagePlanSteps(ctx, MNIST);
export const fashionPlanSteps = (ctx: ExperimentContext): ShardedStep[] => imagePlanSteps(ctx, FASHION);
