/**
 * `fsbayes plan <name> --out DIR`: a ready-to-submit Slurm plan of a paper
 * experiment (the experiments package's `buildPlan` and `writePlanFolder`
 * behind the flags); `fsbayes run-plan` runs its tasks.
 */
import { resolve } from 'node:path';
import { FsbayesError } from '@fsbayes/core';
import {
  buildPlan,
  EXPERIMENTS,
  MAX_TASKS,
  parseOverrides,
  parseShardCounts,
  parseSlurmTime,
  planCost,
  planCostText,
  type Scale,
  shellQuote,
  writePlanFolder,
} from '@fsbayes/experiments';
import type { Argv } from 'yargs';
import { emit, log, type OutputArgs, prepareOutputs, run } from '../cli/output.js';

type Args = OutputArgs & {
  name?: string;
  scale: string;
  seed: number;
  set?: (string | number)[];
  shards: string;
  'task-hours': number;
  'cpus-per-task': number;
  mem?: string;
  time?: string;
  'report-time': string;
  partition?: string;
  account?: string;
  'max-parallel'?: number;
  sbatch?: string[];
  'fsbayes-command'?: string;
  calibrate: boolean;
};

/** This fsbayes as shell words: the node binary and the CLI script, absolute. */
function thisFsbayes(): string {
  return [process.execPath, resolve(process.argv[1])].map(shellQuote).join(' ');
}

function checkTime(flag: string, t: string | undefined): void {
  if (t !== undefined && parseSlurmTime(t) === null)
    throw new FsbayesError(`--${flag} must be a Slurm time ([D-]HH:MM:SS, HH:MM or minutes), got '${t}'`);
}

export const planCommand = {
  command: 'plan <name>',
  describe:
    'write a Slurm plan of a paper experiment: job arrays per step, dependencies, merge and report (see run-plan)',
  builder: (y: Argv) =>
    y
      .positional('name', {
        type: 'string',
        choices: EXPERIMENTS.map((e) => e.name),
        describe: `the experiment (as for repro); shardable steps in ${EXPERIMENTS.filter((e) => e.steps)
          .map((e) => e.name)
          .join(', ')}, the others run as one task`,
      })
      .options({
        scale: { type: 'string', choices: ['small', 'full'], default: 'small', describe: 'as for repro' },
        seed: { type: 'number', default: 1, describe: 'as for repro' },
        set: { type: 'string', array: true, describe: 'as for repro: key=value, key=v1,v2 or key=name' },
        out: {
          type: 'string',
          describe: 'the plan folder (default out/plan-<name>-<scale>): a new folder; the result goes to DIR/result',
        },
        shards: {
          type: 'string',
          default: 'auto',
          describe: `tasks per step: auto (from the measured speed, about --task-hours each; 16 if not measured), N, or per kind (sgd, rejection, frozen, pb), e.g. auto,pb=8 or 64,rejection=200 (at most ${MAX_TASKS})`,
        },
        'task-hours': { type: 'number', default: 1, describe: 'hours of work per task that --shards auto aims at' },
        'cpus-per-task': {
          type: 'number',
          default: 4,
          describe: 'CPUs of every task (its worker threads; the speeds are measured with as many)',
        },
        mem: {
          type: 'string',
          describe: 'memory per task, as sbatch --mem (default: 2G, more for EP on large systems)',
        },
        time: {
          type: 'string',
          describe:
            'time limit of the array tasks (default: 3× the measured estimate + 10 min, at least 15 min; 4 h if not measured)',
        },
        'report-time': { type: 'string', default: '04:00:00', describe: 'time limit of the merge and report jobs' },
        partition: { type: 'string', describe: 'sbatch --partition (default: the cluster’s default)' },
        account: { type: 'string', describe: 'sbatch --account' },
        'max-parallel': { type: 'number', describe: 'at most this many tasks of an array at once (--array=1-N%K)' },
        sbatch: {
          type: 'string',
          array: true,
          describe: 'more sbatch options for every job, e.g. --sbatch=--qos=long --sbatch=--constraint=avx2',
        },
        'fsbayes-command': {
          type: 'string',
          describe: 'how the nodes run fsbayes (shell words; default: this node and CLI, by absolute path)',
        },
        calibrate: {
          type: 'boolean',
          default: true,
          describe: 'measure each step on a few items for the estimates (--no-calibrate: skip)',
        },
        force: { type: 'boolean', default: false, describe: 'replace --out if an earlier fsbayes plan made it' },
        json: { type: 'boolean', default: false, describe: 'print the plan as one JSON object on stdout' },
        quiet: { type: 'boolean', default: false, describe: 'no log lines on stderr' },
      })
      .example('$0 plan boolean --scale full --out runs/boolean', 'the paper-scale Boolean experiment as a Slurm plan')
      .example(
        '$0 plan mnist --scale full --partition gpu --cpus-per-task 16 --shards auto,pb=20 --out runs/mnist',
        'MNIST, 16 CPUs per task, P_B in 20 tasks',
      )
      .epilogue(
        'Then: cd DIR && ./submit.sh (DIR/README.md says how to watch and resume), or fsbayes run-plan DIR --local. DIR/result ends up as fsbayes repro <name> --out DIR/result would write it.',
      ),
  handler: run('plan', null, async (a: Args) => {
    const exp = EXPERIMENTS.find((e) => e.name === a.name);
    if (!exp) throw new FsbayesError(`unknown experiment '${a.name}' (${EXPERIMENTS.map((e) => e.name).join(', ')})`);
    if (!Number.isSafeInteger(a.seed)) throw new FsbayesError(`--seed must be an integer, got ${a.seed}`);
    const cpus = a['cpus-per-task'];
    if (!Number.isSafeInteger(cpus) || cpus < 1)
      throw new FsbayesError(`--cpus-per-task must be an integer ≥ 1, got ${cpus}`);
    if (!(a['task-hours'] > 0)) throw new FsbayesError(`--task-hours must be > 0, got ${a['task-hours']}`);
    const maxParallel = a['max-parallel'];
    if (maxParallel !== undefined && !(Number.isSafeInteger(maxParallel) && maxParallel >= 1))
      throw new FsbayesError(`--max-parallel must be an integer ≥ 1, got ${maxParallel}`);
    if (a.mem !== undefined && !/^\d+[KMGT]?$/.test(a.mem))
      throw new FsbayesError(`--mem must be as sbatch takes it (e.g. 4G, 500M), got '${a.mem}'`);
    checkTime('time', a.time);
    checkTime('report-time', a['report-time']);
    const shards = parseShardCounts(a.shards);
    const overrides = parseOverrides((a.set ?? []).map(String));
    const scale = a.scale as Scale;
    // A bad --set is refused before anything is written or measured.
    exp.settings({ name: exp.name, scale, out: '', seed: a.seed, quiet: true, overrides });
    const out = a.out ?? `out/plan-${exp.name}-${scale}`;
    const target = prepareOutputs(a, [{ path: out, kind: 'folder' }]);
    const plan = await buildPlan({
      experiment: exp,
      scale,
      seed: a.seed,
      overrides,
      shards,
      taskHours: a['task-hours'],
      cpusPerTask: cpus,
      mem: a.mem ?? null,
      time: a.time ?? null,
      reportTime: a['report-time'],
      partition: a.partition ?? null,
      account: a.account ?? null,
      maxParallel: maxParallel ?? null,
      extra: (a.sbatch ?? []).map(String),
      fsbayes: a['fsbayes-command'] ?? thisFsbayes(),
      calibrate: a.calibrate,
      log: (m) => log(a, `fsbayes plan: ${m}`),
    });
    await writePlanFolder(target, target.targets[0].path, plan, out);
    const tasks = plan.stages.reduce((n, s) => n + s.tasks, 0);
    const cost = planCost(plan);
    emit(
      { ...a, out: undefined },
      { out, ...plan, cost },
      `${out}: ${plan.stages.length} stage${plan.stages.length === 1 ? '' : 's'}, ${tasks} task${tasks === 1 ? '' : 's'} (${plan.stages.map((s) => `${s.id}${s.tasks > 1 ? ` ×${s.tasks}` : ''}`).join(', ')})\n${planCostText(plan, cost)}\nsubmit: cd ${shellQuote(out)} && ./submit.sh   (see ${out}/README.md)\nor here: fsbayes run-plan ${shellQuote(out)} --local`,
    );
  }),
};
