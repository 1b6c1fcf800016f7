/**
 * Label binarisation, input normalisation and row subsets.
 */
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { type Dataset, DIGIT_BINARIZE_RULES, type DigitBinarize, NORMALIZE_MODES, type Normalize } from './types.js';

/** Throw unless `rule` is a known digit binarisation rule. */
export function checkBinarize(rule: unknown): DigitBinarize {
  if (!DIGIT_BINARIZE_RULES.includes(rule as DigitBinarize)) {
    throw new FsbayesError(`binarize must be one of ${DIGIT_BINARIZE_RULES.join(', ')}; got ${show(rule)}`);
  }
  return rule as DigitBinarize;
}

/** Throw unless `mode` is a known normalisation mode. */
export function checkNormalize(mode: unknown): Normalize {
  if (!NORMALIZE_MODES.includes(mode as Normalize)) {
    throw new FsbayesError(`normalize must be one of ${NORMALIZE_MODES.join(', ')}; got ${show(mode)}`);
  }
  return mode as Normalize;
}

/** 0/1 labels from class labels: `'threshold'` → 1 iff class ≥ 5; `'oddeven'` → 1 iff odd. */
export function binarizeDigits(classes: Uint8Array, rule: DigitBinarize): Uint8Array {
  checkBinarize(rule);
  const out = new Uint8Array(classes.length);
  if (rule === 'threshold') for (let i = 0; i < classes.length; i++) out[i] = classes[i] >= 5 ? 1 : 0;
  else for (let i = 0; i < classes.length; i++) out[i] = classes[i] & 1;
  return out;
}

/** The per-feature mean of m rows of d features (row-major). */
export function featureMean(inputs: Float64Array, m: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  if (m === 0) return mean;
  for (let i = 0; i < m; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] += inputs[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= m;
  return mean;
}

/**
 * Normalise m rows of d features in place (see {@link Normalize}). For
 * `'center'`, `mean` is the per-feature mean to subtract (default: the mean
 * of these rows).
 */
export function normalizeRowsInPlace(
  inputs: Float64Array,
  m: number,
  d: number,
  mode: Normalize,
  mean?: Float64Array,
): Float64Array {
  checkNormalize(mode);
  if (mode === 'center') {
    const mu = mean ?? featureMean(inputs, m, d);
    if (mu.length !== d) throw new FsbayesError(`normalize: mean has length ${mu.length}, expected ${d}`);
    for (let i = 0; i < m; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) inputs[o + j] -= mu[j];
    }
  } else if (mode === 'standardize') {
    const scale = Math.sqrt(d);
    for (let i = 0; i < m; i++) {
      const o = i * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += inputs[o + j];
      const mu = s / d;
      let ss = 0;
      for (let j = 0; j < d; j++) {
        const v = inputs[o + j] - mu;
        inputs[o + j] = v;
        ss += v * v;
      }
      const f = ss > 0 ? scale / Math.sqrt(ss) : 0;
      for (let j = 0; j < d; j++) inputs[o + j] *= f;
    }
  }
  return inputs;
}

/**
 * A normalised copy of `ds` (see {@link Normalize}); `'center'` subtracts the
 * dataset's own per-feature mean. `meta.normalize` records the mode.
 */
export function normalizeDataset(ds: Dataset, mode: Normalize): Dataset {
  const inputs = normalizeRowsInPlace(ds.inputs.slice(), ds.m, ds.d, mode);
  return { ...ds, inputs, meta: { ...ds.meta, normalize: mode } };
}

/**
 * The rows `index` of `ds` (copied, in the given order) as a new dataset
 * called `name`. Throws on an index outside [0, m).
 */
export function subsetDataset(ds: Dataset, index: Int32Array, name = `${ds.name}[subset]`): Dataset {
  const { d } = ds;
  const m = index.length;
  const inputs = new Float64Array(m * d);
  const labels = new Uint8Array(m);
  const classes = ds.classes ? new Uint8Array(m) : undefined;
  for (let k = 0; k < m; k++) {
    const i = index[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.m) {
      throw new FsbayesError(`subset of ${ds.name}: index ${i} at position ${k} is outside 0..${ds.m - 1}`);
    }
    inputs.set(ds.inputs.subarray(i * d, i * d + d), k * d);
    labels[k] = ds.labels[i];
    if (classes) classes[k] = ds.classes![i];
  }
  const out: Dataset = { name, inputs, labels, m, d, shape: ds.shape.slice(), meta: { ...ds.meta, parent: ds.name } };
  if (classes) out.classes = classes;
  return out;
}
