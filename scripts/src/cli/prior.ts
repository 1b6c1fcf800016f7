/**
 * Shared by `functions` and `demo`: the spec, the points and the backend
 * named by the flags, and the experiments package's `priorEnsemble` on them.
 */
import {
  type Activation,
  type ArchSpec,
  autoBackendFor,
  type BackendInfo,
  type BackendName,
  checkMemory,
  checkNetRange,
  describeSplit,
  FsbayesError,
  type FunctionTable,
  getBackend,
  paramLayout,
  parseArch,
  type Split,
} from '@fsbayes/core';
import { Progress, priorEnsemble } from '@fsbayes/experiments';
import { type DataArgs, loadSplit } from './dataset.js';

export interface ArchArgs {
  arch: string;
  activation: Activation;
  'sigma-w': number;
  'sigma-b': number;
}

export interface ComputeArgs {
  backend: 'auto' | BackendName;
  threads?: number;
  precision?: 'f32' | 'f64';
}

export interface PriorRun {
  table: FunctionTable;
  spec: ArchSpec;
  split: Split;
  backend: BackendInfo;
  seconds: number;
}

/**
 * The spec named by the flags, for inputs of the given shape. With `nets`
 * (commands that build finite nets: functions, sample, sgd) a spec whose one
 * net cannot be held at all is refused here; kernel commands never build a
 * net, so any width is fine for them.
 */
export function specFromArgs(a: ArchArgs, inputShape: readonly number[], opts: { nets?: boolean } = {}): ArchSpec {
  const spec = parseArch(a.arch, {
    inputShape,
    activation: a.activation,
    sigmaW: a['sigma-w'],
    sigmaB: a['sigma-b'],
  });
  if (opts.nets) {
    const P = paramLayout(spec).size;
    checkMemory(`--arch ${a.arch} on ${inputShape.join('×')} inputs`, [
      { what: `one net's ${P.toLocaleString('en')} parameters (f64)`, bytes: P * 8, pool: 'native' },
    ]);
  }
  return spec;
}

/** Draw `samples` prior nets (from net `first` of the seed's stream) and tabulate their functions on E. */
export async function runPriorTable(
  a: DataArgs & ArchArgs & ComputeArgs & { samples: number; first: number; quiet: boolean },
  command: string,
): Promise<PriorRun> {
  if (!Number.isSafeInteger(a.samples) || a.samples < 1)
    throw new FsbayesError(`--samples must be a positive integer, got ${a.samples}`);
  checkNetRange(a.first, a.samples, { first: '--first', count: '--samples' });
  const split = loadSplit(a);
  const E = split.test;
  if (E.m === 0) throw new FsbayesError('E is empty: every point is in S (check --train-mask / --train-size)');
  const spec = specFromArgs(a, E.shape, { nets: true });
  const name = a.backend === 'auto' ? autoBackendFor(spec) : a.backend;
  const backend = await getBackend(name, { threads: a.threads, precision: a.precision });
  try {
    const r = await priorEnsemble({
      backend,
      spec,
      points: E,
      dataset: describeSplit(split),
      seed: a.seed,
      samples: a.samples,
      first: a.first,
      command,
      progress: (total, unit) => new Progress('prior', total, unit, a.quiet),
    });
    return { ...r, spec, split };
  } finally {
    await backend.close();
  }
}
