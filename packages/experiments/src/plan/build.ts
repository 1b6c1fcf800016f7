/**
 * Make the plan of an experiment (`fsbayes plan`): a part stage (an array of
 * tasks over ranges of the step's items) and a merge stage per shardable
 * step, each after the merges of the steps it needs, then the report. Task
 * counts, time limits and memory come from the options, else from the
 * speed of each step measured here on a few items (SGD runs/s, nets/s, …).
 */
import { availableParallelism } from 'node:os';
import { FsbayesError } from '@fsbayes/core';
import { type ExperimentContext, reproCommand, type Scale, type SettingValue } from '../repro/context.js';
import { closeBackends } from '../repro/prior.js';
import type { Experiment } from '../repro/registry.js';
import type { Calibration, ShardedStep, StepKind } from '../repro/step.js';
import { fileSafe, PLAN_FORMAT, type Plan, type PlanStage } from './format.js';

/** Tasks per step: one count for all, per kind, or `auto` (from the measured speed: about `taskHours` per task). */
export interface ShardCounts {
  all: number | 'auto';
  byKind: Partial<Record<StepKind, number>>;
}

export interface PlanOptions {
  experiment: Experiment;
  scale: Scale;
  seed: number;
  overrides: Record<string, SettingValue>;
  shards: ShardCounts;
  /** Hours per task that `auto` shard counts aim at. */
  taskHours: number;
  /** CPUs of every task (its worker threads). */
  cpusPerTask: number;
  /** Memory per task of every stage (sbatch --mem), or null: from the size of the system. */
  mem: string | null;
  /** Time limit of the part stages, or null: from the measured speed (×3, + 10 min), else 4 h. */
  time: string | null;
  /** Time limit of the merge and report stages. */
  reportTime: string;
  partition: string | null;
  account: string | null;
  maxParallel: number | null;
  extra: string[];
  /** The shell words that run fsbayes on the nodes. */
  fsbayes: string;
  /** Measure each step's speed on a few items (seconds per step here). */
  calibrate: boolean;
  log: (msg: string) => void;
}

/** Most tasks in one array (Slurm's default MaxArraySize is 1001). */
export const MAX_TASKS = 1000;
/** Tasks per step when nothing was measured and none were asked for. */
const DEFAULT_TASKS = 16;
/** Items timed first per step kind when calibrating (SGD: per thread, so every thread's lanes have runs). */
const CALIBRATION: Record<StepKind, number> = { sgd: 4, rejection: 65_536, frozen: 1, pb: 1 };

interface Speed {
  secondsPerItem: number;
  /** Fraction of items that count towards a stop rule (rejection: acceptances per net). */
  hitRate: number | null;
  note: string;
}

/** The plan of an experiment; see the module comment. Throws on a bad setting before measuring anything. */
export async function buildPlan(o: PlanOptions): Promise<Plan> {
  const exp = o.experiment;
  const ctx: ExperimentContext = {
    name: exp.name,
    scale: o.scale,
    out: '',
    seed: o.seed,
    quiet: true,
    threads: o.cpusPerTask,
    overrides: o.overrides,
  };
  exp.settings(ctx);
  const steps = exp.steps?.(ctx) ?? [];
  const speeds = new Map<string, Speed>();
  if (o.calibrate) {
    try {
      for (const s of steps) {
        const sp = await measure(s, Math.min(o.cpusPerTask, availableParallelism()));
        if (sp) {
          speeds.set(s.key, sp);
          o.log(`measured ${s.key}: ${sp.note}`);
        }
      }
    } finally {
      await closeBackends();
    }
  }
  const stages: PlanStage[] = [];
  const mergeOf = new Map<string, string>();
  const ids = new Set<string>();
  const unique = (want: string) => {
    let id = want;
    for (let k = 2; ids.has(id); k++) id = `${want}-${k}`;
    ids.add(id);
    return id;
  };
  for (const s of steps) {
    const after = s.needs.map((n) => {
      const m = mergeOf.get(n.key);
      if (!m)
        throw new FsbayesError(`step ${s.key} needs ${n.key}, which is not an earlier step`, { kind: 'internal' });
      return m;
    });
    const sp = speeds.get(s.key) ?? null;
    const tasks = taskCount(s, sp, o);
    const perTask = estimatePerTask(s, sp, Math.ceil(s.items / tasks));
    const partTime = o.time ?? (perTask === null ? '04:00:00' : slurmTime(Math.max(900, 3 * perTask + 600)));
    const mem = o.mem ?? memoryFor(s);
    const part: PlanStage = {
      id: unique(fileSafe(s.key)),
      kind: 'part',
      step: s.key,
      stepKind: s.kind,
      label: `${s.label}: ${s.items.toLocaleString('en')} ${s.unit}${s.kind === 'pb' ? ' (at most)' : ''} in ${tasks} task${tasks > 1 ? 's' : ''}`,
      unit: s.unit,
      items: s.items,
      tasks,
      resumable: s.resumable,
      after,
      resources: { time: partTime, mem, cpusPerTask: o.cpusPerTask },
      estimate: {
        secondsPerTask: perTask,
        note: sp ? sp.note : o.calibrate ? 'not measured before its inputs exist' : 'not measured (--no-calibrate)',
      },
    };
    // A rejection merge may recount the one part its cut falls in: give it a part's time too.
    const mergeTime = s.kind === 'rejection' ? addTimes(partTime, o.reportTime) : o.reportTime;
    const merge: PlanStage = {
      id: unique(`${fileSafe(s.key)}-merge`),
      kind: 'merge',
      step: s.key,
      stepKind: s.kind,
      label: `merge the ${tasks} part${tasks > 1 ? 's' : ''} of ${s.key}`,
      unit: null,
      items: null,
      tasks: 1,
      resumable: false,
      after: [part.id],
      resources: { time: mergeTime, mem, cpusPerTask: o.cpusPerTask },
      estimate: {
        secondsPerTask: null,
        note: s.kind === 'rejection' ? 'seconds; plus one part if the cut falls inside it' : 'seconds',
      },
    };
    stages.push(part, merge);
    mergeOf.set(s.key, merge.id);
  }
  const reportMem = o.mem ?? maxMem(['4G', ...steps.map(memoryFor)]);
  stages.push({
    id: unique('report'),
    kind: 'report',
    step: null,
    stepKind: null,
    label: steps.length
      ? 'the experiment with every step read back: comparisons, tables, plots and report into result/'
      : 'the whole experiment (it has no shardable steps) into result/',
    unit: null,
    items: null,
    tasks: 1,
    resumable: false,
    after: [...mergeOf.values()],
    resources: { time: o.reportTime, mem: reportMem, cpusPerTask: o.cpusPerTask },
    estimate: { secondsPerTask: null, note: steps.length ? 'minutes (the comparisons)' : 'the whole run' },
  });
  return {
    format: PLAN_FORMAT,
    formatVersion: 1,
    experiment: exp.name,
    scale: o.scale,
    seed: o.seed,
    overrides: o.overrides,
    threads: o.cpusPerTask,
    calibration: o.calibrate
      ? { threads: Math.min(o.cpusPerTask, availableParallelism()), cores: availableParallelism() }
      : null,
    repro: reproCommand(ctx),
    fsbayes: o.fsbayes,
    scheduler: {
      kind: 'slurm',
      partition: o.partition,
      account: o.account,
      maxParallel: o.maxParallel,
      extra: o.extra,
      jobName: `fsb-${exp.name}`,
    },
    stages,
  };
}

/** A calibration grows its item count ×4 until one measurement takes this long. */
const CALIBRATION_SECONDS = 1;

/**
 * Time a step on a few items, then on 4× as many until a measurement takes
 * {@link CALIBRATION_SECONDS}; the speed is the slope between the last two,
 * so the start-up of each call (workers, wasm, the first job with few lanes)
 * cancels: timed on 4 runs alone, SGD on the Boolean system read 6.5 runs/s
 * where a run of thousands goes at ~250. Null where it cannot be measured
 * yet (P_B before its functions exist, at large |S ∪ E|).
 */
async function measure(s: ShardedStep, threads: number): Promise<Speed | null> {
  if (!s.calibrate) return null;
  let want = Math.min(s.items, CALIBRATION[s.kind] * (s.kind === 'sgd' ? threads : 1));
  let r = await s.calibrate(want);
  if (!r || r.count === 0) return null;
  let prev: Calibration | null = null;
  while (r.seconds < CALIBRATION_SECONDS && want < s.items) {
    want = Math.min(s.items, want * 4);
    const next: Calibration | null = await s.calibrate(want);
    if (!next || next.count <= r.count) break;
    prev = r;
    r = next;
  }
  const base = prev !== null && r.seconds > prev.seconds ? prev : null;
  const perItem = base ? (r.seconds - base.seconds) / (r.count - base.count) : r.seconds / r.count;
  const hitRate = r.hits === undefined ? null : r.hits / r.count;
  const rate = 1 / Math.max(perItem, 1e-12);
  const unit = r.count === 1 ? s.unit.replace(/s$/, '') : s.unit;
  const how = base
    ? `${base.count.toLocaleString('en')} and ${r.count.toLocaleString('en')} ${s.unit} in ${base.seconds.toFixed(2)} and ${r.seconds.toFixed(2)} s here`
    : `${r.count.toLocaleString('en')} ${unit} in ${r.seconds.toFixed(2)} s here`;
  const note = `${how} (${fmtRate(rate)} ${s.unit}/s${r.note ? `; ${r.note}` : ''})`;
  return { secondsPerItem: perItem, hitRate, note };
}

function fmtRate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3);
}

/** Items a task works on: its range, or for a stop rule (rejection) the nets it expects to need, if fewer. */
function workOf(s: ShardedStep, sp: Speed | null, range: number): number {
  if (s.stopAt !== undefined && sp?.hitRate) return Math.min(range, Math.ceil(s.stopAt / sp.hitRate));
  return range;
}

function estimatePerTask(s: ShardedStep, sp: Speed | null, range: number): number | null {
  return sp ? workOf(s, sp, range) * sp.secondsPerItem : null;
}

function taskCount(s: ShardedStep, sp: Speed | null, o: PlanOptions): number {
  const asked = o.shards.byKind[s.kind] ?? o.shards.all;
  const cap = Math.max(1, Math.min(s.items, MAX_TASKS));
  if (asked !== 'auto') return Math.min(asked, cap);
  if (!sp) return Math.min(DEFAULT_TASKS, cap);
  const total = workOf(s, sp, s.items) * sp.secondsPerItem;
  return Math.min(cap, Math.max(1, Math.ceil(total / (o.taskHours * 3600))));
}

/**
 * Memory per task: SGD and the samplers need little; EP holds a few n × n
 * float64 matrices of the kernel on S ∪ E (n points), about 8 of them at
 * once, plus the process.
 */
function memoryFor(s: ShardedStep): string {
  if (s.kind !== 'pb') return '2G';
  const gib = (8 * 8 * s.points * s.points) / 2 ** 30 + 1;
  return `${Math.max(2, Math.ceil(gib))}G`;
}

function maxMem(ms: string[]): string {
  return `${Math.max(...ms.map((m) => Number.parseInt(m, 10)))}G`;
}

const KINDS: readonly StepKind[] = ['sgd', 'rejection', 'frozen', 'pb'];

/** Parse --shards: `auto`, `N`, or `kind=N` items (kinds sgd, rejection, frozen, pb), comma-separated, e.g. `auto,pb=8`. */
export function parseShardCounts(text: string): ShardCounts {
  const out: ShardCounts = { all: 'auto', byKind: {} };
  const count = (v: string, what: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_TASKS)
      throw new FsbayesError(`--shards ${text}: ${what} must be an integer in 1 … ${MAX_TASKS}, got '${v}'`);
    return n;
  };
  for (const item of text.split(',').map((x) => x.trim())) {
    const m = /^([a-z]+)=(.*)$/.exec(item);
    if (item === 'auto') out.all = 'auto';
    else if (m) {
      if (!KINDS.includes(m[1] as StepKind))
        throw new FsbayesError(`--shards ${text}: unknown step kind '${m[1]}' (${KINDS.join(', ')})`);
      out.byKind[m[1] as StepKind] = count(m[2], m[1]);
    } else out.all = count(item, 'a task count');
  }
  return out;
}

/** Seconds as Slurm's `[D-]HH:MM:SS`, rounded up to whole minutes. */
export function slurmTime(seconds: number): string {
  const min = Math.ceil(seconds / 60);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  const hm = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
  return d > 0 ? `${d}-${hm}` : hm;
}

/** Parse Slurm's `[D-]HH:MM:SS`, `HH:MM`, or minutes (what --time takes) into seconds; null if it is none of them. */
export function parseSlurmTime(t: string): number | null {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(t.trim());
  if (!m) return null;
  const d = Number(m[1] ?? 0);
  const parts = [m[2], m[3], m[4]].filter((x) => x !== undefined).map(Number);
  // Slurm: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S".
  let s: number;
  if (m[1] !== undefined) s = (parts[0] ?? 0) * 3600 + (parts[1] ?? 0) * 60 + (parts[2] ?? 0);
  else if (parts.length === 3) s = parts[0] * 3600 + parts[1] * 60 + parts[2];
  else if (parts.length === 2) s = parts[0] * 60 + parts[1];
  else s = parts[0] * 60;
  return d * 86400 + s;
}

function addTimes(a: string, b: string): string {
  return slurmTime((parseSlurmTime(a) ?? 0) + (parseSlurmTime(b) ?? 0));
}
