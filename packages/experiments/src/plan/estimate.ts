/**
 * What a plan costs in all, from the per-task estimates it was made with:
 * task-hours and CPU-hours, and the wall time with K tasks running at once
 * (K nodes of one task each), by list scheduling: stages in the plan's
 * dependency order, each task on the slot free first, never before the
 * stages it needs have finished. With a slot per task this is the critical
 * path; with fewer it is what a first-come queue gives (a cleverer order
 * can be shorter: a task here never fills a gap an earlier stage left).
 * Merge and report tasks carry no estimate and count as zero.
 */
import type { Plan } from './format.js';

/** The cost of a plan (see the module comment). */
export interface PlanCost {
  /** Σ over the part stages of tasks × seconds per task. */
  taskSeconds: number;
  /** taskSeconds × each stage's CPUs per task. */
  cpuSeconds: number;
  /** Part stages without a measured estimate (their time is not in the sums). */
  unestimated: string[];
  /** Wall seconds with `slots` tasks at once; `slots: null` is a slot per task (the critical path). */
  wall: { slots: number | null; seconds: number }[];
}

/** Wall seconds of `plan` with `slots` tasks at once (see the module comment). */
export function planWallSeconds(plan: Plan, slots: number): number {
  if (!(Number.isSafeInteger(slots) && slots >= 1)) throw new RangeError(`slots must be an integer ≥ 1, got ${slots}`);
  const free = new Float64Array(slots);
  const end = new Map<string, number>();
  let last = 0;
  for (const s of plan.stages) {
    const ready = s.after.reduce((t, a) => Math.max(t, end.get(a) ?? 0), 0);
    const d = s.estimate.secondsPerTask ?? 0;
    let finish = ready;
    for (let t = 0; t < s.tasks; t++) {
      let k = 0;
      for (let j = 1; j < slots; j++) if (free[j] < free[k]) k = j;
      const start = Math.max(ready, free[k]);
      free[k] = start + d;
      finish = Math.max(finish, start + d);
    }
    end.set(s.id, finish);
    last = Math.max(last, finish);
  }
  return last;
}

/** The cost of `plan`, its wall time for each of `slots` (null: a slot per task). */
export function planCost(plan: Plan, slots: readonly (number | null)[] = [null, 64, 16, 4, 1]): PlanCost {
  let taskSeconds = 0;
  let cpuSeconds = 0;
  const unestimated: string[] = [];
  for (const s of plan.stages) {
    if (s.kind !== 'part') continue;
    const d = s.estimate.secondsPerTask;
    if (d === null) {
      unestimated.push(s.id);
      continue;
    }
    taskSeconds += s.tasks * d;
    cpuSeconds += s.tasks * d * s.resources.cpusPerTask;
  }
  const all = plan.stages.reduce((n, s) => n + s.tasks, 0);
  const wall = slots.map((k) => ({ slots: k, seconds: planWallSeconds(plan, k ?? Math.max(1, all)) }));
  return { taskSeconds, cpuSeconds, unestimated, wall };
}

/** Hours, for people: `2.1 h`, `45 min`. */
function fmtHours(seconds: number): string {
  return seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

/** The cost in one paragraph (the plan's README, `fsbayes plan`'s output). */
export function planCostText(plan: Plan, cost: PlanCost = planCost(plan)): string {
  const parts = plan.stages.filter((s) => s.kind === 'part');
  if (parts.length === 0) return 'No shardable steps: the report task runs the whole experiment (not estimated).';
  if (cost.unestimated.length === parts.length)
    return 'No step was measured (--no-calibrate, or steps that cannot be timed before their inputs exist): no total estimate.';
  const cpus = [...new Set(parts.map((s) => s.resources.cpusPerTask))];
  const walls = cost.wall.map((w) =>
    w.slots === null
      ? `every task at once ${fmtHours(w.seconds)} (the critical path)`
      : `${w.slots === 1 ? 'one at a time' : `${w.slots} at once`} ${fmtHours(w.seconds)}`,
  );
  const missing = cost.unestimated.length
    ? ` Not measured, so not in these sums: ${cost.unestimated.map((s) => `\`${s}\``).join(', ')}.`
    : '';
  return `In all: ${fmtHours(cost.taskSeconds)} of tasks (${fmtHours(cost.cpuSeconds)} of CPU at ${cpus.join('/')} CPUs a task), merges and the report not counted. Wall time, stages queued in order: ${walls.join('; ')}.${missing}`;
}
