/**
 * `fsbayes pb`: P_B(f|S) by EP of a table's functions (nngp's `pbOfTable`),
 * written as an `fsbayes.pb` file (core's writer).
 */
import { PB_METHODS, type PbMethod, pbFileCsv, pbFileText, readTableSync } from '@fsbayes/core';
import { Progress } from '@fsbayes/experiments';
import { checkTableFits, pbOfTable } from '@fsbayes/nngp';
import type { Argv } from 'yargs';
import type { DataArgs } from '../cli/dataset.js';
import { type DeviceArgs, splitKernel } from '../cli/kernel.js';
import { ARCH_OPTIONS, DATA_OPTIONS, KERNEL_DEVICE_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { commandLine, emit, log, type OutputArgs, run, writeOutputs } from '../cli/output.js';
import type { ArchArgs } from '../cli/prior.js';
import { formatLogP, printWarnings } from '../cli/warnings.js';
import { checkFor } from './marginal.js';

type Args = DataArgs &
  ArchArgs &
  DeviceArgs &
  OutputArgs & { functions: string; 'csv-out'?: string; 'pb-method': PbMethod | 'auto' };

export const pbCommand = {
  command: 'pb',
  describe: 'log P_B(f|S) = log P(S ∪ E_f) − log P(S) by EP for every function of a table on E',
  builder: (y: Argv) =>
    y
      .options({
        functions: { type: 'string', demandOption: true, describe: 'a FunctionTable JSON whose functions live on E' },
        'csv-out': { type: 'string', describe: 'also write key,count,logPB as CSV' },
        'pb-method': {
          choices: ['auto', ...PB_METHODS] as const,
          default: 'auto' as const,
          describe:
            "how each function's EP runs: joint = EP on S ∪ E_f (the reference, O(n³) per sweep); lowrank = the same EP with the S sites moving through a low-rank update of EP on S (O(n·a²), a ≈ |E| + 4|E|); conditional = EP on E's predictive given S (O(|E|³), errs by nats on improbable functions); auto = joint up to |S| = max(256, 4|E|), else lowrank",
        },
        ...ARCH_OPTIONS,
        ...DATA_OPTIONS,
        ...SEED_OPTIONS,
        ...KERNEL_DEVICE_OPTIONS,
        ...OUTPUT_OPTIONS,
      })
      .example(
        '$0 pb --arch fcn:40,40 --n 7 --train-size 32 --seed 1 --functions sgd.json --out pb.json',
        'P_B of every function SGD found on the Boolean system',
      )
      .epilogue(
        "Every P_B file records its --pb-method and that method's measured error (methodError); lowrank rows carry frozenKL when S sites beyond its cap stayed frozen. The data flags and --arch must give the same S, E and architecture as the table (checked before any compute: the masks and spec of its provenance, |E| and the labels on E). Both terms are EP approximations of Gaussian orthant probabilities of the NNGP of --arch.",
      ),
  handler: run('pb', async (a: Args) => {
    const table = readTableSync(a.functions);
    const t0 = performance.now();
    const sys = await splitKernel(a, (sp, sl) => checkTableFits(table, sp, sl, a.functions));
    const { nS, nE } = sys;
    log(a, `EP on S (${nS} points) and on S ∪ E_f for ${table.distinct} functions on ${nE} points`);
    const bar = new Progress('pb', table.distinct, 'functions', a.quiet);
    const out = pbOfTable(sys, table, {
      onProgress: (done) => bar.update(done),
      source: a.functions,
      command: commandLine(),
      seed: a.seed,
      check: checkFor(a.device),
      mode: a['pb-method'],
    });
    bar.done();
    // Wall-clock time goes to stdout only: the pb file is the same bytes for the same command.
    const seconds = (performance.now() - t0) / 1000;
    const rows = out.functions;
    const mass = out.massCovered;
    const r = { logPS: out.logPS };
    writeOutputs(a, [
      ...(a.out ? [{ path: a.out, data: pbFileText(out) }] : []),
      ...(a['csv-out'] ? [{ path: a['csv-out'], data: pbFileCsv(out) }] : []),
    ]);
    const top = [...rows].sort((p, q) => q.logPB - p.logPB).slice(0, 10);
    printWarnings('pb', out.warnings);
    const summary = {
      logPS: r.logPS,
      nS,
      nE,
      functions: rows.length,
      massCovered: mass,
      pbMethod: out.pbMethod,
      methodError: out.methodError,
      converged: out.converged,
      seconds,
      out: a.out ?? null,
      top,
      warnings: out.warnings,
    };
    emit(
      a,
      summary,
      [
        `log P(S) = ${r.logPS.toFixed(4)} (EP, |S| = ${nS}); ${rows.length} functions on |E| = ${nE}${out.converged ? '' : '  NOT CONVERGED (see the warnings)'}`,
        `Σ P_B over these functions = ${mass.toPrecision(4)}`,
        `per-function method: ${out.pbMethod} (${out.methodError})`,
        `${'rank'.padStart(4)}  ${'log P_B'.padStart(10)}  ${'P_B'.padStart(9)}  ${'count'.padStart(7)}  ${'err'.padStart(4)}  key`,
        ...top.map(
          (x, i) =>
            `${String(i + 1).padStart(4)}  ${formatLogP(x.logPB).padStart(10)}  ${Math.exp(x.logPB).toExponential(2).padStart(9)}  ${String(x.count).padStart(7)}  ${String(x.errors ?? '–').padStart(4)}  ${x.key}${x.converged === false ? '  (EP not converged)' : ''}${x.pB === 0 ? '  (P_B = 0 exactly)' : ''}`,
        ),
        a.out ? `written to ${a.out}` : '',
      ].join('\n'),
      false,
    );
  }),
};
