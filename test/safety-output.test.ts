/**
 * Issue 10, part 1 — never destroy what the user owns — and the output
 * items of part 3, through the built CLI: each case the issue lists, with
 * the behaviour wanted. Library-level checks (rollback after a failed
 * rename, a full disk, a read-only file system, locks, stale temporaries)
 * are in packages/core/test/outputs.test.ts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, FsbayesError } from '@fsbayes/core';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../scripts/src/cli/output.js';
import { CLI, cli, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-safety-');
const at = (...p: string[]) => join(dir, ...p);
const read = (p: string) => readFileSync(p, 'utf8');

/** `fsbayes …args` run in folder `cwd`. */
function cliIn(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tiny entropy experiment (about a second). */
const ENTROPY = ['repro', 'entropy', '--quiet', '--set', 'samples=2000', '--set', 'sigmaB=1', '--set', 'depth=1'];
/** A small SGD system (n = 5, |S| = 16, 5→12→12→1): about 600 runs a second on 2 cores. */
const SGD = ['sgd', '--n', '5', '--train-size', '16', '--arch', 'fcn:12,12', '--seed', '3', '--quiet'];
/** A rejection-sampling run of about ten seconds (the sampler test's system). */
const SAMPLE = ['sample', '--arch', 'fcn:8', '--n', '5', '--train-size', '12', '--seed', '3', '--quiet'];
const LONG_SAMPLE = [...SAMPLE, '--accept', '3000', '--max-samples', '20000000', '--threads', '1'];

async function until(what: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function background(args: string[]): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  return { child, exit: new Promise((res) => child.on('exit', (code) => res(code))) };
}

describe('never destroy what the user owns', () => {
  it('repro --out FILE (an existing file): refused, the file untouched, no folder made', () => {
    writeFileSync(at('f.txt'), 'my notes\n');
    const r = cli([...ENTROPY, '--out', at('f.txt'), '--force']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `fsbayes repro: error: --out ${at('f.txt')} is a file: fsbayes never turns it into a folder; give a new folder name\n`,
    );
    expect(read(at('f.txt'))).toBe('my notes\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('f.txt'))).toEqual(['f.txt']);
  });

  it('repro --out DIR (the user’s folder): refused even with --force, their files kept', () => {
    mkdirSync(at('mine'));
    writeFileSync(at('mine', 'data.csv'), '1,2,3\n');
    for (const force of [[], ['--force']]) {
      const r = cli([...ENTROPY, '--out', at('mine'), ...force]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is a folder fsbayes did not make \(no \.fsbayes-output in it\)/);
    }
    expect(readdirSync(at('mine'))).toEqual(['data.csv']);
    expect(read(at('mine', 'data.csv'))).toBe('1,2,3\n');
  });

  it('repro --out rr/ (trailing slash) writes rr; --out . is refused and the folder left as it was', () => {
    const work = at('cwd');
    mkdirSync(work);
    writeFileSync(join(work, 'keep.txt'), 'x');
    const ok = cliIn(work, [...ENTROPY, '--out', 'rr/']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(join(work, 'rr'))).toEqual(
      expect.arrayContaining(['.fsbayes-output', 'report.md', 'p-of-t.csv']),
    );
    const here = cliIn(work, [...ENTROPY, '--out', '.', '--force']);
    expect(here.code).toBe(1);
    expect(here.stderr).toMatch(/--out \. is the folder you are in: fsbayes never replaces it/);
    expect(readdirSync(work).sort()).toEqual(['keep.txt', 'rr']);
    // the folder fsbayes made is replaced only with --force, and then whole
    expect(cliIn(work, [...ENTROPY, '--out', 'rr']).stderr).toMatch(
      /exists \(an earlier fsbayes output\): pass --force/,
    );
    expect(cliIn(work, [...ENTROPY, '--out', 'rr', '--force']).code).toBe(0);
  });

  it('--out T.json --csv-out UNWRITABLE: refused before training, T.json not written', () => {
    writeFileSync(at('plain'), 'a file, not a folder');
    const r = cli([...SGD, '--runs', '1000000000', '--out', at('t.json'), '--csv-out', at('plain', 't.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `fsbayes sgd: error: cannot write --csv-out ${at('plain', 't.csv')}: ${at('plain')} is a file, not a folder; choose another path\n`,
    );
    expect(existsSync(at('t.json'))).toBe(false);
    expect(existsSync(at('t.json.lock'))).toBe(false);
  });

  it('output problems surface before any compute: huge runs end at once with the path and what to do', () => {
    writeFileSync(at('taken.json'), 'user data');
    mkdirSync(at('adir'), { recursive: true });
    const cases: [string[], string][] = [
      [
        ['functions', '--samples', '1e12', '--out', at('taken.json')],
        `--out ${at('taken.json')} exists: pass --force to replace it, or choose another name`,
      ],
      [
        [...SAMPLE, '--max-samples', '1e15', '--out', at('adir'), '--force'],
        `--out ${at('adir')} is a folder: fsbayes never replaces a folder with a file`,
      ],
      [
        [...SGD, '--runs', '1e9', '--out', at('sgd-dir/')],
        `--out ${at('sgd-dir/')} names a folder, but this writes a file`,
      ],
      [
        ['demo', '--samples', '1e12', '--out', at('plain', 'demo.json')],
        `cannot write --out ${at('plain', 'demo.json')}: ${at('plain')} is a file, not a folder`,
      ],
    ];
    writeFileSync(at('plain'), 'a file, not a folder');
    for (const [args, msg] of cases) {
      const r = cli(args, 60_000); // the computations would take hours: ending at all means they never started
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(msg);
    }
    expect(read(at('taken.json'))).toBe('user data');
    expect(readdirSync(at('adir'))).toEqual([]);
    expect(existsSync(at('sgd-dir'))).toBe(false);
  });

  it('sgd refuses an existing checkpoint without --resume, as sample does, and a racing run by its lock; SIGINT checkpoints, exit 130', async () => {
    const out = at('sgd-long.json');
    const csv = at('sgd-long.csv');
    const args = [...SGD, '--runs', '100000', '--out', out, '--csv-out', csv, '--checkpoint-every', '0'];
    const first = background(args);
    await until(() => existsSync(`${out}.ckpt`)); // the first checkpoint comes after one small job
    const again = cli(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `fsbayes sgd: error: ${out}.ckpt exists: pass --resume to continue that run, or delete it\n`,
    );
    const racing = cli([...args, '--resume']);
    expect(racing.code).toBe(1);
    expect(racing.stderr).toMatch(
      new RegExp(`checkpoint ${out}\\.ckpt is in use by another fsbayes run \\(pid ${first.child.pid} on this host`),
    );
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(130);
    const ckpt = JSON.parse(read(`${out}.ckpt`));
    expect(ckpt.state.done).toBeGreaterThan(0);
    expect(ckpt.state.done).toBeLessThan(100000);
    expect(readdirSync(dir).filter((f) => f.startsWith('sgd-long'))).toEqual(['sgd-long.json.ckpt']);
  });

  it('sgd interrupted by SIGINT and resumed ends with the table of an uninterrupted run', async () => {
    const out = at('sgd.json');
    const csv = at('sgd.csv');
    const args = [...SGD, '--runs', '600', '--lr', '0.05', '--out', out, '--csv-out', csv, '--checkpoint-every', '0'];
    const first = background(args);
    await until(() => existsSync(`${out}.ckpt`));
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(130);
    expect(JSON.parse(read(`${out}.ckpt`)).state.done).toBeLessThan(600);
    expect([existsSync(out), existsSync(csv)]).toEqual([false, false]);
    const resumed = cli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const whole = cli([...SGD, '--runs', '600', '--lr', '0.05', '--csv-out', at('sgd-whole.csv')]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(read(csv)).toBe(read(at('sgd-whole.csv'))); // the CSV carries no command line
    expect(existsSync(`${out}.ckpt`)).toBe(false);
    // the recorded command has no run-control flags (--resume, --checkpoint-every, --quiet); the shard name is core's
    const p = JSON.parse(read(out)).provenance;
    expect(p.command).toBe(
      `fsbayes ${[...SGD.filter((x) => x !== '--quiet'), '--runs', '600', '--lr', '0.05', '--out', out, '--csv-out', csv].join(' ')}`,
    );
    expect(p.shards).toEqual(['seed 3 nets [0, 600)']);
  });

  it('two sample runs on one --out: the second is refused by the lock; SIGTERM checkpoints and exits 143', async () => {
    const out = at('rs.json');
    const args = [...LONG_SAMPLE, '--out', out, '--checkpoint-every', '0'];
    const first = background(args);
    await until(() => existsSync(`${out}.ckpt`));
    const second = cli([...args, '--resume']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is in use by another fsbayes run \(pid \d+ on this host, since .*\): wait for it/);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(143);
    const state = JSON.parse(read(`${out}.ckpt`)).state;
    expect(state.drawn).toBeGreaterThan(0);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('rs.json'))).toEqual(['rs.json.ckpt']);
  });

  it('a stale temporary of a killed write is removed by the next write there', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const out = at('fn.json');
    writeFileSync(`${out}.tmp-${dead}-1`, '{"half": ');
    const r = cli(['functions', '--arch', 'fcn:4', '--n', '4', '--samples', '100', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('fn.json'))).toEqual(['fn.json']);
  });

  it('compare --out: a report folder appears whole, is replaced only when fsbayes made it, never over a file', () => {
    const t = (name: string, seed: string) => {
      const p = at(name);
      const r = cli(['functions', '--arch', 'fcn:4', '--n', '4', '--samples', '300', '--seed', seed, '--out', p]);
      expect(r.code, r.stderr).toBe(0);
      return p;
    };
    const a = t('ca.json', '1');
    const b = t('cb.json', '2');
    const base = ['compare', a, b, '--bootstrap', '0', '--quiet'];
    expect(cli([...base, '--out', at('f.txt')]).stderr).toMatch(/is a file: fsbayes never turns it into a folder/);
    expect(cli([...base, '--out', at('mine'), '--force']).stderr).toMatch(/fsbayes did not make/);
    expect(cli([...base, '--out', at('cmp/')]).code).toBe(0);
    const files = readdirSync(at('cmp'));
    expect(files).toEqual(expect.arrayContaining(['.fsbayes-output', 'report.md', 'metrics.json', 'joint.csv']));
    const marker = JSON.parse(read(at('cmp', '.fsbayes-output')));
    expect(marker.files.sort()).toEqual(files.filter((f) => f !== '.fsbayes-output').sort());
    expect(readdirSync(dir).filter((f) => f.startsWith('cmp'))).toEqual(['cmp']); // no staging, no lock
  });

  it('an error that is not an FsbayesError is reported as a bug, in one line; the stack only with FSBAYES_DEBUG', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      lines.push(String(s));
      return true;
    });
    const debug = process.env.FSBAYES_DEBUG;
    try {
      delete process.env.FSBAYES_DEBUG;
      await run(
        'x',
        () => {
          throw new FsbayesError('bad value 3');
        },
        null,
      )({});
      expect(process.exitCode).toBe(1);
      await run(
        'x',
        () => {
          throw new TypeError('undefined is not a function');
        },
        null,
      )({});
      expect(lines).toEqual([
        'fsbayes x: error: bad value 3\n',
        'fsbayes x: internal error (a bug; please report it with the command line): undefined is not a function\nRun with FSBAYES_DEBUG=1 for the stack trace.\n',
      ]);
      process.env.FSBAYES_DEBUG = '1';
      lines.length = 0;
      await run(
        'x',
        () => {
          throw new TypeError('boom');
        },
        null,
      )({});
      expect(lines[0]).toBe('fsbayes x: internal error (a bug; please report it with the command line): boom\n');
      expect(lines[1]).toMatch(/^TypeError: boom\n\s+at /);
    } finally {
      spy.mockRestore();
      process.exitCode = undefined;
      if (debug === undefined) delete process.env.FSBAYES_DEBUG;
      else process.env.FSBAYES_DEBUG = debug;
    }
  });
});

describe('results are the same bytes for the same command (issue 10, part 3)', () => {
  it('summary.json and the report carry no wall-clock time (it is in timings.json); same command, same bytes', () => {
    const out = at('ent');
    expect(cli([...ENTROPY, '--out', out]).code).toBe(0);
    const first = Object.fromEntries(['summary.json', 'report.md', 'p-of-t.csv'].map((f) => [f, read(join(out, f))]));
    expect(first['summary.json']).not.toMatch(/"seconds"/);
    expect(first['report.md']).not.toMatch(/\d s\b/);
    expect(JSON.parse(read(join(out, 'timings.json'))).seconds).toBeGreaterThan(0);
    expect(cli([...ENTROPY, '--out', out, '--force']).code).toBe(0);
    for (const [f, text] of Object.entries(first)) expect(read(join(out, f)), f).toBe(text);
  });

  it('boolean: tN-pb.json has no seconds; the report’s "Made by" line repeats every --set', () => {
    const sets = [
      'flips=0',
      'sgdRuns=50',
      'rejectionNets=20000',
      'rejectionAccept=5',
      'pbLimit=5',
      'bootstrap=0',
      'minCount=1',
    ];
    const out = at('bool');
    const r = cli(['repro', 'boolean', '--out', out, '--quiet', ...sets.flatMap((s) => ['--set', s])], 300_000);
    expect(r.code, r.stderr).toBe(0);
    const pb = JSON.parse(read(join(out, 't0-pb.json')));
    expect(pb.format).toBe('fsbayes.pb');
    expect('seconds' in pb).toBe(false);
    // Wall-clock time lives in timings.json only.
    expect(JSON.parse(read(join(out, 'timings.json'))).seconds).toBeGreaterThan(0);
    const made = `fsbayes repro boolean --scale small --seed 1 ${sets.map((s) => `--set ${s}`).join(' ')}`;
    expect(read(join(out, 'report.md'))).toContain(`Made by \`${made}\``);
    // and so do the tables' provenance
    expect(JSON.parse(read(join(out, 't0-sgd.json'))).provenance.command).toBe(made);
  });

  it('a corrupt stage file under <out>.partial/stages is named, with what to do', () => {
    const out = at('ent2');
    const work = `${out}.partial`;
    mkdirSync(join(work, 'stages'), { recursive: true });
    const overrides = { samples: 2000, sigmaB: 1, depth: 1 };
    writeFileSync(join(work, 'run.json'), canonicalJson({ experiment: 'entropy', scale: 'small', seed: 1, overrides }));
    writeFileSync(join(work, 'stages', 'prior-0.json'), 'garbage');
    const r = cli([...ENTROPY, '--out', out, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `fsbayes repro: error: ${join(work, 'stages', 'prior-0.json')}: the saved step 'prior-0' of the interrupted run is unreadable (`,
    );
    expect(r.stderr).toContain(`delete that file to recompute the step, or delete ${work} to start afresh`);
    rmSync(join(work, 'stages', 'prior-0.json'));
    const again = cli([...ENTROPY, '--out', out, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(work)).toBe(false);
  });
});
