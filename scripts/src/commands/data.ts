import { type DatasetSummary, describeSplit, IMAGE_DATASETS, type SplitSummary, summarize } from '@fsbayes/core';
import type { Argv } from 'yargs';
import { type DataArgs, loadDataset, loadSplit } from '../cli/dataset.js';
import { DATA_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { emit, type OutputArgs, run } from '../cli/output.js';

export const dataCommand = {
  command: 'data [dataset]',
  describe: 'load a dataset (and a split S/E) and summarise it: sizes, label balance',
  builder: (y: Argv) =>
    y
      // Its choices are --dataset's (yargs merges the two; listing them here too printed them twice).
      .positional('dataset', { type: 'string', describe: 'same as --dataset' })
      .options({ ...DATA_OPTIONS, ...SEED_OPTIONS, ...OUTPUT_OPTIONS })
      .example('$0 data boolean --n 7 --train-size 32 --json', 'the Boolean system with a seeded |S| = 32')
      .example('$0 data mnist --train-size 1000 --test-size 20', 'binarised MNIST (≥5 vs <5), seeded S and E')
      .example('$0 data fashion --train-size 10000 --test-size 100', 'binarised Fashion-MNIST (class ≥ 5 vs < 5)')
      .example(
        '$0 data idx --images train-images-idx3-ubyte.gz --image-labels train-labels-idx1-ubyte.gz',
        'your own IDX files',
      ),
  handler: run('data', (a: DataArgs & OutputArgs) => {
    const split =
      a['train-mask'] !== undefined ||
      a['train-size'] !== undefined ||
      a['test-size'] !== undefined ||
      IMAGE_DATASETS.includes(a.dataset);
    if (split) {
      const s = loadSplit(a);
      const sum = summarize(s);
      const { trainMask: _t, testMask: _e, ...desc } = describeSplit(s);
      emit(a, { ...sum, split: desc }, human(sum));
    } else {
      const sum = summarize(loadDataset(a));
      emit(a, sum, human(sum));
    }
  }),
};

function line(label: string, d: DatasetSummary): string {
  const frac = d.fractionOnes === null ? '–' : `${(100 * d.fractionOnes).toFixed(1)}%`;
  const classes = d.classCounts
    ? `  classes ${Object.entries(d.classCounts)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')}`
    : '';
  return `${label.padEnd(6)} ${String(d.m).padStart(6)} points  label 1: ${d.ones} (${frac})  label 0: ${d.zeros}${classes}`;
}

function human(sum: DatasetSummary | SplitSummary): string {
  if (sum.kind === 'dataset')
    return `${sum.name}: ${sum.d} features, shape [${sum.shape.join(', ')}]\n${line('all', sum)}`;
  return `${sum.source.name}: ${sum.d} features, shape [${sum.shape.join(', ')}], ${sum.source.m} points\n${line('S', sum.train)}\n${line('E', sum.test)}`;
}
