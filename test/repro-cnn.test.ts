/**
 * repro:cnn end to end through the built CLI, shrunk with --set so it takes
 * seconds: the paper's 4-layer CNN on binarised Fashion-MNIST (a named
 * setting, `--set dataset=fashion`), its summary against the schema, and its
 * plan (`fsbayes plan cnn`: SGD and P_B split into tasks) run here, giving
 * the unsharded run's result files byte for byte.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERIMENTS } from '@fsbayes/experiments';
import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../packages/core/test/schema-validator.js';
import { cli, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-repro-cnn-');
const SETS = [
  'dataset=fashion',
  'channels=2',
  'trainSize=16',
  'testSize=8',
  'sgdRuns=6',
  'lr=0.1',
  'pbLimit=4',
  'epSamples=2000',
  'bootstrap=0',
].flatMap((s) => ['--set', s]);

const ctx = (scale: 'small' | 'full', overrides = {}) => ({
  name: 'cnn',
  scale,
  out: '',
  seed: 1,
  quiet: true,
  overrides,
});

/** The result files of a repro folder (plots are rendered from these; timings differ by nature). */
const resultFiles = (folder: string) =>
  readdirSync(folder)
    .filter((f) => /\.(json|csv|md)$/.test(f) && f !== 'timings.json')
    .sort();

describe('repro cnn', () => {
  it('presets: MNIST by default, the dataset a named setting whose full sizes follow it; bad values refused', () => {
    const cnn = EXPERIMENTS.find((e) => e.name === 'cnn')!;
    const mnist = EXPERIMENTS.find((e) => e.name === 'mnist')!;
    const small = cnn.settings(ctx('small')) as Record<string, unknown>;
    expect(small).toEqual({
      ...(mnist.settings({ ...ctx('small'), name: 'mnist' }) as object),
      dataset: 'mnist',
      channels: 4,
      lr: 0.05,
      maxEpochs: 300,
    });
    expect(cnn.settings(ctx('full'))).toMatchObject({
      dataset: 'mnist',
      trainSize: 9900,
      testSize: 100,
      channels: 32,
      lr: 0.01,
    });
    expect(cnn.settings(ctx('full', { dataset: 'fashion' }))).toMatchObject({ dataset: 'fashion', trainSize: 10000 });
    expect(() => cnn.settings(ctx('small', { dataset: 'cifar' }))).toThrow(
      /--set dataset=cifar: dataset of cnn must be one of mnist, fashion/,
    );
    expect(() => cnn.settings(ctx('small', { dataset: 2 }))).toThrow(/setting 'dataset' takes one of mnist, fashion/);
    expect(() => cnn.settings(ctx('small', { channels: 'wide' }))).toThrow(/setting 'channels' takes a number/);
    // |S| + |E| is checked against the chosen dataset: 10,000 digits, 70,000 clothes.
    expect(() => cnn.settings(ctx('small', { trainSize: 9990 }))).toThrow(/exceeds the 10000 digits/);
    expect(cnn.settings(ctx('small', { trainSize: 9990, dataset: 'fashion' }))).toMatchObject({ trainSize: 9990 });
  });

  it('runs on Fashion-MNIST, and its plan run here gives the same result files', () => {
    const plain = join(dir, 'plain');
    const r = cli(['repro', 'cnn', ...SETS, '--threads', '1', '--out', plain, '--json', '--quiet'], 300_000);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(schemaErrors('summary', summary)).toEqual([]);
    expect(summary).toMatchObject({ experiment: 'cnn', settings: { dataset: 'fashion', channels: 2 } });
    expect(summary.arch).toMatch(/^28x28x1→conv2k5x5s1x1VALID→conv2k2x2s1x1SAME→conv2k5x5s1x1VALID→conv2k2x2s1x1SAME→/);
    expect(summary.sgd.fitted + summary.sgd.notFitted).toBe(6);
    expect(Number.isFinite(summary.logPS)).toBe(true);
    expect(summary.gpEp.samples).toBe(2000);
    const md = readFileSync(join(plain, 'report.md'), 'utf8');
    expect(md).toContain('Fashion-MNIST');
    expect(md).toContain('CNN 28×28×1 → conv 2@5×5 VALID → conv 2@2×2 SAME');
    expect(md).toContain('CNN-GP');

    const planned = join(dir, 'plan');
    const p = cli([
      'plan',
      'cnn',
      ...SETS,
      '--shards',
      '2',
      '--no-calibrate',
      '--cpus-per-task',
      '1',
      '--out',
      planned,
    ]);
    expect(p.code, p.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(planned, 'plan.json'), 'utf8'));
    expect(plan.overrides.dataset).toBe('fashion');
    expect(plan.stages.map((s: { id: string; tasks: number }) => `${s.id}:${s.tasks}`)).toEqual([
      'sgd:2',
      'sgd-merge:1',
      'pb:2',
      'pb-merge:1',
      'report:1',
    ]);
    const run = cli(['run-plan', planned, '--local', '--quiet'], 300_000);
    expect(run.code, run.stderr).toBe(0);
    const files = resultFiles(plain);
    expect(files).toContain('sgd.json');
    expect(resultFiles(join(planned, 'result'))).toEqual(files);
    for (const f of files)
      expect(readFileSync(join(planned, 'result', f), 'utf8'), f).toBe(readFileSync(join(plain, f), 'utf8'));
  }, 300_000);
});
