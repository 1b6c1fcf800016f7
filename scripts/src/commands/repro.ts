/**
 * `fsbayes repro <name>`: a paper experiment end to end, the experiments
 * package's `runRepro` (work folder, resumable steps, report, swapped in
 * whole) behind the flags.
 */
import { FsbayesError } from '@fsbayes/core';
import { EXPERIMENTS, parseOverrides, runRepro, type Scale } from '@fsbayes/experiments';
import type { Argv } from 'yargs';
import { emit, type OutputArgs, prepareOutputs, run } from '../cli/output.js';
import { TABLE_OPTIONS, type TableArgs, tableMemory } from '../cli/table.js';

type Args = OutputArgs &
  TableArgs & {
    resume: boolean;
    'checkpoint-every'?: number;
    name?: string;
    scale: string;
    seed: number;
    threads?: number;
    set?: (string | number)[];
  };

/** The npm scripts, one per experiment of the registry (package.json lists them). */
const [first, ...rest] = EXPERIMENTS;
const others = rest.map((e) => `repro:${e.name}`).join(', ');

export const reproCommand = {
  command: 'repro <name>',
  describe: 'run a paper experiment end to end (tables, plots, report): boolean, entropy, simplicity, mnist, …',
  builder: (y: Argv) =>
    y
      .positional('name', {
        type: 'string',
        choices: EXPERIMENTS.map((e) => e.name),
        describe: EXPERIMENTS.map((e) => `${e.name}: ${e.describe}`).join('; '),
      })
      .options({
        scale: {
          type: 'string',
          choices: ['small', 'full'],
          default: 'small',
          describe: 'small: minutes on 2 cores (what the README and tests run); full: the paper’s scale (hours)',
        },
        seed: { type: 'number', default: 1, describe: 'seed of every random choice (same seed, same numbers)' },
        threads: { type: 'number', describe: 'worker threads (default: all cores)' },
        'table-memory': {
          ...TABLE_OPTIONS['table-memory'],
          describe:
            'memory for each prior table (entropy, simplicity), e.g. 4GiB (default 2GiB, less on small machines); beyond it sorted runs spill into <out>.partial',
        },
        resume: {
          type: 'boolean',
          default: false,
          describe:
            'continue an interrupted run from <out>.partial: finished steps are read back, the step it was in continues from its last checkpoint (same experiment, scale, seed and --set)',
        },
        'checkpoint-every': {
          type: 'number',
          describe:
            'seconds between the checkpoints inside a long step (SGD ensembles, rejection and prior runs), kept in <out>.partial (default 60; prior tables 600, as each writes up to --table-memory)',
        },
        set: {
          type: 'string',
          array: true,
          describe:
            'override a setting of the scale: key=value or key=v1,v2 (numbers), or key=name for a named setting (e.g. --set sgdRuns=5000 --set flips=0,4; cnn: --set dataset=fashion); summary.json lists every setting',
        },
        out: {
          type: 'string',
          describe:
            'output folder (default out/repro-<name>-<scale>): a new folder, or with --force one an earlier fsbayes run made; it appears whole at the end',
        },
        force: {
          type: 'boolean',
          default: false,
          describe:
            'replace --out if an earlier fsbayes run made it (it holds .fsbayes-output and only the files listed there); a folder fsbayes did not make, or a file, is never replaced',
        },
        json: { type: 'boolean', default: false, describe: 'print the summary as one JSON object on stdout' },
        quiet: { type: 'boolean', default: false, describe: 'no progress or log lines on stderr' },
      })
      .example('$0 repro boolean', 'P_B by EP vs rejection sampling vs SGD on the Boolean system (small scale)')
      .example('$0 repro mnist --scale full --out runs/mnist', 'the paper-scale MNIST comparison')
      .example(
        '$0 repro boolean --set sgdRuns=10000 --set flips=0,4,16',
        'the small preset with more runs and three targets',
      )
      .example('$0 repro cnn --set dataset=fashion', "the paper's 4-layer CNN on binarised Fashion-MNIST (small scale)")
      .epilogue(
        `Also as npm scripts: pnpm repro:${first.name} [--scale full] (and ${others}). The folder gets summary.json, report.md, a self-contained report.html, every plot as SVG and PNG, and the tables (JSON, CSV) behind them.`,
      ),
  handler: run('repro', null, async (a: Args) => {
    const exp = EXPERIMENTS.find((e) => e.name === a.name);
    if (!exp) throw new FsbayesError(`unknown experiment '${a.name}' (${EXPERIMENTS.map((e) => e.name).join(', ')})`);
    if (!Number.isSafeInteger(a.seed)) throw new FsbayesError(`--seed must be an integer, got ${a.seed}`);
    const overrides = parseOverrides((a.set ?? []).map(String));
    // A bad --set is refused here, before anything is written, locked or computed.
    exp.settings({ name: exp.name, scale: a.scale as Scale, out: '', seed: a.seed, quiet: true, overrides });
    const memory = a['table-memory'] === undefined ? undefined : tableMemory(a);
    const every = a['checkpoint-every'];
    if (every !== undefined && !(Number.isFinite(every) && every > 0))
      throw new FsbayesError(`--checkpoint-every must be a positive number of seconds, got ${every}`);
    // Checked and locked before any compute: a new folder, or one fsbayes made (with --force).
    const target = prepareOutputs(a, [{ path: a.out ?? `out/repro-${exp.name}-${a.scale}`, kind: 'folder' }]);
    const out = target.targets[0].path;
    const { result, files, seconds } = await runRepro({
      experiment: exp,
      scale: a.scale as Scale,
      seed: a.seed,
      overrides,
      target,
      out,
      resume: a.resume,
      quiet: a.quiet,
      threads: a.threads,
      tableMemory: memory,
      checkpointEvery: every,
    });
    emit(
      { ...a, out: undefined },
      { experiment: exp.name, scale: a.scale, seed: a.seed, seconds, out, ...result.summary, files },
      `${result.title}\n${files.report} (${seconds.toFixed(0)} s)`,
    );
  }),
};
