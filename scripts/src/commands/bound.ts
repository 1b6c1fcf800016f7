import { FsbayesError } from '@fsbayes/core';
import { type OrthantMethod, pacBayesBound } from '@fsbayes/nngp';
import type { Argv } from 'yargs';
import type { DataArgs } from '../cli/dataset.js';
import { ARCH_OPTIONS, DATA_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { emit, type OutputArgs, run } from '../cli/output.js';
import type { ArchArgs } from '../cli/prior.js';
import { jsonLogP, printWarnings } from '../cli/warnings.js';
import { MARGINAL_OPTIONS, marginal } from './marginal.js';

type Args = DataArgs &
  ArchArgs &
  OutputArgs & {
    'log-ps'?: number;
    m?: number;
    delta: number;
    method: OrthantMethod;
    samples: number;
    kernel?: string;
    labels?: string;
  };

export const boundCommand = {
  command: 'bound',
  describe: 'the marginal-likelihood PAC-Bayes bound on the expected test error (Valle-Pérez et al. 2019)',
  builder: (y: Argv) =>
    y
      .options({
        'log-ps': { type: 'number', describe: 'log P(S) in nats (else computed from --arch and the data)' },
        m: { type: 'number', describe: '|S| (with --log-ps)' },
        delta: { type: 'number', default: 2 ** -10, describe: 'confidence: the bound holds with probability ≥ 1 − δ' },
        ...MARGINAL_OPTIONS,
        labels: { type: 'string', describe: 'JSON ±1 labels for --kernel' },
        ...ARCH_OPTIONS,
        ...DATA_OPTIONS,
        ...SEED_OPTIONS,
        ...OUTPUT_OPTIONS,
      })
      .example('$0 bound --log-ps -1000 --m 10000 --json', 'ε ≈ 0.0975 (the worked example)')
      .example(
        '$0 bound --dataset mnist --train-size 1000 --arch fcn:128,128 --sigma-w 1.41 --sigma-b 0.1',
        'log P(S) by EP, then the bound',
      )
      .epilogue('ε ≤ 1 − exp(−[ln(1/P(S)) + 2 ln m + 1 + ln(1/δ)]/m).'),
  handler: run('bound', async (a: Args) => {
    let logPS: number;
    let m: number;
    let warnings: string[] = [];
    let zeroReason: string | undefined;
    let converged: boolean | undefined;
    if (a['log-ps'] !== undefined) {
      if (a.m === undefined) throw new FsbayesError('--log-ps needs --m (the number of training points)');
      logPS = a['log-ps'];
      m = a.m;
    } else {
      const r = await marginal(a);
      logPS = r.logPS;
      m = r.m;
      warnings = r.warnings;
      zeroReason = r.zeroReason;
      converged = r.converged;
    }
    if (!(logPS <= 0)) throw new FsbayesError(`log P(S) must be ≤ 0, got ${logPS}`);
    if (!Number.isSafeInteger(m) || m < 1) throw new FsbayesError(`m must be a positive integer, got ${m}`);
    if (!(a.delta > 0 && a.delta < 1)) throw new FsbayesError(`--delta must be in (0, 1), got ${a.delta}`);
    const b = pacBayesBound(logPS, m, a.delta);
    if (converged === false) warnings = [...warnings, 'the bound rests on an EP log P(S) that did not converge'];
    printWarnings('bound', warnings);
    const zero = logPS === Number.NEGATIVE_INFINITY;
    emit(
      a,
      {
        ...b,
        B: Number.isFinite(b.B) ? b.B : null,
        logPS: jsonLogP(logPS, zero).logP,
        ...(zero ? { pS: 0, zeroReason } : {}),
        m,
        delta: a.delta,
        ...(converged === undefined ? {} : { converged }),
        warnings,
      },
      zero
        ? `test error ≤ 1 (vacuous): P(S) = 0 exactly${zeroReason ? ` (${zeroReason})` : ''}, m = ${m}`
        : `test error ≤ ${b.epsilon.toFixed(4)} with probability ≥ 1 − ${a.delta.toPrecision(3)}  (log P(S) = ${logPS.toFixed(3)}${converged === false ? ', EP NOT CONVERGED' : ''}, m = ${m})${warnings.length ? `  [${warnings.length} warning${warnings.length === 1 ? '' : 's'}]` : ''}`,
    );
  }),
};
