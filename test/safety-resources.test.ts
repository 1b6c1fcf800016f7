/**
 * Safety issue §3 (resources and small things) and bugs 2–3 of the shard
 * issue, as regression tests: memory that cannot fit is refused at once with
 * the estimate and the limit; --threads is validated and capped the same
 * way everywhere; --set values are checked against each setting's range;
 * --first is checked against the net stream alike in functions and sample;
 * a repeated scalar flag is refused in every command; --test-size is
 * honoured with --train-mask. Every refusal here comes before any compute,
 * so each CLI call takes about a second.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRange } from '../packages/experiments/src/repro/settings.js';
import { type FlagTypes, findRepeatedFlag, repeatedFlagMessage } from '../scripts/src/cli/flags.js';
import { cli, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-safety-resources-');
const cores = os.availableParallelism();
const BOOL = ['-n', '3'];

/** Expect a refusal: exit code, and one stderr line that contains each part. */
function refused(args: string[], code: number, ...parts: string[]): string {
  const r = cli(args);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  for (const p of parts) expect(r.stderr).toContain(p);
  return r.stderr;
}

describe('memory is estimated before it is allocated', () => {
  it('compare --bins 100000 is refused with the estimate and the heap limit before any table is read', () => {
    const missing = [join(dir, 'no-such-a.json'), join(dir, 'no-such-b.json')];
    refused(['compare', ...missing, '--bins', '100000'], 1, '--bins 100000', 'needs about 149 GiB', 'JS heap limit');
    refused(['compare', ...missing, '--bins', '0'], 1, '--bins must be a positive integer, got 0');
  });

  it('fcn:100000,100000 is refused by functions (wasm and js), sample and sgd, naming the need and the limit', () => {
    const arch = ['--arch', 'fcn:100000,100000'];
    const need = "one net's 10,000,600,001 parameters (f64): 74.5 GiB";
    refused(['functions', ...arch, ...BOOL, '--samples', '10'], 1, need, 'of RAM');
    refused(['functions', ...arch, ...BOOL, '--samples', '10', '--backend', 'js'], 1, need);
    refused(['sample', ...arch, ...BOOL, '--train-size', '2', '--max-samples', '10'], 1, need);
    refused(['sgd', ...arch, ...BOOL, '--train-size', '2', '--runs', '4'], 1, need);
  });

  it('a net whose parameters fit but whose activations do not fit one wasm memory is refused with the 4 GiB limit', () => {
    // 7 → 5,000,000 → 1 on 128 points: 200 MB of parameters, but two f32 activation buffers of 5M × 128 = 4.8 GiB
    const r = cli(['functions', '--arch', 'fcn:5000000', '-n', '7', '--samples', '10', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/needs about 5\.\d GiB of wasm memory .*more than the 4\.0 GiB one wasm32 memory/);
  });

  it('the kernel of a huge arch is fine: kernel commands never build a net', () => {
    const r = cliJson(['kernel', '--arch', 'fcn:100000,100000', ...BOOL]);
    expect(r.kernel).toHaveLength(8);
  });

  it('a CNN kernel with global average pooling beyond its cost budget is refused, naming the size and the way out', () => {
    const args = ['kernel', '--arch', 'cnn:c8k5same,c8k2same,gap', '--dataset', 'mnist', '--train-size', '200'];
    refused(
      [...args, '--test-size', '1', '--json'],
      1,
      'global average pooling of 201 × 201 28×28 images',
      'monteCarloKernel',
    );
  });
});

describe('--threads', () => {
  it('1000 is capped at the cores, said on stderr and in the backend detail', () => {
    const r = cli(['functions', ...BOOL, '--samples', '100', '--threads', '1000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`--threads 1000 capped at ${cores}`);
    const out = JSON.parse(r.stdout);
    expect(out.backend.threads).toBe(cores);
  });

  it('sgd with 1000 threads trains on the cores', () => {
    const r = cliJson(['sgd', ...BOOL, '--train-size', '4', '--runs', '8', '--threads', '1000']);
    expect(r.threads).toBe(cores);
  });

  it('a bad value is refused the same way in every command', () => {
    const cmds = [
      ['functions', ...BOOL],
      ['sample', ...BOOL, '--train-size', '2'],
      ['sgd', ...BOOL, '--train-size', '2'],
      ['repro', 'boolean', '--out', join(dir, 'never')],
    ];
    for (const c of cmds)
      refused([...c, '--threads', '0'], 1, `fsbayes ${c[0]}: error: --threads must be a positive integer, got 0`);
    for (const [bad, shown] of [
      ['-3', '-3'],
      ['1.5', '1.5'],
      ['x', 'NaN'],
    ])
      refused([...cmds[0], '--threads', bad], 1, `--threads must be a positive integer, got ${shown}`);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('repro --set is checked against each setting’s range before anything runs', () => {
  it('flips=500 on the 128-point Boolean system is refused, naming key, value and range; nothing is written', () => {
    const out = join(dir, 'flips');
    refused(
      ['repro', 'boolean', '--out', out, '--set', 'flips=0,500'],
      1,
      '--set flips=0,500: each value of flips of boolean must be an integer in 0 … 128',
      'got 500',
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('sizes must be positive integers, fractions in [0, 1], and S + E must fit in MNIST', () => {
    const out = join(dir, 'bad');
    refused(
      ['repro', 'boolean', '--out', out, '--set', 'sgdRuns=0'],
      1,
      'sgdRuns of boolean must be an integer ≥ 1, got 0',
    );
    refused(['repro', 'optimizers', '--out', out, '--set', 'runs=2.5'], 1, 'runs of optimizers must be an integer ≥ 1');
    refused(['repro', 'bound', '--out', out, '--set', 'corruption=0,1.5'], 1, 'must be a number in [0, 1]', 'got 1.5');
    refused(
      ['repro', 'mnist', '--out', out, '--set', 'trainSize=9990'],
      1,
      'trainSize 9990 + testSize 20 = 10010 exceeds the 10000 digits',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('describes ranges in words', () => {
    expect(describeRange({ min: 0, max: 128, integer: true, why: 'w' })).toBe('an integer in 0 … 128 (w)');
    expect(describeRange({ min: 0, max: 1 })).toBe('a number in [0, 1]');
    expect(describeRange({ min: 1, integer: true })).toBe('an integer ≥ 1');
  });
});

describe('--first against the net stream', () => {
  it('functions refuses 9007199254740990 + 10 nets exactly as sample does', () => {
    const tail = "runs past the end of a seed's net stream: nets are numbered 0 … 2^53 − 2";
    const f = refused(['functions', ...BOOL, '--first', '9007199254740990', '--samples', '10'], 1, tail);
    const s = refused(
      ['sample', ...BOOL, '--train-size', '2', '--first', '9007199254740990', '--max-samples', '10'],
      1,
      tail,
    );
    expect(f).toContain('--first 9007199254740990 with --samples 10');
    expect(s).toContain('--first 9007199254740990 with --max-samples 10');
  });

  it('the last nets of the stream are still drawn', () => {
    const r = cliJson(['functions', ...BOOL, '--first', String(2 ** 53 - 11), '--samples', '10']);
    expect(r.samples).toBe(10);
  });
});

describe('a repeated scalar flag is refused in every command', () => {
  it('--seed 4 --seed 1 (which used to mean seed 5) names the flag and both values', () => {
    refused(
      ['data', 'boolean', '-n', '4', '--train-size', '12', '--test-size', '4', '--seed', '4', '--seed', '1'],
      2,
      'fsbayes: --seed is given twice (4 and 1); give it once',
    );
  });

  it('--threads 2 --threads 1 is the same error in functions, sample and sgd', () => {
    const msg = '--threads is given twice (2 and 1); give it once';
    refused(['functions', ...BOOL, '--threads', '2', '--threads', '1'], 2, msg);
    refused(['sample', ...BOOL, '--train-size', '2', '--threads', '2', '--threads', '1'], 2, msg);
    refused(['sgd', ...BOOL, '--train-size', '2', '--threads', '2', '--threads', '1'], 2, msg);
  });

  it('array flags stay repeatable: two --set reach the settings check', () => {
    refused(
      ['repro', 'boolean', '--out', join(dir, 'sets'), '--set', 'sgdRuns=5', '--set', 'flips=500'],
      1,
      'flips of boolean must be an integer in 0 … 128',
    );
  });

  const types: FlagTypes = {
    array: ['set'],
    boolean: ['json', 'help'],
    count: [],
    alias: { help: ['h'] },
    key: { seed: true, n: true, 'train-size': true, json: true, set: true, help: true, threads: true },
  };
  const find = (t: string[]) => findRepeatedFlag(t, types);

  it('finds repeats in every spelling yargs accepts', () => {
    expect(find(['--seed', '4', '--seed', '1'])).toEqual({ flag: '--seed', values: ['4', '1'] });
    expect(find(['--seed=4', '--seed', '4'])).toEqual({ flag: '--seed', values: ['4', '4'] });
    expect(find(['-n', '3', '-n4'])).toEqual({ flag: '-n', values: ['3', '4'] });
    expect(find(['--train-size', '3', '--trainSize=4'])?.values).toEqual(['3', '4']);
    expect(find(['--json', '--no-json'])).toEqual({ flag: '--json', values: ['true', 'false'] });
    expect(find(['-h', '--help'])?.flag).toBe('-h');
    expect(find(['--threads', '-1', '--threads', '2'])?.values).toEqual(['-1', '2']);
  });

  it('leaves arrays, positionals, unknown flags and everything after -- alone', () => {
    expect(find(['--set', 'a=1', '--set', 'b=2', 'x', 'x'])).toBeUndefined();
    expect(find(['--seed', '1', '--', '--seed', '2'])).toBeUndefined();
    expect(find(['--bogus', '1', '--bogus', '2'])).toBeUndefined();
    expect(find(['--seed', '1', '--n', '2'])).toBeUndefined();
    expect(repeatedFlagMessage({ flag: '--x', values: ['1', '2', '3'] })).toBe(
      '--x is given 3 times (1 and 2 and 3); give it once',
    );
  });
});

describe('--test-size with --train-mask', () => {
  it('is honoured: E is that many of the points outside the mask, seeded', () => {
    const args = ['data', 'boolean', ...BOOL, '--train-mask', '11000000', '--test-size', '3'];
    const a = cliJson([...args, '--seed', '2']);
    expect([a.train.m, a.test.m]).toEqual([2, 3]);
    expect(a.split).toMatchObject({ method: 'mask', mask: '0xc0', trainSize: 2, testSize: 3, seed: 2 });
    // a function table over that E has 3 points; its provenance records E's mask, disjoint from S
    const t = cliJson(['functions', ...BOOL, '--train-mask', '11000000', '--test-size', '3', '--samples', '50']);
    expect(t.m).toBe(3);
  });

  it('a --test-size larger than the points outside S is refused, naming both', () => {
    refused(
      ['data', 'boolean', ...BOOL, '--train-mask', '11000000', '--test-size', '7'],
      1,
      "testSize 7 exceeds the 6 points outside the mask's S",
    );
  });

  it('data honours --test-size alone as well', () => {
    expect(cliJson(['data', 'boolean', ...BOOL, '--test-size', '5']).test.m).toBe(5);
  });
});
