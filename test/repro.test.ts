/**
 * The paper experiments end to end through the built CLI, shrunk with --set
 * so they take seconds: the science must show qualitatively (SGD's favourite
 * function is among the most probable under P_B, the log-log correlation of
 * P_SGD and P_B is clearly positive; Theorem 4.1 holds), and the folder gets
 * its report, plots and summary.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPERIMENTS } from '@fsbayes/experiments';
import { afterAll, describe, expect, it } from 'vitest';
import { schemaErrors } from '../packages/core/test/schema-validator.js';

const CLI = new URL('../scripts/dist/cli.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fsbayes-repro-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function repro(name: string, sets: string[]) {
  const out = join(dir, name);
  const args = [CLI, 'repro', name, '--out', out, '--json', '--quiet', ...sets.flatMap((s) => ['--set', s])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
  expect(r.status, r.stderr).toBe(0);
  return { out, summary: JSON.parse(r.stdout) };
}

describe('repro', () => {
  it('the registry lists fashion beside mnist, and every experiment has its root npm script', () => {
    const names = EXPERIMENTS.map((e) => e.name);
    expect(names).toContain('fashion');
    expect(names.indexOf('fashion')).toBe(names.indexOf('mnist') + 1);
    const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const n of names) expect(root.scripts[`repro:${n}`], n).toBe(`node scripts/dist/cli.js repro ${n}`);
    // The presets: small as mnist's, full at the paper's |S| = 10^4, |E| = 100.
    const ctx = (scale: 'small' | 'full', name: string) => ({ name, scale, out: '', seed: 1, quiet: true });
    const fashion = EXPERIMENTS.find((e) => e.name === 'fashion')!;
    const mnist = EXPERIMENTS.find((e) => e.name === 'mnist')!;
    expect(fashion.settings(ctx('small', 'fashion'))).toEqual(mnist.settings(ctx('small', 'mnist')));
    expect(fashion.settings(ctx('full', 'fashion'))).toMatchObject({ trainSize: 10000, testSize: 100 });
    // Sizes are checked against the 70,000 images before anything loads.
    expect(() => fashion.settings({ ...ctx('small', 'fashion'), overrides: { trainSize: 69990 } })).toThrow(
      /trainSize 69990 \+ testSize 20 = 70010 exceeds the 70000 images of the fashion-mnist package/,
    );
  });

  it('boolean: SGD finds the functions P_B favours (small run)', () => {
    const { out, summary } = repro('boolean', [
      'flips=0',
      'sgdRuns=400',
      'rejectionNets=300000',
      'rejectionAccept=100',
      'pbLimit=40',
      'bootstrap=10',
      'minCount=2',
    ]);
    const t = summary.targets[0];
    expect(t.sgd.fitted + t.sgd.notFitted).toBe(400);
    // the most frequent SGD function is among the three most probable under P_B
    expect(t.sgdTopRankUnderPB).toBeGreaterThanOrEqual(1);
    expect(t.sgdTopRankUnderPB).toBeLessThanOrEqual(3);
    const pair = t.pairs.find((p: { a: string; b: string }) => p.a === 'SGD' && p.b === 'P_B');
    expect(pair.n).toBeGreaterThanOrEqual(5);
    expect(pair.pearsonLog).toBeGreaterThan(0.5);
    for (const f of ['report.md', 'report.html', 'summary.json', 't0-sgd.json', 't0-pb.json', 't0-rank.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
    // every output format against its schema (packages/core/schemas)
    const read = (f: string) => JSON.parse(readFileSync(join(out, f), 'utf8'));
    expect(schemaErrors('summary', read('summary.json'))).toEqual([]);
    expect(schemaErrors('function-table', read('t0-sgd.json'))).toEqual([]);
    expect(schemaErrors('function-table', read('t0-rejection.json'))).toEqual([]);
    expect(schemaErrors('pb-file', read('t0-pb.json'))).toEqual([]);
    expect(schemaErrors('metrics', read('t0-metrics.json'))).toEqual([]);
    // the report opens with the cross-target summary, intervals beside the statistics
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md.indexOf('## Summary across targets')).toBeLessThan(md.indexOf('## Target '));
    // the overview's log P(S) columns: Botev ± s.e., then EP, each the value summary.json records for it
    const row = md.split('\n').find((l) => l.startsWith('| 0 | 28 |'))!;
    const cells = row.split('|').map((c) => c.trim().replace(/−/g, '-'));
    // (table cells carry 4 significant digits)
    expect(cells[3]).toBe(`${Number(t.logPS_Botev.toPrecision(4))} ± ${t.logPS_BotevStderr.toFixed(3)}`);
    expect(Number(cells[4])).toBe(Number(t.logPS_EP.toPrecision(4)));
    expect(t.logPS_EP).not.toBe(t.logPS_Botev);
    expect(cells[5]).toMatch(/\[.*\]/);
  }, 300_000); // a small repro: ~45 s alone on 2 cores, several times that under load

  it('entropy: Theorem 4.1 holds and bias raises P(T = 0)', () => {
    const { summary } = repro('entropy', ['samples=20000', 'sigmaB=1,5', 'depth=1']);
    expect(schemaErrors('summary', summary)).toEqual([]);
    expect(summary.theorem41.t128Count).toBe(0);
    expect(summary.theorem41.pValue).toBeGreaterThan(1e-4);
    expect(summary.bias[1].pT0).toBeGreaterThan(summary.bias[0].pT0);
  });

  it('rejects an unknown setting, naming the valid ones, and writes nothing', () => {
    const out = join(dir, 'bad');
    const r = spawnSync(process.execPath, [CLI, 'repro', 'bound', '--out', out, '--set', 'sizes=5'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown setting 'sizes' for bound; settings: trainSize, corruption, testSize/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('repro --resume', () => {
  it('a run killed after some steps continues from them and ends with the same numbers as an uninterrupted run', async () => {
    const sets = ['samples=200000', 'sigmaB=1', 'depth=2'].flatMap((s) => ['--set', s]);
    const whole = join(dir, 'entropy-whole');
    const r0 = spawnSync(process.execPath, [CLI, 'repro', 'entropy', '--out', whole, '--json', '--quiet', ...sets], {
      encoding: 'utf8',
    });
    expect(r0.status, r0.stderr).toBe(0);

    const out = join(dir, 'entropy-killed');
    const child = spawn(process.execPath, [CLI, 'repro', 'entropy', '--out', out, '--quiet', ...sets]);
    const marker = join(`${out}.partial`, 'stages', 'prior-1.json');
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL'); // no handler runs: the finished steps must already be on disk
    await exited;
    expect(existsSync(out)).toBe(false);

    const again = spawnSync(process.execPath, [CLI, 'repro', 'entropy', '--out', out, '--quiet', ...sets], {
      encoding: 'utf8',
    });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/holds an unfinished run: continue it with --resume/);

    const resumed = spawnSync(
      process.execPath,
      [CLI, 'repro', 'entropy', '--out', out, '--json', '--resume', ...sets],
      { encoding: 'utf8' },
    );
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed: prior-0/);
    expect(resumed.stderr).toMatch(/resumed: prior-1/);
    const strip = (s: string) => {
      const { seconds: _s, out: _o, files: _f, ...rest } = JSON.parse(s);
      return rest;
    };
    expect(strip(resumed.stdout)).toEqual(strip(r0.stdout));
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(existsSync(join(out, 'stages'))).toBe(false);
    expect(readFileSync(join(out, 'p-of-t.csv'), 'utf8')).toBe(readFileSync(join(whole, 'p-of-t.csv'), 'utf8'));
  }, 400_000);
});

describe('repro --resume inside a step', () => {
  const strip = (s: string) => {
    const { seconds: _s, out: _o, files: _f, ...rest } = JSON.parse(s);
    return rest;
  };
  /** Start `args`, SIGKILL it once `marker` exists (a checkpoint inside a step), then resume; the resumed run's stdout/stderr. */
  async function killThenResume(args: string[], out: string, marker: string) {
    const child = spawn(process.execPath, [CLI, ...args, '--out', out, '--quiet', '--checkpoint-every', '0.01']);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    while (!existsSync(marker) && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(out), 'the run was killed before it finished').toBe(false);
    const r = spawnSync(process.execPath, [CLI, ...args, '--out', out, '--json', '--resume'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
    return r;
  }

  it('a prior table killed mid-count (spilled runs and a snapshot on disk) continues from its checkpoint: same bytes', async () => {
    const args = ['repro', 'simplicity', '--set', 'samples=300000', '--table-memory', '2MiB'];
    const whole = join(dir, 'simplicity-whole');
    const r0 = spawnSync(process.execPath, [CLI, ...args, '--out', whole, '--json', '--quiet'], { encoding: 'utf8' });
    expect(r0.status, r0.stderr).toBe(0);
    const out = join(dir, 'simplicity-killed');
    const r = await killThenResume(args, out, join(`${out}.partial`, 'stages', 'prior-0.ckpt'));
    const at = /prior-0: resuming at net (\d+): \d+ of 300000 nets counted/.exec(r.stderr);
    expect(at, r.stderr).not.toBeNull();
    expect(Number(at?.[1])).toBeGreaterThan(0);
    expect(strip(r.stdout)).toEqual(strip(r0.stdout));
    expect(readFileSync(join(out, 'functions.csv'))).toEqual(readFileSync(join(whole, 'functions.csv')));
    // the whole table is kept among the results (functions.csv omits the rarest), the same bytes
    expect(readFileSync(join(out, 'prior-sigma-b-1.arrow'))).toEqual(
      readFileSync(join(whole, 'prior-sigma-b-1.arrow')),
    );
    expect(JSON.parse(r.stdout).results[0].table).toBe('prior-sigma-b-1.arrow');
  }, 300_000);

  it('an SGD ensemble killed mid-run continues from its checkpoint: every result file has the same bytes', async () => {
    const sets = [
      'flips=0',
      'sgdRuns=1500',
      'rejectionNets=300000',
      'rejectionAccept=300',
      'pbLimit=5',
      'botevSamples=1000',
      'bootstrap=10',
    ].flatMap((s) => ['--set', s]);
    const args = ['repro', 'boolean', ...sets];
    const whole = join(dir, 'boolean-whole');
    const r0 = spawnSync(process.execPath, [CLI, ...args, '--out', whole, '--json', '--quiet'], { encoding: 'utf8' });
    expect(r0.status, r0.stderr).toBe(0);
    const out = join(dir, 'boolean-killed');
    const r = await killThenResume(args, out, join(`${out}.partial`, 'stages', 't0-sgd.ckpt'));
    const at = /t0-sgd: resuming from .*: (\d+) of 1500 runs done/.exec(r.stderr);
    expect(at, r.stderr).not.toBeNull();
    // later steps had not started: they start without a word
    expect(r.stderr).not.toMatch(/no checkpoint at/);
    expect(strip(r.stdout)).toEqual(strip(r0.stdout));
    for (const f of ['t0-sgd.json', 't0-rejection.json', 't0-pb.json', 't0-pb-ep.json', 'summary.json', 'report.md'])
      expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(whole, f), 'utf8'));
  }, 300_000);
});
