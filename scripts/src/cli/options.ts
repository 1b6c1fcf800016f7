/**
 * Flags that mean the same in every command. Each command picks the groups
 * it needs; descriptions here are the --help text.
 */
import {
  ACTIVATIONS,
  BACKEND_NAMES,
  DIGIT_BINARIZE_RULES,
  IMAGE_DATASETS,
  IMAGE_SOURCES,
  NORMALIZE_MODES,
} from '@fsbayes/core';
import type { Options } from 'yargs';

export const OUTPUT_OPTIONS = {
  json: {
    type: 'boolean',
    default: false,
    describe: 'print exactly one JSON object on stdout (logs and progress go to stderr)',
  },
  out: {
    type: 'string',
    describe:
      'write the result to this file (checked before the run starts, written atomically; never over an existing file without --force)',
  },
  quiet: { type: 'boolean', default: false, describe: 'no progress bar or log lines on stderr' },
  force: {
    type: 'boolean',
    default: false,
    describe:
      'replace existing outputs: a file at --out/--csv-out, or a folder fsbayes made (it holds .fsbayes-output and only the files listed there). Never a folder fsbayes did not make, never a folder by a file or a file by a folder. Without --force no existing output is overwritten (a resumed run replaces only the partial table it left)',
  },
} as const satisfies Record<string, Options>;

export const ARCH_OPTIONS = {
  arch: {
    type: 'string',
    default: 'fcn:40,40',
    describe: 'network: fcn:W1,W2,… (fcn: alone is a perceptron) or cnn:c<C>k<K>[s<S>][same|valid],…[,gap][,d<W>]',
  },
  activation: {
    type: 'string',
    choices: ACTIVATIONS,
    default: 'relu',
    describe: 'hidden nonlinearity',
  },
  'sigma-w': { type: 'number', default: 1, describe: 'weights ~ N(0, σ_w²/fan_in)' },
  'sigma-b': { type: 'number', default: 1, describe: 'biases ~ N(0, σ_b²); 0 means no bias' },
} as const satisfies Record<string, Options>;

/** Every `--dataset` name: the Boolean system, the image packages of core's table, and files. */
export const DATASETS: readonly string[] = ['boolean', ...IMAGE_DATASETS, 'idx', 'csv'];

export const DATA_OPTIONS = {
  dataset: {
    type: 'string',
    choices: DATASETS,
    default: 'boolean',
    describe: [
      'boolean: all 2^n points of {0,1}^n',
      ...IMAGE_SOURCES.map((s) => `${s.name}: ${s.describe}`),
      'idx/csv: your files',
    ].join('; '),
  },
  n: { type: 'number', default: 7, describe: 'Boolean input dimension (2^n points)' },
  target: {
    type: 'string',
    describe: 'Boolean target as 2^n bits (char i = label of input i, whose binary digits MSB-first spell i) or 0x-hex',
  },
  encoding: { type: 'string', choices: ['01', 'pm1'], default: '01', describe: 'Boolean inputs in {0,1} or {-1,+1}' },
  'train-mask': {
    type: 'string',
    describe: 'bits (or 0x-hex), 1 marks a training point of S; the rest (or --test-size of it) is E',
  },
  'train-size': { type: 'number', describe: '|S|, chosen with --seed (the rest, or --test-size of it, is E)' },
  'test-size': { type: 'number', describe: '|E|, chosen with --seed from the points not in S' },
  binarize: {
    type: 'string',
    choices: DIGIT_BINARIZE_RULES,
    default: 'threshold',
    describe: 'image class labels (digits, clothing classes 0–9): class ≥ 5 vs < 5, or odd/even',
  },
  normalize: {
    type: 'string',
    choices: NORMALIZE_MODES,
    default: 'unit',
    describe: 'pixel normalisation',
  },
  images: { type: 'string', describe: 'IDX images file (with --dataset idx), .gz allowed' },
  'image-labels': { type: 'string', describe: 'IDX labels file (with --dataset idx), .gz allowed' },
  csv: { type: 'string', describe: 'CSV file (with --dataset csv); numeric features and a 0/1 label column' },
  'label-column': { type: 'string', describe: 'CSV label column, by name or 0-based index (default: last)' },
} as const satisfies Record<string, Options>;

export const SEED_OPTIONS = {
  seed: { type: 'number', default: 1, describe: 'seed of every random choice (same seed, same output bytes)' },
} as const satisfies Record<string, Options>;

export const COMPUTE_OPTIONS = {
  backend: {
    type: 'string',
    choices: ['auto', ...BACKEND_NAMES],
    default: 'auto',
    describe: 'where batched work runs: auto picks the fastest measured for the workload',
  },
  threads: { type: 'number', describe: 'worker threads (default: all cores; more are capped at the cores)' },
  precision: { type: 'string', choices: ['f32', 'f64'], describe: 'forward-pass precision (default: backend choice)' },
} as const satisfies Record<string, Options>;

export const KERNEL_DEVICE_OPTIONS = {
  device: {
    type: 'string',
    choices: ['cpu', 'gpu'],
    default: 'cpu',
    describe:
      'where FCN kernels run: cpu = float64 on all cores; gpu = float32 on the GPU (gpu.js), exact float64 diagonal — measured to move log P(S) by ≤ 2e-4 nats at |S| = 1000',
  },
} as const satisfies Record<string, Options>;
