/**
 * A plan's cost against a schedule worked out by hand: three part stages
 * (3 × 10 s, 2 × 30 s, then 1 × 5 s after both), their merges and the
 * report (no estimates, counted as zero).
 */
import { describe, expect, it } from 'vitest';
import { type Plan, planCost, planCostText, planWallSeconds } from '../src/index.js';

function stage(id: string, kind: 'part' | 'merge' | 'report', tasks: number, seconds: number | null, after: string[]) {
  return {
    id,
    kind,
    tasks,
    after,
    estimate: { secondsPerTask: seconds, note: '' },
    resources: { time: '1:00:00', mem: '2G', cpusPerTask: 4 },
  };
}

const plan = {
  stages: [
    stage('a', 'part', 3, 10, []),
    stage('a-merge', 'merge', 1, null, ['a']),
    stage('b', 'part', 2, 30, []),
    stage('b-merge', 'merge', 1, null, ['b']),
    stage('c', 'part', 1, 5, ['a-merge', 'b-merge']),
    stage('c-merge', 'merge', 1, null, ['c']),
    stage('report', 'report', 1, null, ['a-merge', 'b-merge', 'c-merge']),
  ],
} as unknown as Plan;

describe('planCost', () => {
  it('sums task and CPU time over the part stages', () => {
    const c = planCost(plan, []);
    expect(c.taskSeconds).toBe(3 * 10 + 2 * 30 + 5);
    expect(c.cpuSeconds).toBe(4 * 95);
    expect(c.unestimated).toEqual([]);
  });

  it('wall time: the critical path with a slot per task, the sum with one slot, the queue by hand with two', () => {
    // a: 0–10 ∥ b: 0–30, then c: 30–35
    expect(planWallSeconds(plan, 100)).toBe(35);
    expect(planCost(plan, [null]).wall).toEqual([{ slots: null, seconds: 35 }]);
    expect(planWallSeconds(plan, 1)).toBe(95);
    // two slots: a's tasks 0–10, 0–10, 10–20; b's queue behind them 20–50, 20–50; c 50–55
    expect(planWallSeconds(plan, 2)).toBe(55);
    expect(() => planWallSeconds(plan, 0)).toThrow(/slots must be an integer ≥ 1, got 0/);
  });

  it('names the stages without an estimate and leaves them out of the sums', () => {
    const p = {
      stages: plan.stages.map((s) => (s.id === 'b' ? { ...s, estimate: { secondsPerTask: null, note: '' } } : s)),
    };
    const c = planCost(p as Plan, [1]);
    expect(c.taskSeconds).toBe(35);
    expect(c.unestimated).toEqual(['b']);
    expect(planCostText(p as Plan, c)).toMatch(/Not measured, so not in these sums: `b`\./);
    expect(planCostText(plan)).toMatch(/^In all: 2 min of tasks \(6 min of CPU at 4 CPUs a task\)/);
    const none = { stages: plan.stages.map((s) => ({ ...s, estimate: { secondsPerTask: null, note: '' } })) };
    expect(planCostText(none as Plan)).toMatch(/^No step was measured/);
    const whole = { stages: [stage('report', 'report', 1, null, [])] };
    expect(planCostText(whole as unknown as Plan)).toMatch(/^No shardable steps/);
  });
});
