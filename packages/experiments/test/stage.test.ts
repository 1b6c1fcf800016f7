/** An experiment's resumable steps: kept as they finish, read back (tables included) when the run is resumed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionTable, StepFolder } from '@fsbayes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type ExperimentContext, stage } from '../src/repro/context.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-stage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(steps: StepFolder): ExperimentContext {
  return { name: 'toy', scale: 'small', out: steps.dir, seed: 1, quiet: true, steps };
}

function table(): FunctionTable {
  const t = new FunctionTable(4, new Uint8Array([1, 0, 0, 1]));
  t.add(new Uint32Array([0b1001]), 5);
  t.add(new Uint32Array([0b0110]), 2);
  return t;
}

describe('stage', () => {
  it('a resumed run reads finished steps back instead of computing them again', async () => {
    const work = join(dir, 'toy.partial');
    const identity = { experiment: 'toy', seed: 1 };
    let computed = 0;
    const step = () => {
      computed++;
      return { table: table(), drawn: 123, logPS: -Math.log(3) };
    };
    const first = StepFolder.open({ dir: work, identity, resume: false, what: 'w' });
    const a = await stage(context(first), 'rejection', step, ['table']);
    first.close(); // as if the run were killed here

    const again = StepFolder.open({ dir: work, identity, resume: true, what: 'w' });
    const b = await stage(context(again), 'rejection', step, ['table']);
    const c = await stage(context(again), 'sgd', () => ({ runs: 7 }));
    again.close();
    expect(computed).toBe(1);
    expect(b.table).toBeInstanceOf(FunctionTable);
    expect(b.table.toJSON()).toEqual(a.table.toJSON());
    expect(b.drawn).toBe(123);
    expect(b.logPS).toBe(-Math.log(3));
    expect(c).toEqual({ runs: 7 });
  });
});
