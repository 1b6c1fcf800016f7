/**
 * The data model shared by every dataset source (Boolean hypercube, MNIST,
 * IDX files, CSV files).
 */

/**
 * A binary-classification dataset of m points in d dimensions.
 *
 * - `inputs` is row-major `[m × d]`: point i occupies `inputs[i*d .. i*d+d)`.
 *   Images are stored in (H, W, C) order, i.e. `shape = [H, W, C]` and the
 *   value of pixel (y, x, c) of image i is at `i*d + (y*W + x)*C + c`.
 * - `labels[i]` is the 0/1 label of point i.
 * - `classes`, when present, holds the original multi-class label of each
 *   point before binarisation (e.g. the digit 0..9 for MNIST), so that the
 *   binarisation can be audited or redone.
 * - `meta` says what the data came from (source, file paths, options, seed…),
 *   for provenance. It only holds JSON-able values.
 */
export interface Dataset {
  /** A short human-readable name, e.g. `boolean-n7` or `mnist[train]`. */
  name: string;
  /** Row-major inputs, length m·d. */
  inputs: Float64Array;
  /** 0/1 labels, length m. */
  labels: Uint8Array;
  /** Number of points. */
  m: number;
  /** Input dimension (product of `shape`). */
  d: number;
  /** Shape of one input: `[n]` for vectors, `[H, W, C]` for images. */
  shape: number[];
  /** Original class label of each point (length m), when the labels were binarised from classes. */
  classes?: Uint8Array;
  /** JSON-able provenance: where the data came from and how it was processed. */
  meta: Record<string, unknown>;
}

/**
 * A training set S and a test set E drawn from one source dataset. The
 * functions the project counts are the nets' predictions on E, in the order
 * of `testIndex` (ascending source index).
 */
export interface Split {
  /** The training set S (rows in ascending source-index order). */
  train: Dataset;
  /** The test set E (rows in ascending source-index order). */
  test: Dataset;
  /** Indices of S's points in the source dataset, ascending. */
  trainIndex: Int32Array;
  /** Indices of E's points in the source dataset, ascending; disjoint from `trainIndex`. */
  testIndex: Int32Array;
  /** The source dataset the indices point into: its name and size. */
  source: { name: string; m: number };
  /** JSON-able description of how the split was made (method, seed, sizes…). */
  meta: Record<string, unknown>;
}

/**
 * How digit (class) labels become 0/1 labels, as in the authors' code:
 * - `'threshold'`: 1 iff class ≥ 5 (for digits: 5..9 → 1, 0..4 → 0);
 * - `'oddeven'`: 1 iff the class is odd.
 */
export type DigitBinarize = 'threshold' | 'oddeven';

/** The digit binarisation rules, for validation and CLI help. */
export const DIGIT_BINARIZE_RULES: readonly DigitBinarize[] = ['threshold', 'oddeven'];

/**
 * Input normalisation for image data (pixels start in [0, 1]):
 * - `'unit'`: leave the pixels in [0, 1];
 * - `'center'`: subtract the per-pixel (feature-wise) mean image, x ↦ x − x̄,
 *   where x̄_j is the mean of pixel j over a reference set (for `mnistDataset`
 *   the whole 10,000-image set; elsewhere the dataset itself). This is the
 *   authors' `centering` (`flat_x -= flat_x.mean(axis=0)`);
 * - `'standardize'`: per image, subtract the image's own mean pixel value and
 *   scale so that ‖x‖² = d, i.e. x ↦ √d·(x − μ_x)/‖x − μ_x‖. Each image then
 *   has mean 0 and (population) variance 1. A constant image maps to all zeros.
 */
export type Normalize = 'unit' | 'center' | 'standardize';

/** The normalisation modes, for validation and CLI help. */
export const NORMALIZE_MODES: readonly Normalize[] = ['unit', 'center', 'standardize'];
