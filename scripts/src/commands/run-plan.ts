/**
 * `fsbayes run-plan DIR`: one task of a plan (`--stage ID`, what the sbatch
 * scripts run: the task from --task or SLURM_ARRAY_TASK_ID), the whole plan
 * here (`--local`), or where it stands (`--status`): the experiments
 * package's `runPlanTask`, `runPlanLocal` and `planStatus` behind the flags.
 */
import { resolve } from 'node:path';
import { FsbayesError } from '@fsbayes/core';
import { planStatus, resultDir, runPlanLocal, runPlanTask } from '@fsbayes/experiments';
import type { Argv } from 'yargs';
import { emit, log, type OutputArgs, run } from '../cli/output.js';

type Args = OutputArgs & {
  dir?: string;
  stage?: string;
  task?: number;
  local: boolean;
  parallel: number;
  status: boolean;
};

export const runPlanCommand = {
  command: 'run-plan <dir>',
  describe:
    'run a plan written by fsbayes plan: one task (--stage, as Slurm runs it), all of it here (--local), or --status',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', describe: 'the plan folder (holds plan.json)' })
      .options({
        stage: { type: 'string', describe: 'run one task of this stage (its id in plan.json)' },
        task: {
          type: 'number',
          describe: 'the task of --stage, 1 … tasks (default: SLURM_ARRAY_TASK_ID; 1 for a stage of one task)',
        },
        local: { type: 'boolean', default: false, describe: 'run every stage here, in order' },
        parallel: { type: 'number', default: 1, describe: 'with --local: tasks at once, as separate processes' },
        status: { type: 'boolean', default: false, describe: 'say which tasks of each stage are done' },
        json: { type: 'boolean', default: false, describe: 'print the outcome as one JSON object on stdout' },
        quiet: { type: 'boolean', default: false, describe: 'no log lines on stderr' },
      })
      .example('$0 run-plan runs/boolean --local --parallel 2', 'the whole plan on this machine, two tasks at a time')
      .example('$0 run-plan runs/boolean --stage t0-sgd --task 3', 'task 3 of one stage (what its sbatch script runs)')
      .example('$0 run-plan runs/boolean --status', 'tasks done, resumable and missing per stage'),
  handler: run('run-plan', null, async (a: Args) => {
    const dir = a.dir as string;
    const modes = [a.stage !== undefined, a.local, a.status].filter(Boolean).length;
    if (modes !== 1) throw new FsbayesError('give exactly one of --stage ID, --local and --status');
    if (a.task !== undefined && a.stage === undefined) throw new FsbayesError('--task needs --stage');
    if (!Number.isSafeInteger(a.parallel) || a.parallel < 1)
      throw new FsbayesError(`--parallel must be an integer ≥ 1, got ${a.parallel}`);
    const say = (m: string) => log(a, `fsbayes run-plan: ${m}`);
    if (a.status) {
      const st = planStatus(dir);
      const lines = st.stages.map(
        (s) =>
          `${s.id.padEnd(28)} ${String(s.done).padStart(5)}/${s.tasks} done${s.resumable ? `, ${s.resumable} resumable` : ''}${s.missing && s.done < s.tasks ? `  (missing ${s.missing})` : ''}`,
      );
      emit(
        a,
        { dir, complete: st.complete, stages: st.stages },
        `${lines.join('\n')}\n${st.complete ? `complete: ${resultDir(dir)}` : 'not complete'}`,
        false,
      );
      return;
    }
    if (a.local) {
      const r = await runPlanLocal({
        dir,
        parallel: a.parallel,
        fsbayes: [process.execPath, resolve(process.argv[1])],
        quiet: a.quiet,
        log: say,
      });
      const out = resultDir(dir);
      emit(
        a,
        { dir, result: out, ran: r.ran, skipped: r.skipped },
        `${out} (${r.ran} task${r.ran === 1 ? '' : 's'} run, ${r.skipped} done already)`,
        false,
      );
      return;
    }
    const r = await runPlanTask({ dir, stage: a.stage as string, task: a.task, quiet: a.quiet, log: say });
    if (r.outcome === 'stopped') say(`stopped; the checkpoint ${r.output} is kept: run the task again to resume`);
    emit(a, { stage: a.stage, ...r }, `${a.stage}: ${r.outcome}: ${r.output}`, false);
  }),
};
