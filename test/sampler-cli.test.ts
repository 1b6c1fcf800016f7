/**
 * End-to-end tests of `fsbayes sample` and `fsbayes merge` (built CLI; run
 * `pnpm build` first). A small Boolean system keeps every run to a second or two.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { CLI, cli, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-sample-');
const json = cliJson;

const at = (name: string) => join(dir, name);
const bytes = (p: string) => readFileSync(p, 'utf8');
/** ≈ 2.5M nets of a small system (P(S) ≈ 1.2e-3): long enough to interrupt, short enough for CI. */
const SYSTEM = ['sample', '--arch', 'fcn:8', '--n', '5', '--train-size', '12', '--seed', '3'];
const LONG = [...SYSTEM, '--accept', '3000', '--max-samples', '20000000'];

describe('fsbayes sample', () => {
  it('reports accepted, total, logPS with its interval, distinct, out; same seed, same bytes', () => {
    const a = at('small-a.json');
    const r = json([...SYSTEM, '--max-samples', '200000', '--out', a]);
    expect(r).toMatchObject({ mode: 'posterior', total: 200_000, out: a, stopped: 'samples', recheckDisagreements: 0 });
    expect(r.accepted).toBeGreaterThan(100);
    expect(r.logPS).toBeCloseTo(Math.log(r.accepted / r.total), 12);
    expect(r.logPSInterval[0]).toBeLessThan(r.logPS);
    expect(r.logPSInterval[1]).toBeGreaterThan(r.logPS);
    const t = FunctionTable.fromJSON(JSON.parse(bytes(a)));
    expect([t.total, t.distinct, t.m]).toEqual([r.accepted, r.distinct, 20]);
    // every accepted function fits S, so its errors are counted on E only; provenance records the counts
    expect(t.provenance?.experiment).toEqual({ kind: 'posterior', method: 'rejection' });
    expect(t.provenance?.extra).toMatchObject({ drawn: 200_000, accepted: r.accepted, mode: 'posterior' });
    expect(t.provenance?.shards).toEqual(['seed 3 nets [0, 200000)']);
    const first = bytes(a);
    json([...SYSTEM, '--max-samples', '200000', '--out', a, '--force']);
    expect(bytes(a)).toBe(first);
  });

  // The uninterrupted run's bytes; interrupted runs write to the same path (the path is in the recorded command).
  const run = at('run.json');
  let whole = '';
  let r: { total: number; next: number };

  it('a run stopped by its time limit and resumed equals an uninterrupted run, byte for byte', () => {
    r = json([...LONG, '--out', run]);
    expect(r).toMatchObject({ stopped: 'accept', accepted: 3000 });
    whole = bytes(run);
    rmSync(run);
    const part = run;
    // one thread (results never depend on it) keeps the run long enough to be cut on fast machines
    const p = json([...LONG, '--out', part, '--time-limit', '0.3', '--threads', '1']);
    expect(p.stopped).toBe('time');
    expect(p.accepted).toBeLessThan(3000);
    expect(existsSync(`${part}.ckpt`)).toBe(true);
    // without --resume an existing checkpoint is not overwritten
    const refused = cli([...LONG, '--out', part]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/run\.json\.ckpt exists: pass --resume/);
    const q = json([...LONG, '--out', part, '--resume']);
    expect(q).toMatchObject({ stopped: 'accept', accepted: 3000, total: r.total, next: r.next });
    expect(existsSync(`${part}.ckpt`)).toBe(false);
    expect(bytes(part)).toBe(whole);
  });

  it('killing a run mid-way loses no counted net: resume from its last checkpoint equals the whole', async () => {
    rmSync(run);
    const killed = run;
    const ckpt = `${killed}.ckpt`;
    const args = [CLI, ...LONG, '--out', killed, '--checkpoint-every', '0', '--threads', '1', '--quiet'];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise((res) => child.on('exit', res));
    const t0 = Date.now();
    while (!existsSync(ckpt) && Date.now() - t0 < 30_000) await new Promise((res) => setTimeout(res, 10));
    expect(existsSync(ckpt)).toBe(true);
    child.kill('SIGKILL'); // at once: a checkpoint is written after every batch
    await exited;
    expect(existsSync(killed)).toBe(false); // killed before the end
    const state = JSON.parse(bytes(ckpt)).state;
    expect(state.accepted).toBeGreaterThan(0);
    expect(state.accepted).toBeLessThan(3000);
    json([...LONG, '--out', killed, '--resume']);
    expect(bytes(killed)).toBe(whole);
  });

  it('N shards of one seed merged equal the whole run; overlapping shards are refused', () => {
    const whole = json([...SYSTEM, '--max-samples', '300000', '--out', at('w.json')]);
    const shards = [1, 2, 3].map((i) => {
      const out = at(`s${i}.json`);
      json([...SYSTEM, '--max-samples', '300000', '--shard', `${i}/3`, '--out', out]);
      return out;
    });
    const m = json(['merge', ...shards, '--out', at('merged.json')]);
    expect(m).toMatchObject({ inputs: 3, total: whole.accepted, distinct: whole.distinct, drawn: 300_000 });
    expect(m.accepted).toBe(whole.accepted);
    expect(m.logPS).toBeCloseTo(whole.logPS, 12);
    const a = JSON.parse(bytes(at('merged.json')));
    const b = JSON.parse(bytes(at('w.json')));
    expect(a.functions).toEqual(b.functions);
    expect(a.total).toBe(b.total);
    expect(a.provenance.shards).toHaveLength(3);
    const clash = cli(['merge', shards[0], shards[0], '--json']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/fsbayes merge: error: net ranges overlap/);
    // tables of different experiments never merge
    json([...SYSTEM, '--mode', 'prior', '--max-samples', '1000', '--out', at('prior.json')]);
    const other = cli(['merge', shards[0], at('prior.json')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/experiment identities differ/);
  });

  it('prior mode on a CNN and posterior mode on an MNIST subset', () => {
    const cnn = json([
      'sample',
      '--mode',
      'prior',
      '--dataset',
      'mnist',
      '--test-size',
      '16',
      '--arch',
      'cnn:c2k3s2,gap',
      '--max-samples',
      '300',
    ]);
    expect(cnn).toMatchObject({ mode: 'prior', accepted: 300, total: 300, logPS: 0, m: 16 });
    expect(cnn.backend.name).toBe('wasm');
    const mn = json([
      'sample',
      '--dataset',
      'mnist',
      '--train-size',
      '2',
      '--test-size',
      '10',
      '--arch',
      'fcn:16',
      '--max-samples',
      '4000',
    ]);
    // two points: P(S) is an orthant probability of a 2-d Gaussian, between 0 and 1/2
    expect(mn.accepted).toBeGreaterThan(200);
    expect(mn.pS).toBeLessThan(0.55);
  });

  it('frozen mode samples the readout given S and reports per-draw diagnostics', () => {
    const r = json([
      ...SYSTEM.slice(0, 1),
      '--mode',
      'frozen',
      ...SYSTEM.slice(1),
      '--accept',
      '300',
      '--features',
      '2',
      '--probe',
      '5000',
      '--out',
      at('frozen.json'),
    ]);
    expect(r).toMatchObject({ mode: 'frozen', accepted: 300, total: 10_000, features: 2 });
    expect(r.draws).toHaveLength(2);
    expect(r.draws[0].samples + r.draws[1].samples).toBe(300);
    const t = JSON.parse(bytes(at('frozen.json')));
    expect(t.provenance.experiment).toEqual({ kind: 'frozen-feature', features: 2 });
    // shards split the hidden-layer draws and merge into the whole
    const frozen = [
      ...SYSTEM.slice(0, 1),
      '--mode',
      'frozen',
      ...SYSTEM.slice(1),
      '--accept',
      '300',
      '--features',
      '2',
    ];
    for (const i of [1, 2]) json([...frozen, '--probe', '5000', '--shard', `${i}/2`, '--out', at(`fz${i}.json`)]);
    const m = json(['merge', at('fz1.json'), at('fz2.json'), '--out', at('fz.json')]);
    expect(m).toMatchObject({
      total: 300,
      drawn: 10_000,
      accepted: r.draws[0].probeAccepted + r.draws[1].probeAccepted,
    });
    expect(JSON.parse(bytes(at('fz.json'))).functions).toEqual(t.functions);
  });

  it('bad input gives one clear line and exit 1', () => {
    const cases: [string[], RegExp][] = [
      [[...SYSTEM, '--shard', '4/3'], /shard index must be between 1 and 3/],
      [[...SYSTEM, '--resume'], /--resume needs --out/],
      [[...SYSTEM, '--accept', '0'], /--accept must be a positive integer/],
      [['sample', '--n', '5'], /S is empty/],
      [['merge', at('missing.json')], /missing\.json/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(re);
    }
  });
});
