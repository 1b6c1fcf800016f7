/**
 * Turn the shared data flags into a dataset and a split S/E (core's
 * `describeSplit` gives the description that goes into provenance).
 */
import {
  booleanDataset,
  type Dataset,
  type DigitBinarize,
  FsbayesError,
  IMAGE_DATASETS,
  imageDataset,
  imageFull,
  loadCsv,
  loadIdx,
  type Normalize,
  type Split,
  splitByMask,
  splitBySize,
} from '@fsbayes/core';
import { DATASETS } from './options.js';

export interface DataArgs {
  dataset: string;
  n: number;
  target?: string;
  encoding: string;
  'train-mask'?: string;
  'train-size'?: number;
  'test-size'?: number;
  binarize: string;
  normalize: string;
  images?: string;
  'image-labels'?: string;
  csv?: string;
  'label-column'?: string;
  seed: number;
}

/** The whole dataset named by the flags (no split). */
export function loadDataset(a: DataArgs): Dataset {
  const binarize = a.binarize as DigitBinarize;
  const normalize = a.normalize as Normalize;
  if (IMAGE_DATASETS.includes(a.dataset)) return imageFull(a.dataset, { binarize, normalize });
  switch (a.dataset) {
    case 'boolean':
      return booleanDataset({ n: a.n, target: a.target, encoding: a.encoding as '01' | 'pm1' });
    case 'idx':
      if (!a.images || !a['image-labels'])
        throw new FsbayesError('--dataset idx needs --images FILE and --image-labels FILE');
      return loadIdx(a.images, a['image-labels'], { binarize, normalize });
    case 'csv': {
      if (!a.csv) throw new FsbayesError('--dataset csv needs --csv FILE');
      const col = a['label-column'];
      return loadCsv(a.csv, { labelColumn: col === undefined ? undefined : /^\d+$/.test(col) ? Number(col) : col });
    }
    default:
      throw new FsbayesError(`unknown dataset "${a.dataset}"; expected one of ${DATASETS.join(', ')}`);
  }
}

/**
 * The split S/E named by the flags: --train-mask, or --train-size (with
 * --seed). Either way --test-size, if given, makes E a seeded subset of that
 * size of the points outside S (with --train-mask as with --train-size: the
 * flag means the same, so it is honoured rather than refused). Without
 * either, S is empty and E is every point (or a seeded --test-size subset of
 * them) — the setting of unconditioned prior tables.
 */
export function loadSplit(a: DataArgs): Split {
  if (a['train-mask'] !== undefined && a['train-size'] !== undefined) {
    throw new FsbayesError('give either --train-mask or --train-size, not both');
  }
  if (IMAGE_DATASETS.includes(a.dataset) && a['train-mask'] === undefined) {
    return imageDataset(a.dataset, {
      binarize: a.binarize as DigitBinarize,
      normalize: a.normalize as Normalize,
      trainSize: a['train-size'] ?? 0,
      testSize: a['test-size'],
      seed: a.seed,
    });
  }
  const ds = loadDataset(a);
  if (a['train-mask'] !== undefined)
    return splitByMask(ds, a['train-mask'], { testSize: a['test-size'], seed: a.seed });
  return splitBySize(ds, a['train-size'] ?? 0, a.seed, a['test-size']);
}
