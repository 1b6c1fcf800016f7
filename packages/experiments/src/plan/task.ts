/**
 * One task of a plan (`fsbayes run-plan DIR --stage ID [--task i]`, what
 * every sbatch script runs): a part (items of a step, checkpointed under
 * `parts/`, resumed after a requeue), a merge (a step's parts → `steps/`),
 * or the report (the experiment run with every step read back, into
 * `result/`). A task whose output exists has nothing to do, so a plan can be
 * submitted again after a failure and only redoes what is missing. Outputs
 * are written atomically: a killed task never leaves a half-written one.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { FsbayesError, prepareOutputs, ResumableRun, StepFolder, shardRange, writeFileAtomicSync } from '@fsbayes/core';
import { type ExperimentContext, stepFromPlain, stepToPlain } from '../repro/context.js';
import { closeBackends } from '../repro/prior.js';
import { EXPERIMENTS, type Experiment } from '../repro/registry.js';
import { runRepro } from '../repro/run.js';
import type { ShardedStep } from '../repro/step.js';
import {
  mergedFile,
  type Plan,
  type PlanStage,
  partCheckpoint,
  partFile,
  planIdentity,
  readPlan,
  resultDir,
} from './format.js';

export const PART_FORMAT = 'fsbayes.plan-part';

/** What a part file holds: which plan, stage and range it is, and the part. */
interface PartFile {
  format: typeof PART_FORMAT;
  plan: string;
  stage: string;
  task: number;
  tasks: number;
  first: number;
  count: number;
  /** The part, or null when it was skipped: the parts before it settle the step (`skipped` says how). */
  part: object | null;
  skipped?: string;
}

export interface TaskOptions {
  dir: string;
  stage: string;
  /** 1-based; default `SLURM_ARRAY_TASK_ID`, or 1 for a stage of one task. */
  task?: number;
  quiet: boolean;
  log: (msg: string) => void;
}

export type TaskOutcome = 'done' | 'already done' | 'stopped';

/** Run one task of a plan; see the module comment. */
export async function runPlanTask(o: TaskOptions): Promise<{ outcome: TaskOutcome; output: string }> {
  const plan = readPlan(o.dir);
  const stage = plan.stages.find((s) => s.id === o.stage);
  if (!stage)
    throw new FsbayesError(
      `--stage ${o.stage}: no such stage in the plan (${plan.stages.map((s) => s.id).join(', ')})`,
    );
  const task = taskIndex(stage, o.task);
  const exp = experimentOf(plan);
  const ctx = planContext(plan, o.dir, o.quiet);
  try {
    if (stage.kind === 'report') return await runReport(plan, o.dir, exp, ctx, o.log);
    const steps = exp.steps?.(ctx) ?? [];
    const step = steps.find((s) => s.key === stage.step);
    if (!step)
      throw new FsbayesError(`stage ${stage.id}: the experiment has no step ${JSON.stringify(stage.step)}`, {
        kind: 'internal',
      });
    return stage.kind === 'part'
      ? await runPart(plan, o.dir, stage, task, step, o.log)
      : await runMerge(plan, o.dir, stage, step, o.log);
  } finally {
    await closeBackends();
  }
}

/** The task's index: given, else Slurm's array index; checked against the stage's task count. */
function taskIndex(stage: PlanStage, given: number | undefined): number {
  const env = process.env.SLURM_ARRAY_TASK_ID;
  const t = given ?? (env !== undefined && env !== '' ? Number(env) : stage.tasks === 1 ? 1 : undefined);
  if (t === undefined)
    throw new FsbayesError(
      `stage ${stage.id} has ${stage.tasks} tasks: give --task i (1 … ${stage.tasks}), or run it as a Slurm array task (SLURM_ARRAY_TASK_ID)`,
    );
  if (!Number.isSafeInteger(t) || t < 1 || t > stage.tasks)
    throw new FsbayesError(
      `task ${given !== undefined ? t : `${env} (SLURM_ARRAY_TASK_ID)`} of stage ${stage.id}: must be an integer in 1 … ${stage.tasks}`,
    );
  return t;
}

export function experimentOf(plan: Plan): Experiment {
  const exp = EXPERIMENTS.find((e) => e.name === plan.experiment);
  if (!exp) throw new FsbayesError(`the plan's experiment ${JSON.stringify(plan.experiment)} is not one of fsbayes's`);
  return exp;
}

/** The context every task of the plan runs the experiment's steps in: the plain run's settings. */
function planContext(plan: Plan, dir: string, quiet: boolean): ExperimentContext {
  return {
    name: plan.experiment,
    scale: plan.scale,
    out: dir,
    seed: plan.seed,
    quiet,
    threads: plan.threads,
    overrides: plan.overrides,
  };
}

/** The merged result of a step, read back as `stage` reads a kept step. */
function readMerged<T extends object>(dir: string, step: ShardedStep<T>): T {
  const file = mergedFile(dir, step.key);
  if (!existsSync(file))
    throw new FsbayesError(
      `${file} is missing: the merge of step ${step.key} has not run (or failed): run its merge stage first`,
      { kind: 'io' },
    );
  const kept = stepFromPlain<T>(JSON.parse(readFileSync(file, 'utf8')), step.tables);
  return step.revive ? step.revive(kept) : kept;
}

async function runPart(
  plan: Plan,
  dir: string,
  stage: PlanStage,
  task: number,
  step: ShardedStep,
  log: (msg: string) => void,
): Promise<{ outcome: TaskOutcome; output: string }> {
  const out = partFile(dir, stage, task);
  if (existsSync(out)) return { outcome: 'already done', output: out };
  for (const n of step.needs) n.result = readMerged(dir, n);
  const { first, count } = shardRange(step.items, { index: task, count: stage.tasks });
  mkdirSync(dirname(out), { recursive: true });
  const header: Omit<PartFile, 'part'> = {
    format: PART_FORMAT,
    plan: planIdentity(plan),
    stage: stage.id,
    task,
    tasks: stage.tasks,
    first,
    count,
  };
  const settled = settledBefore(dir, stage, task, step);
  if (settled) {
    log(`${stage.id} task ${task}/${stage.tasks}: skipped: ${settled}`);
    writeFileAtomicSync(out, JSON.stringify({ ...header, part: null, skipped: settled } satisfies PartFile));
    return { outcome: 'done', output: out };
  }
  const checkpoint = partCheckpoint(dir, stage, task);
  log(`${stage.id} task ${task}/${stage.tasks}: ${step.unit} [${first}, ${first + count}) of ${step.items}`);
  if (step.resumable) releaseRequeuedLock(checkpoint, log);
  // A part that cannot checkpoint keeps the default signal handling: killed at once, recomputed when requeued.
  const driver = step.resumable ? ResumableRun.open({ checkpoint, resume: true, log }) : ResumableRun.inMemory();
  try {
    const part = await step.part(first, count, driver);
    if (part === null) return { outcome: 'stopped', output: checkpoint };
    writeFileAtomicSync(out, JSON.stringify({ ...header, part } satisfies PartFile));
    driver.finish();
    return { outcome: 'done', output: out };
  } finally {
    driver.close();
  }
}

/**
 * Why a part is not needed, or null: every part before it has finished and
 * together they settle the step (see `ShardedStep.settledBy`; with an array
 * throttled by --max-parallel, tasks start about in order and the ones after
 * a rejection run's cut find it so).
 */
function settledBefore(dir: string, stage: PlanStage, task: number, step: ShardedStep): string | null {
  if (!step.settledBy || task === 1) return null;
  const earlier: PartFile[] = [];
  for (let t = 1; t < task; t++) {
    const f = partFile(dir, stage, t);
    if (!existsSync(f)) return null;
    earlier.push(JSON.parse(readFileSync(f, 'utf8')) as PartFile);
  }
  if (earlier.some((p) => p.part === null) || step.settledBy(earlier.map((p) => p.part as object)))
    return `the parts of tasks 1-${task - 1} settle ${step.key}`;
  return null;
}

/**
 * A task requeued by Slurm after its node died (or it was killed hard)
 * finds the lock of its own earlier run, held by a process on another host
 * that cannot be checked: Slurm runs one instance of a task at a time, so
 * that lock is stale. (On the same host core's lock takes a dead pid's
 * lock over by itself.)
 */
function releaseRequeuedLock(path: string, log: (msg: string) => void): void {
  const restarts = Number(process.env.SLURM_RESTART_COUNT ?? 0);
  const lock = `${path}.lock`;
  if (!(restarts > 0) || !existsSync(lock)) return;
  try {
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as { host?: string };
    if (owner.host === hostname()) return;
    rmSync(lock, { force: true });
    log(`requeued (restart ${restarts}): removed the lock ${lock} of this task's earlier run on ${owner.host}`);
  } catch {
    // unreadable: core's lock reports it with what to do
  }
}

async function runMerge(
  plan: Plan,
  dir: string,
  stage: PlanStage,
  step: ShardedStep,
  log: (msg: string) => void,
): Promise<{ outcome: TaskOutcome; output: string }> {
  const out = mergedFile(dir, step.key);
  if (existsSync(out)) return { outcome: 'already done', output: out };
  const partStage = plan.stages.find((s) => s.kind === 'part' && s.step === step.key);
  if (!partStage) throw new FsbayesError(`the plan has no part stage of step ${step.key}`, { kind: 'internal' });
  const identity = planIdentity(plan);
  const files: PartFile[] = [];
  const missing: number[] = [];
  for (let t = 1; t <= partStage.tasks; t++) {
    const f = partFile(dir, partStage, t);
    if (!existsSync(f)) {
      missing.push(t);
      continue;
    }
    const p = JSON.parse(readFileSync(f, 'utf8')) as PartFile;
    const want = shardRange(step.items, { index: t, count: partStage.tasks });
    if (
      p.format !== PART_FORMAT ||
      p.plan !== identity ||
      p.stage !== partStage.id ||
      p.first !== want.first ||
      p.count !== want.count
    )
      throw new FsbayesError(
        `${f} is not task ${t} of stage ${partStage.id} of this plan (another plan's or an edited one): delete it and run that task again`,
      );
    files.push(p);
  }
  if (missing.length > 0)
    throw new FsbayesError(
      `stage ${stage.id}: ${missing.length} of ${partStage.tasks} parts of ${partStage.id} are missing (tasks ${compactList(missing)}): run them first (submit.sh submits only what is missing)`,
      { kind: 'io' },
    );
  for (const n of step.needs) n.result = readMerged(dir, n);
  // Parts after a skipped one are never needed: the parts before the first skipped one settle the step.
  const skippedAt = files.findIndex((f) => f.part === null);
  const used = (skippedAt < 0 ? files : files.slice(0, skippedAt)).map((f) => f.part as object);
  if (skippedAt >= 0 && !step.settledBy?.(used))
    throw new FsbayesError(
      `${step.key}: task ${skippedAt + 1} was skipped but the parts before it do not settle the step`,
      {
        kind: 'internal',
      },
    );
  log(
    `${stage.id}: merging ${used.length} parts of ${step.key}${skippedAt >= 0 ? ` (${files.length - used.length} skipped)` : ''}`,
  );
  const merged = await step.merge(used);
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomicSync(out, JSON.stringify(stepToPlain(merged, step.tables as (keyof typeof merged & string)[])));
  return { outcome: 'done', output: out };
}

/**
 * The report: the experiment run as `fsbayes repro` runs it, resuming from
 * a work folder that holds every merged step, so it computes only what is
 * not a shardable step (comparisons, plots, the cheap parts) and lays out
 * `result/` exactly as the plain run lays out its folder.
 */
async function runReport(
  plan: Plan,
  dir: string,
  exp: Experiment,
  ctx: ExperimentContext,
  log: (msg: string) => void,
): Promise<{ outcome: TaskOutcome; output: string }> {
  const out = resultDir(dir);
  if (existsSync(out)) return { outcome: 'already done', output: out };
  const steps = exp.steps?.(ctx) ?? [];
  const missing = steps.filter((s) => !existsSync(mergedFile(dir, s.key)));
  if (missing.length > 0)
    throw new FsbayesError(
      `the report needs every merged step; missing: ${missing.map((s) => mergedFile(dir, s.key)).join(', ')}: run their merge stages first`,
      { kind: 'io' },
    );
  const identity = { experiment: plan.experiment, scale: plan.scale, seed: plan.seed, overrides: plan.overrides };
  const work = `${out}.partial`;
  const folder = StepFolder.open({ dir: work, identity, resume: true, what: `the work folder of ${out}` });
  try {
    for (const s of steps) folder.write(s.key, JSON.parse(readFileSync(mergedFile(dir, s.key), 'utf8')));
  } finally {
    folder.close();
  }
  const target = prepareOutputs([{ path: out, kind: 'folder', flag: 'the result folder' }], { command: plan.repro });
  try {
    const r = await runRepro({
      experiment: exp,
      scale: plan.scale,
      seed: plan.seed,
      overrides: plan.overrides,
      target,
      out,
      resume: true,
      quiet: ctx.quiet,
      threads: plan.threads,
    });
    log(`${r.result.title}: ${join(out, 'report.md')}`);
  } finally {
    target.release();
  }
  return { outcome: 'done', output: out };
}

/** `1-3,7,9-10`. */
export function compactList(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    out.push(j > i ? `${xs[i]}-${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return out.join(',');
}
