import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable } from '@fsbayes/core';
import { poolSgdExtras } from '@fsbayes/sgd';
import { describe, expect, it } from 'vitest';
import { cli, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-sgd-cli-');
const json = cliJson;

// A small Boolean system keeps these fast: n = 5, |S| = 16, 5→12→12→1.
const small = ['sgd', '--n', '5', '--train-size', '16', '--arch', 'fcn:12,12', '--seed', '3'];

describe('fsbayes sgd', () => {
  it('--json reports runs, fitted, notFitted, distinct, meanEpochs, meanTestError, out; the table matches', () => {
    const out = join(dir, 'a.json');
    const r = json([...small, '--lr', '0.05', '--runs', '40', '--out', out, '--threads', '2']);
    expect(r).toMatchObject({ runs: 40, out });
    expect(r.fitted + r.notFitted).toBe(40);
    for (const k of ['distinct', 'meanEpochs', 'meanTestError']) expect(typeof r[k]).toBe('number');
    const t = FunctionTable.fromJSON(JSON.parse(readFileSync(out, 'utf8')));
    expect(t.total).toBe(r.fitted);
    expect(t.distinct).toBe(r.distinct);
    expect(t.m).toBe(16);
    expect(t.meanTestError()).toBeCloseTo(r.meanTestError, 12);
    const p = t.provenance!;
    expect(p.experiment).toMatchObject({ kind: 'sgd', optimizer: 'sgd', lr: 0.05, batch: 8, loss: 'ce' });
    expect(p.extra).toMatchObject({ runs: 40, fitted: r.fitted, notFitted: r.notFitted });
    expect(existsSync(`${out}.ckpt`)).toBe(false);
  });

  it('same seed, same bytes; a stopped run resumed from its checkpoint gives the same bytes', () => {
    const a = join(dir, 'same.json');
    const b = join(dir, 'resumed.json');
    const ck = join(dir, 'run.ckpt');
    const args = [...small, '--runs', '48', '--optimizer', 'adam', '--lr', '0.01', '--checkpoint', ck];
    json([...args, '--out', a]);
    const stopped = cli([...args, '--out', b, '--stop-after', '20', '--quiet']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(existsSync(ck)).toBe(true);
    expect(existsSync(b)).toBe(false);
    // resuming with other settings is refused, naming the difference
    const wrong = cli([
      ...small,
      '--runs',
      '48',
      '--optimizer',
      'adam',
      '--lr',
      '0.02',
      '--checkpoint',
      ck,
      '--out',
      b,
      '--resume',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/checkpoint belongs to another run.*lr/);
    json([...args, '--out', b, '--resume']);
    const strip = (f: string) => {
      const o = JSON.parse(readFileSync(f, 'utf8'));
      delete o.provenance.command; // the command lines differ by --out and --resume
      return JSON.stringify(o);
    };
    expect(strip(b)).toBe(strip(a));
  });

  it('shards merge into the whole (fsbayes merge), and their summaries pool to the whole’s', () => {
    const whole = json([...small, '--runs', '30', '--out', join(dir, 'whole.json')]);
    const files = ['1/2', '2/2'].map((s, i) => {
      const f = join(dir, `shard${i}.json`);
      json([...small, '--runs', '30', '--shard', s, '--out', f]);
      return f;
    });
    const m = json(['merge', ...files, '--out', join(dir, 'merged.json')]);
    expect(m.total).toBe(whole.fitted);
    const read = (f: string) => FunctionTable.fromJSON(JSON.parse(readFileSync(f, 'utf8')));
    const w = read(join(dir, 'whole.json'));
    expect(read(join(dir, 'merged.json')).entries()).toEqual(w.entries());
    const shards = files.map(read);
    expect(shards.map((t) => t.provenance?.shards)).toEqual([
      ['seed 3 nets [0, 15) shard 1/2 of [0, 30)'],
      ['seed 3 nets [15, 30) shard 2/2 of [0, 30)'],
    ]);
    const { firstRun: _f, ...wholeExtra } = (w.provenance?.extra ?? {}) as Record<string, unknown>;
    expect(poolSgdExtras(shards.map((t) => t.provenance?.extra))).toEqual(wholeExtra);
    // merge pools them too: the merged table reports the whole run's counts and histograms
    expect(m.runs).toBe(30);
    expect(m.fitted + m.notFitted).toBe(30);
    const { mergedFrom, ...mergedExtra } = (read(join(dir, 'merged.json')).provenance?.extra ?? {}) as Record<
      string,
      unknown
    >;
    expect(mergedFrom).toHaveLength(2);
    expect(mergedExtra).toEqual(wholeExtra);
  });

  it('a CNN on MNIST digits: trained on the float64 js reference (saying why), same seed same table over 1 or 2 threads', () => {
    const args = [
      'sgd',
      '--dataset',
      'mnist',
      '--train-size',
      '12',
      '--test-size',
      '10',
      '--arch',
      'cnn:c4k5s3same,d8',
    ];
    const tail = [
      '--sigma-w',
      '1.41',
      '--sigma-b',
      '0.1',
      '--batch',
      '4',
      '--lr',
      '0.05',
      '--runs',
      '6',
      '--seed',
      '2',
    ];
    const a = join(dir, 'cnn-1.json');
    const b = join(dir, 'cnn-2.json');
    const r1 = json([...args, ...tail, '--threads', '1', '--out', a]);
    json([...args, ...tail, '--threads', '2', '--out', b]);
    expect(r1).toMatchObject({ runs: 6, backend: 'js', precision: 'f64' });
    expect(r1.backendReason).toMatch(/CNN/);
    expect(r1.fitted + r1.notFitted).toBe(6);
    expect(r1.fitted).toBeGreaterThan(0);
    const read = (f: string) => FunctionTable.fromJSON(JSON.parse(readFileSync(f, 'utf8')));
    expect(read(a).entries()).toEqual(read(b).entries());
    expect(read(a).provenance?.spec).toMatchObject({ kind: 'cnn', pooling: 'flatten', hidden: [8] });
  });

  it('bad values exit 1 with a line naming them', () => {
    let r = cli([...small, '--batch', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/batch must be a positive integer, got 0/);
    r = cli([...small, '--optimizer', 'agd']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--sigma-b 0/);
    r = cli(['sgd', '--n', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/S is empty/);
  });
});
