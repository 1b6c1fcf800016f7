import { parseArch } from '@fsbayes/core';
import { analyseCovariance, stackSplit } from '@fsbayes/nngp';
import type { Argv } from 'yargs';
import type { DataArgs } from '../cli/dataset.js';
import { loadSplit } from '../cli/dataset.js';
import { type DeviceArgs, kernelOn, readInputsJson, toRows } from '../cli/kernel.js';
import { ARCH_OPTIONS, DATA_OPTIONS, KERNEL_DEVICE_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { emit, type OutputArgs, run } from '../cli/output.js';
import type { ArchArgs } from '../cli/prior.js';
import { printWarnings } from '../cli/warnings.js';
import { checkFor } from './marginal.js';

type Args = DataArgs & ArchArgs & DeviceArgs & OutputArgs & { inputs?: string; kind: string };

export const kernelCommand = {
  command: 'kernel',
  describe:
    'the infinite-width kernel (NNGP or NTK) of the nets of --arch, in float64 (or float32 on the GPU with --device gpu)',
  builder: (y: Argv) =>
    y
      .options({
        inputs: {
          type: 'string',
          describe: 'JSON file: an array of input vectors (else the points S then E of --dataset)',
        },
        kind: { type: 'string', choices: ['nngp', 'ntk'], default: 'nngp', describe: 'which kernel' },
        ...ARCH_OPTIONS,
        ...DATA_OPTIONS,
        ...SEED_OPTIONS,
        ...KERNEL_DEVICE_OPTIONS,
        ...OUTPUT_OPTIONS,
      })
      .example('$0 kernel --arch fcn:40,40 --inputs x.json --json', '{"kernel": [[…], …]}')
      .example('$0 kernel --arch fcn:40,40 --n 3 --json', 'the kernel on the 8 points of {0,1}^3')
      .epilogue(
        'The same spec string as the nets: K⁰ = σ_b² + σ_w² x·x′/d, then the layer map of the activation (arc-cosine for relu, computed with atan2 so rounding never gives NaN, the diagonal exactly), CNN-GP for cnn: specs. tanh has no closed form (use the Monte-Carlo kernel in the library).',
      ),
  handler: run('kernel', async (a: Args) => {
    let X: Float64Array;
    let n: number;
    let shape: number[];
    if (a.inputs) {
      const r = readInputsJson(a.inputs);
      X = r.X;
      n = r.n;
      shape = [r.d];
    } else {
      const split = loadSplit(a);
      const s = stackSplit(split);
      X = s.X;
      n = s.nS + s.nE;
      shape = split.train.shape;
    }
    const spec = parseArch(a.arch, {
      inputShape: shape,
      activation: a.activation,
      sigmaW: a['sigma-w'],
      sigmaB: a['sigma-b'],
    });
    const K = await kernelOn(a, spec, X, n, a.kind as 'nngp' | 'ntk');
    // degenerate structure (zero-variance or repeated points), O(n²): worth knowing before K is used
    const warnings = analyseCovariance(K, n, { factorise: false, ...checkFor(a.device) }).warnings;
    printWarnings('kernel', warnings);
    const rows = toRows(K, n);
    emit(
      a,
      { kernel: rows, n, kind: a.kind, spec, warnings },
      rows
        .slice(0, 12)
        .map((r) =>
          r
            .slice(0, 8)
            .map((v) => v.toPrecision(6).padStart(12))
            .join(' '),
        )
        .join('\n') + (n > 8 ? `\n… (${n}×${n}; use --json or --out for all of it)` : ''),
    );
  }),
};
