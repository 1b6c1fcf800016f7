/**
 * The plan file (`plan.json`): the one source of truth of a cluster run of
 * an experiment — its settings, its stages (array tasks over the items of a
 * shardable step, the exact merge of a step's parts, the final report),
 * how many tasks each has, what each needs first, and the resources asked
 * of the scheduler. Scripts, the README and every task read it; a task
 * derives its range of items from its index and this file only.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, FsbayesError } from '@fsbayes/core';
import type { Scale, SettingValue } from '../repro/context.js';
import type { StepKind, StepUnit } from '../repro/step.js';

export const PLAN_FORMAT = 'fsbayes.plan';
export const PLAN_FILE = 'plan.json';

/** `part`: an array task per range of a step's items; `merge`: a step's parts → its result; `report`: the experiment's folder. */
export type StageKind = 'part' | 'merge' | 'report';

/** What the scheduler is asked for, per task. */
export interface StageResources {
  /** Wall-clock limit, `D-HH:MM:SS` or `HH:MM:SS`. */
  time: string;
  /** Memory, as sbatch's --mem (`4G`). */
  mem: string;
  cpusPerTask: number;
}

export interface PlanStage {
  /** Unique, file-name safe (`t0-sgd`, `t0-sgd-merge`, `report`). */
  id: string;
  kind: StageKind;
  /** The experiment step it runs or merges (null for the report). */
  step: string | null;
  stepKind: StepKind | null;
  /** What it does, for people. */
  label: string;
  unit: StepUnit | null;
  /** Items of the step, split evenly over the tasks (the first `items mod tasks` get one more). */
  items: number | null;
  tasks: number;
  /** Whether a task checkpoints, so that near its time limit it stops and requeues itself to continue. */
  resumable: boolean;
  /** Stages that must have finished first. */
  after: string[];
  resources: StageResources;
  /** Seconds per task from the speeds measured when the plan was made (null: not measured), and how. */
  estimate: { secondsPerTask: number | null; note: string };
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  formatVersion: 1;
  experiment: string;
  scale: Scale;
  seed: number;
  overrides: Record<string, SettingValue>;
  /** Worker threads of every task. */
  threads: number;
  /** Where the speeds behind the estimates were measured: threads used (the CPUs per task, capped at the cores there), or null. */
  calibration: { threads: number; cores: number } | null;
  /** The plain command whose result the plan reproduces. */
  repro: string;
  /** The shell words that run fsbayes on the cluster's nodes (the scripts prepend them to `run-plan`). */
  fsbayes: string;
  scheduler: {
    kind: 'slurm';
    partition: string | null;
    account: string | null;
    /** At most this many tasks of an array at once (`--array=1-N%K`), or null. */
    maxParallel: number | null;
    /** More `#SBATCH` options, as given. */
    extra: string[];
    /** Prefix of every job name. */
    jobName: string;
  };
  /** In dependency order: every stage comes after the stages it needs. */
  stages: PlanStage[];
}

/** The identity of what a plan computes (experiment, settings, stages and their splits): parts of another plan are refused. */
export function planIdentity(p: Plan): string {
  const core = {
    experiment: p.experiment,
    scale: p.scale,
    seed: p.seed,
    overrides: p.overrides,
    stages: p.stages.map((s) => ({ id: s.id, step: s.step, items: s.items, tasks: s.tasks })),
  };
  return createHash('sha256').update(canonicalJson(core)).digest('hex').slice(0, 16);
}

/** Read and check `DIR/plan.json`; errors name the file and what is wrong. */
export function readPlan(dir: string): Plan {
  const file = join(dir, PLAN_FILE);
  if (!existsSync(file))
    throw new FsbayesError(`${dir} holds no ${PLAN_FILE}: give the folder \`fsbayes plan\` wrote`, { kind: 'io' });
  let p: Plan;
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as Plan;
  } catch (e) {
    throw new FsbayesError(`${file} is not readable JSON (${(e as Error).message})`, { kind: 'io', cause: e });
  }
  const bad = (msg: string): never => {
    throw new FsbayesError(`${file}: ${msg}`);
  };
  if (p?.format !== PLAN_FORMAT) bad(`format must be "${PLAN_FORMAT}", got ${JSON.stringify(p?.format)}`);
  if (p.formatVersion !== 1) bad(`formatVersion must be 1, got ${JSON.stringify(p.formatVersion)}`);
  if (!Array.isArray(p.stages) || p.stages.length === 0) bad('stages must be a non-empty list');
  const seen = new Set<string>();
  for (const s of p.stages) {
    if (typeof s.id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(s.id))
      bad(`stage id ${JSON.stringify(s.id)} is not file-name safe`);
    if (seen.has(s.id)) bad(`stage ${s.id} appears twice`);
    if (!['part', 'merge', 'report'].includes(s.kind)) bad(`stage ${s.id}: kind must be part, merge or report`);
    if (!Array.isArray(s.after)) bad(`stage ${s.id}: after must be a list of stage ids`);
    if (!Number.isSafeInteger(s.tasks) || s.tasks < 1)
      bad(`stage ${s.id}: tasks must be an integer ≥ 1, got ${s.tasks}`);
    for (const a of s.after) if (!seen.has(a)) bad(`stage ${s.id} comes after ${a}, which is not an earlier stage`);
    seen.add(s.id);
  }
  return p;
}

/** Where a plan keeps its files, relative to its folder. */
export const PLAN_PATHS = {
  parts: 'parts',
  steps: 'steps',
  logs: 'logs',
  scripts: 'slurm',
  result: 'result',
} as const;

/** The file of a part: `parts/<stage>/<task>.json`. */
export function partFile(dir: string, stage: PlanStage, task: number): string {
  return join(dir, PLAN_PATHS.parts, stage.id, `${task}.json`);
}

/** The checkpoint of a part while it runs: `parts/<stage>/<task>.ckpt`. */
export function partCheckpoint(dir: string, stage: PlanStage, task: number): string {
  return join(dir, PLAN_PATHS.parts, stage.id, `${task}.ckpt`);
}

/** The merged result of a step: `steps/<step>.json` (kept as `stage` keeps it). */
export function mergedFile(dir: string, step: string): string {
  return join(dir, PLAN_PATHS.steps, `${fileSafe(step)}.json`);
}

/** The experiment's folder, laid out as `fsbayes repro --out DIR/result` lays it out. */
export function resultDir(dir: string): string {
  return join(dir, PLAN_PATHS.result);
}

/** A name made file-name safe (as core's StepFolder names its step files). */
export function fileSafe(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]+/g, '_');
}
