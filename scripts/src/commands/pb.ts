/**
 * `fsbayes pb`: P_B(f|S) of a table's functions by EP or Botev (nngp's
 * `pbOfTableAsync`), written as an `fsbayes.pb` file (core's writer).
 * `--shard i/N` computes the functions of one rank range (the experiments'
 * `rankRange`, as a plan's P_B parts do); `fsbayes merge` joins the parts
 * into the file the whole run writes.
 */
import {
  FsbayesError,
  PB_ESTIMATORS,
  PB_METHODS,
  type PbEstimator,
  type PbMethod,
  pbFileCsv,
  pbFileText,
  readTableSync,
  recordedCommand,
  shardRange,
} from '@fsbayes/core';
import { Progress, rankRange } from '@fsbayes/experiments';
import { BOTEV_PB_MAX_POINTS, checkTableFits, pbOfTableAsync, resolvePbEstimator } from '@fsbayes/nngp';
import type { Argv } from 'yargs';
import type { DataArgs } from '../cli/dataset.js';
import { type DeviceArgs, splitKernel } from '../cli/kernel.js';
import { ARCH_OPTIONS, DATA_OPTIONS, KERNEL_DEVICE_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { emit, log, type OutputArgs, run, writeOutputs } from '../cli/output.js';
import type { ArchArgs } from '../cli/prior.js';
import { shardOf, shardOption } from '../cli/shard.js';
import { formatLogP, printWarnings } from '../cli/warnings.js';
import { checkFor } from './marginal.js';

type Args = DataArgs &
  ArchArgs &
  DeviceArgs &
  OutputArgs & {
    functions: string;
    'csv-out'?: string;
    method: PbEstimator | 'auto';
    'pb-method': PbMethod | 'auto';
    samples: number;
    threads?: number;
    shard?: string;
  };

export const pbCommand = {
  command: 'pb',
  describe:
    'log P_B(f|S) = log P(S ∪ E_f) − log P(S) by Botev (with standard errors) or EP for every function of a table on E',
  builder: (y: Argv) =>
    y
      .options({
        functions: { type: 'string', demandOption: true, describe: 'a FunctionTable JSON whose functions live on E' },
        'csv-out': { type: 'string', describe: 'also write key,count,logPB as CSV (Botev: and stderr,upperBound)' },
        method: {
          choices: ['auto', ...PB_ESTIMATORS] as const,
          default: 'auto' as const,
          describe: `the estimator of both orthant probabilities: botev = minimax-tilted importance sampling (unbiased, a standard error per function and a deterministic upper bound); ep = expectation propagation (deterministic, no error estimate, biased low by up to ~0.35 nats on the Boolean NNGP); auto = botev up to |S ∪ E| = ${BOTEV_PB_MAX_POINTS} points, else ep`,
        },
        samples: {
          type: 'number',
          default: 10_000,
          describe:
            'Botev: importance samples per function (log P(S) gets max(10×, 100 000)); the standard error falls like 1/√samples',
        },
        threads: {
          type: 'number',
          describe: 'Botev: worker threads (default: all cores; the numbers do not depend on it)',
        },
        shard: shardOption("the table's functions, by rank (most frequent first)"),
        'pb-method': {
          choices: ['auto', ...PB_METHODS] as const,
          default: 'auto' as const,
          describe:
            "EP only: how each function's EP runs: joint = EP on S ∪ E_f (the reference, O(n³) per sweep); lowrank = the same EP with the S sites moving through a low-rank update of EP on S (O(n·a²), a ≈ |E| + 4|E|); conditional = EP on E's predictive given S (O(|E|³), errs by nats on improbable functions); auto = joint up to |S| = max(256, 4|E|), else lowrank",
        },
        ...ARCH_OPTIONS,
        ...DATA_OPTIONS,
        ...SEED_OPTIONS,
        ...KERNEL_DEVICE_OPTIONS,
        ...OUTPUT_OPTIONS,
      })
      .example(
        '$0 pb --arch fcn:40,40 --n 7 --train-size 32 --seed 1 --functions sgd.json --out pb.json',
        'P_B of every function SGD found on the Boolean system (Botev, with standard errors)',
      )
      .example(
        '$0 pb --n 7 --train-size 32 --seed 1 --functions sgd.json --method ep --out pb-ep.json',
        'the same by EP',
      )
      .example(
        '$0 pb --n 7 --train-size 32 --seed 1 --functions sgd.json --shard slurm --out pb-$SLURM_ARRAY_TASK_ID.json',
        'one task of a job array (sbatch --array=0-9: 10 parts); then fsbayes merge pb-*.json --out pb.json gives the file of the whole run',
      )
      .epilogue(
        "Both terms are Gaussian orthant probabilities of the NNGP of --arch. Every P_B file records its --method and what is known of its error (methodError): a Botev file gives each function's stderr and upperBound and log P(S)'s logPSStderr, an EP file its --pb-method (lowrank rows carry frozenKL when S sites beyond its cap stayed frozen). Botev is seeded by --seed: same command, same bytes, for any --threads (the file records the command without --threads, --out, --csv-out and --shard). With --shard the file holds the functions of one rank range and says which (its shard field); every part computes the same log P(S), and fsbayes merge joins a complete set into the bytes the whole run writes. The data flags and --arch must give the same S, E and architecture as the table (checked before any compute: the masks and spec of its provenance, |E| and the labels on E).",
      ),
  handler: run('pb', async (a: Args) => {
    if (!Number.isSafeInteger(a.samples) || a.samples < 2)
      throw new FsbayesError(`--samples must be an integer ≥ 2, got ${a.samples}`);
    if (a.threads !== undefined && !(Number.isSafeInteger(a.threads) && a.threads >= 1))
      throw new FsbayesError(`--threads must be a positive integer, got ${a.threads}`);
    const table = readTableSync(a.functions);
    const shard = shardOf(a.shard);
    const ranks = shard ? shardRange(table.distinct, shard) : { first: 0, count: table.distinct };
    if (shard && ranks.count === 0)
      throw new FsbayesError(
        `--shard ${shard.index}/${shard.count}: ${a.functions} has only ${table.distinct} functions, fewer than the ${shard.count} shards: use at most ${table.distinct}`,
      );
    const mine = shard ? rankRange(table, ranks.first, ranks.count) : table;
    const t0 = performance.now();
    const sys = await splitKernel(a, (sp, sl) => checkTableFits(table, sp, sl, a.functions));
    const { nS, nE } = sys;
    const method = resolvePbEstimator(sys, { method: a.method });
    const partOf = shard
      ? ` (shard ${shard.index}/${shard.count}: ranks [${ranks.first}, ${ranks.first + ranks.count}) of ${table.distinct})`
      : '';
    log(
      a,
      method === 'botev'
        ? `Botev (${a.samples} samples per function) on S (${nS} points) and on S ∪ E_f for ${mine.distinct} functions on ${nE} points${partOf}`
        : `EP on S (${nS} points) and on S ∪ E_f for ${mine.distinct} functions on ${nE} points${partOf}`,
    );
    const bar = new Progress('pb', mine.distinct, 'functions', a.quiet);
    const out = await pbOfTableAsync(sys, mine, {
      onProgress: (done) => bar.update(done),
      source: a.functions,
      // Not recorded: what changes nothing in the numbers (--threads), where they go (--out, --csv-out), and the
      // part (in the file's shard field), so the merged parts are the bytes of the whole run.
      command: recordedCommand(process.argv.slice(2), {
        '--force': false,
        '--json': false,
        '--quiet': false,
        '--threads': true,
        '--out': true,
        '--csv-out': true,
        '--shard': true,
      }),
      seed: a.seed,
      check: checkFor(a.device),
      method,
      mode: a['pb-method'],
      samples: a.samples,
      threads: a.threads,
    });
    bar.done();
    if (shard) out.shard = { ...shard, first: ranks.first, end: ranks.first + ranks.count, functions: table.distinct };
    // Wall-clock time goes to stdout only: the pb file is the same bytes for the same command.
    const seconds = (performance.now() - t0) / 1000;
    const rows = out.functions;
    const mass = out.massCovered;
    const r = { logPS: out.logPS };
    const botev = out.method === 'botev';
    const pm = (x: { stderr?: number }) => (x.stderr !== undefined ? ` ± ${x.stderr.toFixed(3)}` : '');
    writeOutputs(a, [
      ...(a.out ? [{ path: a.out, data: pbFileText(out) }] : []),
      ...(a['csv-out'] ? [{ path: a['csv-out'], data: pbFileCsv(out) }] : []),
    ]);
    const top = [...rows].sort((p, q) => q.logPB - p.logPB).slice(0, 10);
    printWarnings('pb', out.warnings);
    const summary = {
      logPS: r.logPS,
      ...(botev ? { logPSStderr: out.logPSStderr, logPSUpperBound: out.logPSUpperBound ?? null } : {}),
      nS,
      nE,
      functions: rows.length,
      massCovered: mass,
      method: out.method,
      ...(botev ? { samples: out.samples } : { pbMethod: out.pbMethod }),
      methodError: out.methodError,
      converged: out.converged,
      shard: out.shard ?? null,
      seconds,
      out: a.out ?? null,
      top,
      warnings: out.warnings,
    };
    emit(
      a,
      summary,
      [
        `log P(S) = ${r.logPS.toFixed(4)}${botev ? ` ± ${(out.logPSStderr ?? 0).toFixed(4)} (Botev, ${out.samplesS} samples` : ' (EP'}, |S| = ${nS}); ${rows.length} functions on |E| = ${nE}${out.converged ? '' : `  NOT CONVERGED (see the warnings)`}`,
        `Σ P_B over these functions = ${mass.toPrecision(4)}`,
        botev
          ? `estimator: Botev, ${out.samples} samples per function (${out.methodError})`
          : `estimator: EP, per-function method ${out.pbMethod} (${out.methodError})`,
        `${'rank'.padStart(4)}  ${`log P_B${botev ? ' ± stderr' : ''}`.padStart(botev ? 18 : 10)}  ${'P_B'.padStart(9)}  ${'count'.padStart(7)}  ${'err'.padStart(4)}  key`,
        ...top.map(
          (x, i) =>
            `${String(i + 1).padStart(4)}  ${`${formatLogP(x.logPB)}${pm(x)}`.padStart(botev ? 18 : 10)}  ${Math.exp(x.logPB).toExponential(2).padStart(9)}  ${String(x.count).padStart(7)}  ${String(x.errors ?? '–').padStart(4)}  ${x.key}${x.converged === false ? (botev ? '  (tilting solve not converged)' : '  (EP not converged)') : ''}${x.pB === 0 ? '  (P_B = 0 exactly)' : ''}`,
        ),
        ...(partOf ? [`this file is${partOf}: merge the parts with fsbayes merge`] : []),
        a.out ? `written to ${a.out}` : '',
      ].join('\n'),
      false,
    );
  }),
};
