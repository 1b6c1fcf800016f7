import { describeSplit, FsbayesError } from '@fsbayes/core';
import {
  type CovarianceCheckOptions,
  logMarginalLikelihood,
  ORTHANT_METHODS,
  type OrthantMethod,
  orthantLogProb,
  stackSplit,
} from '@fsbayes/nngp';
import type { Argv } from 'yargs';
import { type DataArgs, loadSplit } from '../cli/dataset.js';
import { type DeviceArgs, kernelOn, readKernelJson, readLabelsJson } from '../cli/kernel.js';
import { ARCH_OPTIONS, DATA_OPTIONS, KERNEL_DEVICE_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { emit, type OutputArgs, run } from '../cli/output.js';
import { type ArchArgs, specFromArgs } from '../cli/prior.js';
import { jsonLogP, printWarnings } from '../cli/warnings.js';

type Args = DataArgs &
  ArchArgs &
  DeviceArgs &
  OutputArgs & { method: OrthantMethod; kernel?: string; labels?: string; samples: number };

export const MARGINAL_OPTIONS = {
  method: {
    type: 'string',
    choices: ORTHANT_METHODS,
    default: 'ep',
    describe:
      'ep: expectation propagation; botev: minimax tilting (with an upper bound); genz: QMC; mc: plain Monte Carlo',
  },
  samples: { type: 'number', default: 100_000, describe: 'samples for botev, genz and mc' },
  kernel: { type: 'string', describe: 'JSON file with a covariance matrix K (instead of --arch and data)' },
} as const;

/** Tolerances of the kernel check for a kernel of the given precision: float32 (GPU) kernels need wider ones. */
export function checkFor(device: string | undefined): CovarianceCheckOptions {
  return (device ?? 'cpu') === 'gpu' ? { psdTol: 1e-3, dupTol: 1e-6 } : {};
}

/**
 * log P(S) of the split named by the flags (or of --kernel/--labels), by the chosen
 * method, after the exact reduction (K checked; zero-variance and repeated points
 * decided exactly). In the result, `logPS` is null when P(S) = 0 exactly (then
 * `pS: 0`, `exact: true` and `zeroReason` say so; JSON has no −∞), and `warnings`
 * says why the number is not to be trusted.
 */
export async function marginal(a: Args) {
  const t0 = performance.now();
  let K: Float64Array;
  let y: Int8Array;
  let n: number;
  let about: Record<string, unknown> = {};
  if (a.kernel) {
    if (!a.labels) throw new FsbayesError('--kernel needs --labels FILE (a JSON array of ±1 labels)');
    const k = readKernelJson(a.kernel);
    K = k.K;
    n = k.n;
    y = readLabelsJson(a.labels, n);
    about = { kernel: a.kernel };
  } else {
    const split = loadSplit(a);
    if (split.train.m === 0) throw new FsbayesError('S is empty: give --train-size or --train-mask');
    const spec = specFromArgs(a, split.train.shape);
    const s = stackSplit(split);
    n = s.nS;
    K = await kernelOn(a, spec, s.X.subarray(0, n * s.d), n);
    y = s.y.subarray(0, n);
    const { trainMask, testMask: _e, ...dataset } = describeSplit(split);
    about = { spec, dataset: { ...dataset, trainMask } };
  }
  const check = checkFor(a.device);
  const r =
    a.method === 'ep'
      ? logMarginalLikelihood(K, n, y, { check })
      : orthantLogProb(K, n, y, { method: a.method, samples: a.samples, seed: a.seed, check });
  const logPS = 'logPS' in r ? r.logPS : r.logP;
  const { logP: _l, ...rest } = r as typeof r & { logP?: number };
  const j = jsonLogP(logPS, r.exact);
  return {
    ...rest,
    logPS,
    ...(j.p !== undefined ? { pS: j.p } : {}),
    method: a.method,
    m: n,
    kernelCheck: analyseTolerances(check),
    seconds: (performance.now() - t0) / 1000,
    ...about,
    warnings: r.warnings,
  };
}

/** The tolerances the kernel check used (reported with the result). */
function analyseTolerances(check: CovarianceCheckOptions) {
  return {
    symTol: check.symTol ?? 1e-10,
    psdTol: check.psdTol ?? 1e-6,
    dupTol: check.dupTol ?? 1e-10,
    relativeTo: 'the largest variance',
  };
}

/** The human line of a marginal result. */
export function marginalLine(r: Awaited<ReturnType<typeof marginal>>): string {
  const where = `(${r.method}, m = ${r.m}, ${r.seconds.toFixed(2)} s)`;
  if (r.exact && r.logPS === Number.NEGATIVE_INFINITY)
    return `P(S) = 0 exactly (log P(S) = −∞): ${r.zeroReason}  ${where}`;
  if (r.exact) return `P(S) = 1 exactly (log P(S) = 0): every point is decided by the kernel  ${where}`;
  const err = typeof r.stderr === 'number' ? ` ± ${r.stderr.toPrecision(3)}` : '';
  const conv =
    r.converged === false ? `  NOT CONVERGED (${r.iterations} ${r.method === 'ep' ? 'sweeps' : 'iterations'})` : '';
  const value = r.logPS === Number.NEGATIVE_INFINITY ? '−∞' : r.logPS.toFixed(4);
  return `log P(S) = ${value}${err} nats${conv}  ${where}${r.warnings.length ? `  [${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}]` : ''}`;
}

export const marginalCommand = {
  command: 'marginal',
  describe: 'the marginal likelihood log P(S): the prior probability that the infinite-width net fits S',
  builder: (y: Argv) =>
    y
      .options({
        ...MARGINAL_OPTIONS,
        labels: { type: 'string', describe: 'JSON ±1 labels for --kernel' },
        ...ARCH_OPTIONS,
        ...DATA_OPTIONS,
        ...SEED_OPTIONS,
        ...KERNEL_DEVICE_OPTIONS,
        ...OUTPUT_OPTIONS,
      })
      .example(
        '$0 marginal --arch fcn:40,40 --n 7 --train-size 32 --seed 1 --json',
        'log P(S) of the Boolean system by EP',
      )
      .example(
        '$0 marginal --dataset mnist --train-size 1000 --method botev --json',
        'binarised MNIST, Botev’s estimator',
      )
      .example('$0 marginal --kernel K.json --labels y.json --method genz', 'a given covariance'),
  handler: run('marginal', async (a: Args) => {
    const r = await marginal(a);
    printWarnings('marginal', r.warnings);
    emit(a, { ...r, logPS: jsonLogP(r.logPS, r.exact).logP }, marginalLine(r));
  }),
};
