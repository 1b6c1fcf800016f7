/**
 * The resumable-run driver's whole cycle (ResumableRun.drive) on a toy run
 * that counts items, and the work folder of a run of steps (StepFolder).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionTable } from '../src/functions/index.js';
import { hasSteps, ResumableRun, StepFolder } from '../src/run/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-drive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Toy {
  next: number;
}

/**
 * Items [0, total): item i adds function i mod 3 to a table on 2 points.
 * Stops (as if killed) once `stopAt` items are done, checkpointing after
 * every item.
 */
function toyRun(run: ResumableRun, total: number, stopAt: number, written: FunctionTable[]) {
  return run.drive({
    identity: { total },
    resumed: (s: Toy) => `resuming at ${s.next}`,
    compute: async ({ resume, onCheckpoint }) => {
      const table = resume?.table ?? new FunctionTable(2);
      const state = { next: resume?.state.next ?? 0 };
      while (state.next < total && state.next < stopAt) {
        table.add(new Uint32Array([state.next % 3]));
        state.next++;
        onCheckpoint?.({ ...state }, table);
      }
      return { state, table };
    },
    finished: (r) => r.state.next === total,
    write: (r) => written.push(r.table),
    stopped: (r, ckpt) => `stopped at ${r.state.next} (${ckpt ?? 'no checkpoint'})`,
  });
}

const countsOf = (t: FunctionTable) => Object.fromEntries(t.entries().map((e) => [e.key, e.count]));

/** The counts the toy run of `total` items must give, computed directly: ⌈(total − f)/3⌉ of function f. */
function expected(total: number): Record<string, number> {
  const t = new FunctionTable(2);
  for (let f = 0; f < 3; f++) {
    const n = Math.ceil((total - f) / 3);
    if (n > 0) t.add(new Uint32Array([f]), n);
  }
  return countsOf(t);
}

describe('ResumableRun.drive', () => {
  it('a run stopped half-way and resumed from its checkpoint gives the counts of the whole run, written once', async () => {
    const out = join(dir, 'toy.json');
    const written: FunctionTable[] = [];
    const logs: string[] = [];
    const first = ResumableRun.open({ out, resume: false, log: (m) => logs.push(m), signals: false });
    const stopped = await toyRun(first, 10, 4, written);
    first.close();
    expect(stopped.state.next).toBe(4);
    expect(written).toHaveLength(0); // a stopped run writes no output
    expect(existsSync(`${out}.ckpt`)).toBe(true);
    expect(logs).toEqual([`stopped at 4 (${out}.ckpt)`]);

    // Without --resume the checkpoint is refused, never discarded.
    expect(() => ResumableRun.open({ out, resume: false, signals: false })).toThrow(/exists: pass --resume/);
    // Another identity is refused by name.
    const other = ResumableRun.open({ out, resume: true, signals: false });
    await expect(toyRun(other, 11, 99, [])).rejects.toThrow(/belongs to another run \(total: this run has 11/);
    other.close();

    const again = ResumableRun.open({ out, resume: true, log: (m) => logs.push(m), signals: false });
    const done = await toyRun(again, 10, 99, written);
    again.close();
    expect(logs[1]).toBe('resuming at 4');
    expect(written).toHaveLength(1);
    expect(countsOf(done.table)).toEqual(expected(10));
    expect(existsSync(`${out}.ckpt`)).toBe(false); // the checkpoint goes once the outputs are written
    expect(existsSync(`${out}.ckpt.lock`)).toBe(false);
  });

  it('an in-memory run neither checkpoints nor resumes: a stopped one leaves no file', async () => {
    const run = ResumableRun.inMemory();
    expect(run.checkpointPath).toBeNull();
    const before = readdirSync(dir).length;
    const r = await toyRun(run, 5, 2, []);
    expect(r.state.next).toBe(2);
    expect(readdirSync(dir)).toHaveLength(before);
    const whole = await toyRun(ResumableRun.inMemory(), 5, 99, []);
    expect(countsOf(whole.table)).toEqual(expected(5));
  });
});

describe('StepFolder', () => {
  const identity = { experiment: 'toy', seed: 1 };

  it('keeps finished steps, reads them back only when resuming, and refuses another run or a missing --resume', () => {
    const work = join(dir, 'work');
    const a = StepFolder.open({ dir: work, identity, resume: false, what: 'the work folder' });
    expect(a.read('s1', (x) => x)).toBeUndefined();
    expect(hasSteps(work)).toBe(false);
    a.write('s1', { value: 42 });
    a.write('odd/key', { value: 7 });
    expect(hasSteps(work)).toBe(true);
    // Locked while a run works in it.
    expect(() => StepFolder.open({ dir: work, identity, resume: true, what: 'the work folder' })).toThrow(
      /the work folder is used twice by this run/,
    );
    a.close();
    expect(readdirSync(join(work, 'stages')).sort()).toEqual(['odd_key.json', 's1.json']);

    expect(() => StepFolder.open({ dir: work, identity, resume: false, what: 'w' })).toThrow(
      /holds an unfinished run: continue it with --resume/,
    );
    expect(() => StepFolder.open({ dir: work, identity: { ...identity, seed: 2 }, resume: true, what: 'w' })).toThrow(
      /belongs to another run/,
    );
    const b = StepFolder.open({ dir: work, identity: { seed: 1, experiment: 'toy' }, resume: true, what: 'w' });
    expect(b.resuming).toBe(true);
    expect(b.read('s1', (x) => x.value)).toBe(42);
    expect(b.read('odd/key', (x) => x.value)).toBe(7);
    expect(b.read('s2', (x) => x)).toBeUndefined();
    writeFileSync(join(work, 'stages', 'bad.json'), '{"half": ');
    expect(() => b.read('bad', (x) => x)).toThrow(
      /bad\.json: the saved step 'bad' of the interrupted run is unreadable/,
    );
    b.complete();
    expect(readdirSync(work)).toEqual([]);
    b.close();
    expect(existsSync(`${work}.lock`)).toBe(false);
  });

  it('close(true) removes a folder in which no step finished; a file in its place is refused', () => {
    const work = join(dir, 'empty');
    StepFolder.open({ dir: work, identity, resume: false, what: 'w' }).close(true);
    expect(existsSync(work)).toBe(false);
    writeFileSync(work, 'x');
    expect(() => StepFolder.open({ dir: work, identity, resume: true, what: 'the work folder of --out o' })).toThrow(
      /empty \(the work folder of --out o\) is a file/,
    );
    expect(readFileSync(work, 'utf8')).toBe('x');
  });
});
