import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, FsbayesError, writeFileAtomicSync } from '@fsbayes/core';
import type { Argv } from 'yargs';
import { emit, type OutputArgs, prepareOutputs, run } from '../cli/output.js';
import { hasStages, parseOverrides, type Scale } from '../experiments/context.js';
import { EXPERIMENTS } from '../experiments/index.js';
import { closeBackends } from '../experiments/prior.js';
import { renderExperiment } from '../experiments/render.js';

type Args = OutputArgs & {
  resume: boolean;
  name?: string;
  scale: string;
  seed: number;
  threads?: number;
  set?: (string | number)[];
};

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
        resume: {
          type: 'boolean',
          default: false,
          describe:
            'continue an interrupted run from the finished steps kept in <out>.partial (same experiment, scale, seed and --set)',
        },
        set: {
          type: 'string',
          array: true,
          describe:
            'override a setting of the scale: key=value or key=v1,v2 (e.g. --set sgdRuns=5000 --set flips=0,4); summary.json lists every setting',
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
      .epilogue(
        'Also as npm scripts: pnpm repro:boolean [--scale full] (and repro:entropy, repro:simplicity, repro:mnist, repro:optimizers, repro:lastlayer, repro:bound). The folder gets summary.json, report.md, a self-contained report.html, every plot as SVG and PNG, and the tables (JSON, CSV) behind them.',
      ),
  handler: run('repro', null, async (a: Args) => {
    const exp = EXPERIMENTS.find((e) => e.name === a.name);
    if (!exp) throw new FsbayesError(`unknown experiment '${a.name}' (${EXPERIMENTS.map((e) => e.name).join(', ')})`);
    if (!Number.isSafeInteger(a.seed)) throw new FsbayesError(`--seed must be an integer, got ${a.seed}`);
    const overrides = parseOverrides((a.set ?? []).map(String));
    // A bad --set is refused here, before anything is written, locked or computed.
    exp.settings({ name: exp.name, scale: a.scale as Scale, out: '', seed: a.seed, quiet: true, overrides });
    // Checked and locked before any compute: a new folder, or one fsbayes made (with --force).
    const target = prepareOutputs(a, [{ path: a.out ?? `out/repro-${exp.name}-${a.scale}`, kind: 'folder' }]);
    const out = target.targets[0].path;
    // Work in a sibling folder and swap it in at the end: a failed or killed run
    // never leaves a half-written `out`. The work folder keeps each finished step
    // (`stages/`), so `--resume` continues an interrupted run.
    const work = `${out}.partial`;
    const identity = canonicalJson({ experiment: exp.name, scale: a.scale, seed: a.seed, overrides });
    const idFile = join(work, 'run.json');
    if (existsSync(work)) {
      if (!lstatSync(work).isDirectory())
        throw new FsbayesError(
          `${work} (the work folder of --out ${out}) is a file: move it away, or give another --out`,
        );
      if (!a.resume)
        throw new FsbayesError(`${work} holds an unfinished run: continue it with --resume, or delete that folder`);
      const saved = existsSync(idFile) ? readFileSync(idFile, 'utf8') : '';
      if (saved !== identity)
        throw new FsbayesError(`${work} belongs to another run (${saved || 'no run.json'}); this one is ${identity}`);
    }
    const ctx = {
      name: exp.name,
      scale: a.scale as Scale,
      out: work,
      seed: a.seed,
      quiet: a.quiet,
      threads: a.threads,
      overrides,
      resume: a.resume,
      timings: {},
    };
    // Set once the report is complete in the work folder: from then on it is never removed.
    let rendered = false;
    // Keep the work folder only if some step finished (there is something to resume).
    const cleanUp = () => {
      if (!rendered && !hasStages(work)) rmSync(work, { recursive: true, force: true });
    };
    const onSignal = (sig: NodeJS.Signals) => {
      cleanUp();
      const again = existsSync(work) ? `; finished steps are kept in ${work}: rerun with --resume to continue` : '';
      process.stderr.write(`fsbayes repro: interrupted (${sig}); ${out} left as it was${again}\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const t0 = performance.now();
    let result: Awaited<ReturnType<typeof exp.run>>;
    let files: Record<string, string>;
    try {
      mkdirSync(work, { recursive: true });
      writeFileAtomicSync(idFile, identity);
      result = await exp.run(ctx);
      files = renderExperiment(ctx, result, (performance.now() - t0) / 1000);
      rmSync(join(work, 'stages'), { recursive: true, force: true });
      rmSync(idFile, { force: true });
      rendered = true;
      // Swapped in whole; an earlier fsbayes folder there is replaced only with --force (checked above).
      target.commitFolder(work, out);
    } catch (e) {
      cleanUp();
      if (rendered && e instanceof Error)
        throw new FsbayesError(`${e.message}; the finished results are kept in ${work}: move them yourself`, {
          kind: 'io',
          cause: e,
        });
      throw e;
    } finally {
      await closeBackends();
    }
    const seconds = (performance.now() - t0) / 1000;
    for (const k of Object.keys(files)) files[k] = join(out, files[k]);
    emit(
      { ...a, out: undefined },
      { experiment: exp.name, scale: a.scale, seed: a.seed, seconds, out, ...result.summary, files },
      `${result.title}\n${files.report} (${seconds.toFixed(0)} s)`,
    );
  }),
};
