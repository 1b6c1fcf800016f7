/**
 * One experiment run end to end (`fsbayes repro <name>`): it works in the
 * sibling folder `<out>.partial` (core's StepFolder: identity, finished
 * steps, lock), renders the report there, and swaps the folder in as `out`
 * only when it is complete — a failed or killed run never leaves a
 * half-written `out`, and `resume` continues an interrupted one from its
 * finished steps and the last checkpoint of the step it was in.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FsbayesError, type PreparedOutputs, StepFolder } from '@fsbayes/core';
import type { ExperimentContext, Scale, SettingValue } from './context.js';
import { closeBackends } from './prior.js';
import type { Experiment } from './registry.js';
import { renderExperiment } from './render.js';
import type { ExperimentResult } from './result.js';

/** What {@link runRepro} takes: the experiment, its scale, seed and overrides, the locked output folder, resume. */
export interface ReproOptions {
  experiment: Experiment;
  scale: Scale;
  seed: number;
  overrides: Record<string, SettingValue>;
  /** The output folder, checked and locked by the caller (`prepareOutputs`, kind 'folder'). */
  target: PreparedOutputs;
  out: string;
  resume: boolean;
  quiet: boolean;
  threads?: number;
  /** Memory budget of each prior table in bytes (default: the table's own). */
  tableMemory?: number;
  /** Seconds between the checkpoints inside a long step (default: each step's own). */
  checkpointEvery?: number;
}

/** What {@link runRepro} returns: the result, its main files and the wall time. */
export interface ReproRun {
  result: ExperimentResult;
  /** The main files (summary, report, html, timings), under `out`. */
  files: Record<string, string>;
  seconds: number;
}

/** Run an experiment into `out`; see the module comment. */
export async function runRepro(o: ReproOptions): Promise<ReproRun> {
  const { experiment: exp, out } = o;
  const work = `${out}.partial`;
  const steps = StepFolder.open({
    dir: work,
    identity: { experiment: exp.name, scale: o.scale, seed: o.seed, overrides: o.overrides },
    resume: o.resume,
    what: `the work folder of --out ${out}`,
  });
  const ctx: ExperimentContext = {
    name: exp.name,
    scale: o.scale,
    out: work,
    seed: o.seed,
    quiet: o.quiet,
    threads: o.threads,
    overrides: o.overrides,
    steps,
    timings: {},
    tableMemory: o.tableMemory,
    checkpointEvery: o.checkpointEvery,
  };
  // Set once the report is complete in the work folder: from then on it is never removed.
  let rendered = false;
  // On a signal the process exits at once: the finished steps are already on disk.
  const onSignal = (sig: NodeJS.Signals) => {
    steps.close(true);
    const again = existsSync(work) ? `; finished steps are kept in ${work}: rerun with --resume to continue` : '';
    process.stderr.write(`fsbayes repro: interrupted (${sig}); ${out} left as it was${again}\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const t0 = performance.now();
  try {
    const result = await exp.run(ctx);
    const files = await renderExperiment(ctx, result, (performance.now() - t0) / 1000);
    steps.complete();
    rendered = true;
    // Swapped in whole; an earlier fsbayes folder there is replaced only with --force (checked by the caller).
    o.target.commitFolder(work, out);
    steps.close();
    const seconds = (performance.now() - t0) / 1000;
    for (const k of Object.keys(files)) files[k] = join(out, files[k]);
    return { result, files, seconds };
  } catch (e) {
    // Keep the work folder only if some step finished (there is something to resume).
    steps.close(!rendered);
    if (rendered && e instanceof Error)
      throw new FsbayesError(`${e.message}; the finished results are kept in ${work}: move them yourself`, {
        kind: 'io',
        cause: e,
      });
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeBackends();
  }
}
