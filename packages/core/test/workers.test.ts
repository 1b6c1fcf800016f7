/** The job bookkeeping both worker pools share (no threads needed to test it). */
import { describe, expect, it } from 'vitest';
import { type WorkerJob, WorkerJobs } from '../src/backend/workers.js';

function job() {
  let settled: { ok: boolean; value: unknown } | null = null;
  const j: WorkerJob<number> = {
    resolve: (v) => {
      settled = { ok: true, value: v };
    },
    reject: (e) => {
      settled = { ok: false, value: e.message };
    },
  };
  return { j, state: () => settled };
}

describe('WorkerJobs', () => {
  it('settles the job a reply names and hands back its worker; stale replies are ignored', () => {
    const jobs = new WorkerJobs<WorkerJob<number>, string, number>('test pool', 'test worker');
    const a = job();
    const b = job();
    expect(jobs.submit(a.j)).toBe(true);
    expect(jobs.submit(b.j)).toBe(true);
    const ia = jobs.start('w1', jobs.queue.shift() as WorkerJob<number>);
    const ib = jobs.start('w2', jobs.queue.shift() as WorkerJob<number>);
    expect(ia).not.toBe(ib);
    expect(jobs.finish({ type: 'done', id: ib, result: 7 })).toBe('w2');
    expect(b.state()).toEqual({ ok: true, value: 7 });
    expect(jobs.finish({ type: 'error', id: ia, message: 'boom' })).toBe('w1');
    expect(a.state()).toEqual({ ok: false, value: 'test worker: boom' });
    expect(jobs.finish({ type: 'done', id: ia, result: 1 })).toBeUndefined();
  });

  it('a failure rejects queued and running jobs and refuses new ones; close rejects what is left', () => {
    const jobs = new WorkerJobs<WorkerJob<number>, string, number>('test pool', 'test worker');
    const running = job();
    const queued = job();
    jobs.submit(running.j);
    jobs.start('w', jobs.queue.shift() as WorkerJob<number>);
    jobs.submit(queued.j);
    jobs.fail(new Error('worker exited'));
    expect(running.state()).toEqual({ ok: false, value: 'worker exited' });
    expect(queued.state()).toEqual({ ok: false, value: 'worker exited' });
    const late = job();
    expect(jobs.submit(late.j)).toBe(false);
    expect(late.state()).toEqual({ ok: false, value: 'worker exited' });

    const other = new WorkerJobs<WorkerJob<number>, string, number>('test pool', 'test worker');
    const left = job();
    other.submit(left.j);
    expect(other.close()).toBe(true);
    expect(left.state()).toEqual({ ok: false, value: 'test pool closed' });
    expect(other.close()).toBe(false);
    const after = job();
    other.submit(after.j);
    expect(after.state()).toEqual({ ok: false, value: 'test pool is closed' });
  });
});
