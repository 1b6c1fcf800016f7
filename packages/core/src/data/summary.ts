/**
 * Plain JSON-able summaries of datasets and splits (backs `fsbayes data --json`).
 */
import type { Dataset, Split } from './types.js';

/** Summary of one dataset. */
export interface DatasetSummary {
  kind: 'dataset';
  name: string;
  m: number;
  d: number;
  shape: number[];
  /** Number of points labelled 1. */
  ones: number;
  /** Number of points labelled 0. */
  zeros: number;
  /** ones / m, or null when m = 0. */
  fractionOnes: number | null;
  /** Count of each original class (when the dataset has `classes`), keyed by class. */
  classCounts?: Record<string, number>;
  meta: Record<string, unknown>;
}

/** Summary of a split: the source, and S and E each summarised. */
export interface SplitSummary {
  kind: 'split';
  source: { name: string; m: number };
  d: number;
  shape: number[];
  trainSize: number;
  testSize: number;
  train: DatasetSummary;
  test: DatasetSummary;
  meta: Record<string, unknown>;
}

function isSplit(x: Dataset | Split): x is Split {
  return 'train' in x && 'test' in x && 'trainIndex' in x;
}

function summarizeDataset(ds: Dataset): DatasetSummary {
  let ones = 0;
  for (let i = 0; i < ds.m; i++) ones += ds.labels[i];
  const out: DatasetSummary = {
    kind: 'dataset',
    name: ds.name,
    m: ds.m,
    d: ds.d,
    shape: ds.shape.slice(),
    ones,
    zeros: ds.m - ones,
    fractionOnes: ds.m > 0 ? ones / ds.m : null,
    meta: { ...ds.meta },
  };
  if (ds.classes) {
    const counts: Record<string, number> = {};
    const c = new Map<number, number>();
    for (let i = 0; i < ds.m; i++) c.set(ds.classes[i], (c.get(ds.classes[i]) ?? 0) + 1);
    for (const k of [...c.keys()].sort((a, b) => a - b)) counts[String(k)] = c.get(k)!;
    out.classCounts = counts;
  }
  return out;
}

/** A plain JSON-able summary of a dataset or a split. */
export function summarize(x: Dataset): DatasetSummary;
export function summarize(x: Split): SplitSummary;
export function summarize(x: Dataset | Split): DatasetSummary | SplitSummary;
export function summarize(x: Dataset | Split): DatasetSummary | SplitSummary {
  if (!isSplit(x)) return summarizeDataset(x);
  return {
    kind: 'split',
    source: { ...x.source },
    d: x.train.d,
    shape: x.train.shape.slice(),
    trainSize: x.train.m,
    testSize: x.test.m,
    train: summarizeDataset(x.train),
    test: summarizeDataset(x.test),
    meta: { ...x.meta },
  };
}
