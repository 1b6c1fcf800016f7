/**
 * Training/test splits S / E of a dataset.
 */

import { bitsToHex, parseBits } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { Rng, type Seed } from '../rng/index.js';
import { subsetDataset } from './transform.js';
import type { Dataset, Split } from './types.js';

/** Throw unless `x` is an integer in 0..max (internal; `dsName` names the dataset of `max` points). */
export function checkSize(x: unknown, what: string, max: number, dsName: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    throw new FsbayesError(`${what} must be a non-negative integer, got ${show(x)}`);
  }
  if (x > max) throw new FsbayesError(`${what} ${x} exceeds the ${max} points of ${dsName}`);
  return x;
}

/** Build a Split from sorted, disjoint index sets (internal). */
export function makeSplit(
  ds: Dataset,
  trainIndex: Int32Array,
  testIndex: Int32Array,
  meta: Record<string, unknown>,
): Split {
  return {
    train: subsetDataset(ds, trainIndex, `${ds.name}[train]`),
    test: subsetDataset(ds, testIndex, `${ds.name}[test]`),
    trainIndex,
    testIndex,
    source: { name: ds.name, m: ds.m },
    meta,
  };
}

/**
 * Draw a seeded split of m points (internal): `trainSize` distinct indices
 * from `rng`, then, if `testSize` is given, `testSize` distinct indices of the
 * remaining points from the same stream; otherwise all remaining points. Both
 * index sets come out sorted ascending.
 */
export function drawSplitIndices(
  m: number,
  trainSize: number,
  testSize: number | undefined,
  rng: Rng,
  dsName: string,
): { trainIndex: Int32Array; testIndex: Int32Array } {
  checkSize(trainSize, 'trainSize', m, dsName);
  if (testSize !== undefined) {
    checkSize(testSize, 'testSize', m, dsName);
    if (trainSize + testSize > m) {
      throw new FsbayesError(
        `trainSize ${trainSize} + testSize ${testSize} = ${trainSize + testSize} exceeds the ${m} points of ${dsName}`,
      );
    }
  }
  const trainIndex = rng.choose(m, trainSize);
  const inTrain = new Uint8Array(m);
  for (const i of trainIndex) inTrain[i] = 1;
  const rest = new Int32Array(m - trainSize);
  for (let i = 0, k = 0; i < m; i++) if (!inTrain[i]) rest[k++] = i;
  if (testSize === undefined) return { trainIndex, testIndex: rest };
  const pick = rng.choose(rest.length, testSize);
  const testIndex = new Int32Array(testSize);
  for (let k = 0; k < testSize; k++) testIndex[k] = rest[pick[k]];
  return { trainIndex, testIndex };
}

/** Options of {@link splitByMask}. */
export interface MaskSplitOptions {
  /** |E|: that many of the points outside S, chosen uniformly with `seed` (default: all of them). */
  testSize?: number;
  /** Seed of the choice of E (needed with `testSize`); stream `(seed, 'data', 'split-mask')`. */
  seed?: Seed;
}

/**
 * Split `ds` by a mask of m bits (a Uint8Array, a '0'/'1' string or hex, as in
 * `bits.ts`): bit i = 1 puts point i in the training set S, 0 in the
 * test set E — or, with `testSize`, E is that many of the 0 points, chosen
 * uniformly with `seed` (the same seed, mask and size always give the same
 * E). `meta` records the mask as hex.
 */
export function splitByMask(ds: Dataset, mask: Uint8Array | string, options: MaskSplitOptions = {}): Split {
  const bits = parseBits(mask, ds.m, 'mask', `dataset ${ds.name} has ${ds.m} points`);
  let ones = 0;
  for (let i = 0; i < bits.length; i++) ones += bits[i];
  const trainIndex = new Int32Array(ones);
  const rest = new Int32Array(ds.m - ones);
  for (let i = 0, a = 0, b = 0; i < ds.m; i++) {
    if (bits[i]) trainIndex[a++] = i;
    else rest[b++] = i;
  }
  const meta = { method: 'mask', mask: bitsToHex(bits), trainSize: ones, testSize: rest.length };
  const { testSize, seed } = options;
  if (testSize === undefined) return makeSplit(ds, trainIndex, rest, meta);
  checkSize(testSize, 'testSize', ds.m, ds.name);
  if (testSize > rest.length)
    throw new FsbayesError(
      `testSize ${testSize} exceeds the ${rest.length} points outside the mask's S (${ones} of the ${ds.m} points of ${ds.name} are in S)`,
    );
  if (seed === undefined) throw new FsbayesError('splitByMask: testSize needs a seed to choose E with');
  const pick = new Rng(seed, 'data', 'split-mask').choose(rest.length, testSize);
  const testIndex = new Int32Array(testSize);
  for (let k = 0; k < testSize; k++) testIndex[k] = rest[pick[k]];
  return makeSplit(ds, trainIndex, testIndex, { ...meta, testSize, seed, stream: 'data/split-mask' });
}

/**
 * A seeded random split of `ds`: S is `trainSize` distinct points chosen
 * uniformly with the stream `new Rng(seed, 'data', 'split')`; E is all other
 * points, or, when `testSize` is given, `testSize` of them chosen uniformly
 * from the same stream. The same (seed, sizes, m) always gives the same
 * indices. Throws if trainSize + testSize > m, naming both numbers.
 */
export function splitBySize(ds: Dataset, trainSize: number, seed: Seed, testSize?: number): Split {
  const rng = new Rng(seed, 'data', 'split');
  const { trainIndex, testIndex } = drawSplitIndices(ds.m, trainSize, testSize, rng, ds.name);
  return makeSplit(ds, trainIndex, testIndex, {
    method: 'size',
    seed,
    stream: 'data/split',
    trainSize,
    testSize: testIndex.length,
  });
}

/**
 * The mask of a split over its source dataset: a Uint8Array of `source.m`
 * bits with 1 at the points of S (`which = 'train'`, the default) or of E
 * (`which = 'test'`). For a split with a given testSize, the zeros of the
 * train mask are E plus the unused points. Record it with `bitsToHex`.
 */
export function maskOf(split: Split, which: 'train' | 'test' = 'train'): Uint8Array {
  if (which !== 'train' && which !== 'test')
    throw new FsbayesError(`maskOf: which must be 'train' or 'test', got ${show(which)}`);
  const mask = new Uint8Array(split.source.m);
  for (const i of which === 'train' ? split.trainIndex : split.testIndex) mask[i] = 1;
  return mask;
}
