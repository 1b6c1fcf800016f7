/**
 * A plan without a scheduler (`fsbayes run-plan DIR --local`): its stages in
 * order, each task as the sbatch scripts run it — in this process one after
 * another, or up to `parallel` at a time as child processes running the
 * same command a Slurm task runs. And where a plan stands (`--status`):
 * which tasks have finished, which left a checkpoint to resume from.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FsbayesError } from '@fsbayes/core';
import { mergedFile, type Plan, type PlanStage, partCheckpoint, partFile, readPlan, resultDir } from './format.js';
import { compactList, runPlanTask } from './task.js';

/** The output of task `t` of a stage (a part, a merged step, the result folder). */
export function taskOutput(dir: string, stage: PlanStage, t: number): string {
  if (stage.kind === 'part') return partFile(dir, stage, t);
  if (stage.kind === 'merge') return mergedFile(dir, stage.step as string);
  return resultDir(dir);
}

/** The tasks of a stage whose output is not there yet. */
export function missingTasks(dir: string, stage: PlanStage): number[] {
  const out: number[] = [];
  for (let t = 1; t <= stage.tasks; t++) if (!existsSync(taskOutput(dir, stage, t))) out.push(t);
  return out;
}

export interface LocalOptions {
  dir: string;
  /** Tasks at once (1: in this process, one after another). */
  parallel: number;
  /** The command that runs fsbayes here (argv before `run-plan`), for parallel tasks. */
  fsbayes: string[];
  quiet: boolean;
  log: (msg: string) => void;
}

/** Run every stage of the plan here; see the module comment. Stops at the first failed task. */
export async function runPlanLocal(o: LocalOptions): Promise<{ plan: Plan; ran: number; skipped: number }> {
  const plan = readPlan(o.dir);
  let ran = 0;
  let skipped = 0;
  for (const stage of plan.stages) {
    const todo = missingTasks(o.dir, stage);
    skipped += stage.tasks - todo.length;
    if (todo.length === 0) {
      o.log(`${stage.id}: done already`);
      continue;
    }
    o.log(`${stage.id}: ${stage.label} — ${todo.length} task${todo.length > 1 ? 's' : ''} to run`);
    if (o.parallel <= 1 || todo.length === 1) {
      for (const task of todo) {
        const r = await runPlanTask({ dir: o.dir, stage: stage.id, task, quiet: o.quiet, log: o.log });
        if (r.outcome === 'stopped')
          throw new FsbayesError(
            `${stage.id} task ${task} stopped (its checkpoint is ${r.output}): run again to resume`,
            {
              kind: 'resource',
            },
          );
      }
    } else await runChildren(o, stage, todo);
    ran += todo.length;
  }
  return { plan, ran, skipped };
}

/** Tasks of one stage as child processes, at most `parallel` at a time; the first failure stops the rest. */
async function runChildren(o: LocalOptions, stage: PlanStage, tasks: number[]): Promise<void> {
  const queue = [...tasks];
  let failed: Error | null = null;
  const one = (task: number) =>
    new Promise<void>((resolve) => {
      const args = [...o.fsbayes.slice(1), 'run-plan', o.dir, '--stage', stage.id, '--task', String(task)];
      if (o.quiet) args.push('--quiet');
      const child = spawn(o.fsbayes[0], args, { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', (e) => {
        failed ??= e;
        resolve();
      });
      child.on('exit', (code, signal) => {
        if (code !== 0) failed ??= new Error(`${stage.id} task ${task} exited with ${signal ?? code}`);
        resolve();
      });
    });
  const worker = async () => {
    while (queue.length > 0 && !failed) await one(queue.shift() as number);
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, tasks.length) }, worker));
  if (failed) throw new FsbayesError((failed as Error).message, { kind: 'resource' });
}

export interface StageStatus {
  id: string;
  kind: string;
  tasks: number;
  done: number;
  /** Tasks with a checkpoint (started, not finished: they resume). */
  resumable: number;
  /** Unfinished tasks, e.g. `4-7,9`. */
  missing: string;
}

/** Where each stage of the plan stands. */
export function planStatus(dir: string): { plan: Plan; stages: StageStatus[]; complete: boolean } {
  const plan = readPlan(dir);
  const stages = plan.stages.map((s) => {
    const missing = missingTasks(dir, s);
    const resumable = s.kind === 'part' ? missing.filter((t) => existsSync(partCheckpoint(dir, s, t))).length : 0;
    return {
      id: s.id,
      kind: s.kind,
      tasks: s.tasks,
      done: s.tasks - missing.length,
      resumable,
      missing: compactList(missing),
    };
  });
  return { plan, stages, complete: stages.every((s) => s.done === s.tasks) };
}
