/**
 * Output safety (core run/outputs, run/locks, run/driver, functions/io):
 * the policy for existing targets, lock files, multi-file commits that roll
 * back, I/O errors that name the user's path, and stale temporaries.
 * Faults (a full disk, a read-only file system, a failing rename) are
 * injected through a mock of node:fs that passes everything else through.
 */
import { spawnSync } from 'node:child_process';
import * as realFs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FsbayesError } from '../src/errors/index.js';
import { ioError, writeFileAtomicSync, writeFilesAtomicSync } from '../src/functions/io.js';
import {
  acquireLock,
  checkOutput,
  OUTPUT_MARKER,
  prepareOutputs,
  ResumableRun,
  readOutputMarker,
  recordedCommand,
} from '../src/run/index.js';

/** Faults to inject: the next matching call throws an error with this code. */
const faults: { op: 'openSync' | 'writeSync' | 'renameSync'; match: (p: unknown) => boolean; code: string }[] = [];

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const inject =
    <A extends unknown[], R>(op: 'openSync' | 'writeSync' | 'renameSync', f: (...a: A) => R) =>
    (...args: A): R => {
      const i = faults.findIndex((x) => x.op === op && x.match(op === 'renameSync' ? args[1] : args[0]));
      if (i >= 0) {
        const { code } = faults.splice(i, 1)[0];
        const target = String(op === 'renameSync' ? args[1] : args[0]);
        throw Object.assign(new Error(`${code}: injected, ${op} '${target}'`), { code, path: target });
      }
      return f(...args);
    };
  return {
    ...fs,
    openSync: inject('openSync', fs.openSync as (...a: unknown[]) => number),
    writeSync: inject('writeSync', fs.writeSync as (...a: unknown[]) => number),
    renameSync: inject('renameSync', fs.renameSync),
  };
});

const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } = realFs;
const root = realFs.mkdtempSync(join(tmpdir(), 'fsbayes-outputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  faults.length = 0;
});

let n = 0;
/** A fresh folder per test. */
function fresh(): string {
  n += 1;
  const d = join(root, `t${n}`);
  mkdirSync(d);
  return d;
}

/** The pid of a process that has exited (so is dead). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid as number;
}

const thrown = (f: () => unknown): FsbayesError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FsbayesError);
    return e as FsbayesError;
  }
  throw new Error('expected a throw');
};

describe('output policy', () => {
  it('a new file target: its folders are made and it is locked; abandon removes both again', () => {
    const d = fresh();
    const target = join(d, 'a', 'b', 'r.json');
    const p = prepareOutputs([{ path: target, kind: 'file' }]);
    expect(existsSync(join(d, 'a', 'b'))).toBe(true);
    const lock = JSON.parse(readFileSync(`${target}.lock`, 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    p.abandon();
    expect(readdirSync(d)).toEqual([]);
  });

  it('an existing file is replaced only with --force (or when the caller marks it replaceable)', () => {
    const d = fresh();
    const f = join(d, 'r.json');
    writeFileSync(f, 'mine');
    expect(thrown(() => checkOutput({ path: f, kind: 'file' })).message).toBe(
      `--out ${f} exists: pass --force to replace it, or choose another name`,
    );
    expect(checkOutput({ path: f, kind: 'file' }, { force: true }).exists).toBe(true);
    expect(checkOutput({ path: f, kind: 'file', replaceable: true }).exists).toBe(true);
    const p = prepareOutputs([{ path: f, kind: 'file' }], { force: true });
    p.writeFiles([{ path: f, data: 'new' }]);
    p.release();
    expect(readFileSync(f, 'utf8')).toBe('new');
  });

  it('a file target is never a folder, a link, ".", or a name ending in "/"; a file in the way of its folder is named', () => {
    const d = fresh();
    mkdirSync(join(d, 'dir'));
    writeFileSync(join(d, 'plain'), 'x');
    symlinkSync(join(d, 'plain'), join(d, 'link'));
    const force = { force: true };
    expect(thrown(() => checkOutput({ path: join(d, 'dir'), kind: 'file' }, force)).message).toMatch(
      /is a folder: fsbayes never replaces a folder with a file/,
    );
    expect(thrown(() => checkOutput({ path: join(d, 'link'), kind: 'file' }, force)).message).toMatch(
      /is not a plain file/,
    );
    expect(thrown(() => checkOutput({ path: 'rr/', kind: 'file' })).message).toMatch(/rr\/ names a folder/);
    expect(thrown(() => checkOutput({ path: '.', kind: 'file' })).message).toMatch(/names a folder/);
    const e = thrown(() => checkOutput({ path: join(d, 'plain', 'x.json'), kind: 'file', flag: '--csv-out' }));
    expect(e.message).toBe(
      `cannot write --csv-out ${join(d, 'plain', 'x.json')}: ${join(d, 'plain')} is a file, not a folder; choose another path`,
    );
    expect(e.kind).toBe('io');
    expect(readFileSync(join(d, 'plain'), 'utf8')).toBe('x');
  });

  it('a folder target: a file, a folder fsbayes did not make, ".", "/" and folders above are refused even with --force', () => {
    const d = fresh();
    writeFileSync(join(d, 'f.txt'), 'mine');
    mkdirSync(join(d, 'user'));
    writeFileSync(join(d, 'user', 'data.csv'), '1,2');
    const force = { force: true };
    expect(thrown(() => checkOutput({ path: join(d, 'f.txt'), kind: 'folder' }, force)).message).toMatch(
      /is a file: fsbayes never turns it into a folder/,
    );
    expect(thrown(() => checkOutput({ path: join(d, 'user'), kind: 'folder' }, force)).message).toMatch(
      /is a folder fsbayes did not make \(no \.fsbayes-output in it\): fsbayes never deletes what is in it, even with --force/,
    );
    for (const p of ['.', './', '..', '/'])
      expect(thrown(() => checkOutput({ path: p, kind: 'folder' }, force)).message).toMatch(
        /is the folder you are in( or one above it)?: fsbayes never replaces it/,
      );
    expect(readdirSync(join(d, 'user'))).toEqual(['data.csv']);
    // a trailing slash names the same folder
    expect(checkOutput({ path: `${join(d, 'new')}/`, kind: 'folder' }).path).toBe(join(d, 'new'));
  });

  it('an fsbayes folder is replaced whole with --force, never with files it did not write in it', async () => {
    const d = fresh();
    const out = join(d, 'rep');
    const build = (files: Record<string, string>) => (dir: string) => {
      for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, k), v);
    };
    let p = prepareOutputs([{ path: out, kind: 'folder' }], { command: 'fsbayes compare a b' });
    await p.writeFolder(out, build({ 'one.md': '1', 'two.json': '2' }));
    p.release();
    expect(readOutputMarker(out)).toMatchObject({ command: 'fsbayes compare a b', files: ['one.md', 'two.json'] });
    expect(thrown(() => checkOutput({ path: out, kind: 'folder' })).message).toMatch(/pass --force to replace it/);
    p = prepareOutputs([{ path: out, kind: 'folder' }], { force: true });
    await p.writeFolder(out, build({ 'three.md': '3' }));
    p.release();
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'three.md']);
    writeFileSync(join(out, 'notes.txt'), 'my notes');
    expect(thrown(() => checkOutput({ path: out, kind: 'folder' }, { force: true })).message).toMatch(
      /holds files fsbayes did not write \(notes\.txt\)/,
    );
    expect(readdirSync(d).sort()).toEqual(['rep']); // no staging folder, no lock left
  });

  it('a folder whose build fails (a full disk) leaves the earlier folder as it was and no staging folder', async () => {
    const d = fresh();
    const out = join(d, 'rep');
    let p = prepareOutputs([{ path: out, kind: 'folder' }]);
    await p.writeFolder(out, (dir) => writeFileSync(join(dir, 'old.md'), 'old'));
    p.release();
    p = prepareOutputs([{ path: out, kind: 'folder' }], { force: true });
    faults.push({ op: 'writeSync', match: () => true, code: 'ENOSPC' });
    await expect(p.writeFolder(out, (dir) => writeFileAtomicSync(join(dir, 'new.md'), 'new'))).rejects.toThrow(
      /^cannot write .*new\.md: the disk is full/,
    );
    p.abandon();
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'old.md']);
    expect(readdirSync(d)).toEqual(['rep']);
  });

  it('two outputs with one path are refused', () => {
    const d = fresh();
    const f = join(d, 'x.json');
    expect(
      thrown(() =>
        prepareOutputs([
          { path: f, kind: 'file' },
          { path: f, kind: 'file', flag: '--csv-out' },
        ]),
      ).message,
    ).toMatch(/--out and --csv-out name the same path/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('stale staging folders and temporaries of dead processes are removed, live ones kept', () => {
    const d = fresh();
    const dead = deadPid();
    const out = join(d, 'rep');
    mkdirSync(`${out}.tmp-${dead}-1`);
    writeFileSync(join(`${out}.tmp-${dead}-1`, OUTPUT_MARKER), '{}');
    mkdirSync(`${out}.tmp-${dead}-2`); // no marker: not known to be ours, kept
    const f = join(d, 'x.json');
    writeFileSync(`${f}.tmp-${dead}-7`, 'half');
    writeFileSync(`${f}.tmp-${process.pid}-99999`, 'being written');
    writeFileSync(`${f}.tmp-notapid`, 'other');
    prepareOutputs([{ path: out, kind: 'folder' }]).release();
    writeFileAtomicSync(f, 'whole');
    expect(readdirSync(d).sort()).toEqual(
      ['rep.tmp-' + dead + '-2', 'x.json', `x.json.tmp-${process.pid}-99999`, 'x.json.tmp-notapid'].sort(),
    );
  });
});

describe('locks', () => {
  it('a second run on a locked path is refused with the owner; a lock of a dead process is taken over', () => {
    const d = fresh();
    const f = join(d, 'x.json');
    const lock = acquireLock(f, `--out ${f}`);
    expect(thrown(() => acquireLock(f, `--out ${f}`)).message).toMatch(/is used twice by this run/);
    lock.release();
    expect(existsSync(`${f}.lock`)).toBe(false);
    // another live process (our parent) holds it
    writeFileSync(`${f}.lock`, JSON.stringify({ pid: process.ppid, host: hostname(), since: 'then' }));
    expect(thrown(() => acquireLock(f, `--out ${f}`)).message).toBe(
      `--out ${f} is in use by another fsbayes run (pid ${process.ppid} on this host, since then): wait for it to finish, or delete ${f}.lock if that run is gone`,
    );
    // on another host: never taken over (its pid means nothing here)
    writeFileSync(`${f}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere', since: 'then' }));
    expect(thrown(() => acquireLock(f)).message).toMatch(/pid 1 on host elsewhere/);
    // garbage is not taken for a lock of a dead run
    writeFileSync(`${f}.lock`, 'garbage');
    expect(thrown(() => acquireLock(f)).message).toMatch(/not a readable fsbayes lock: if no fsbayes run is using/);
    // a dead process's lock is stale
    writeFileSync(`${f}.lock`, JSON.stringify({ pid: deadPid(), host: hostname(), since: 'then' }));
    const l2 = acquireLock(f);
    expect(JSON.parse(readFileSync(`${f}.lock`, 'utf8')).pid).toBe(process.pid);
    // release removes only our own lock
    writeFileSync(`${f}.lock`, JSON.stringify({ pid: process.ppid, host: hostname(), since: 'later' }));
    l2.release();
    expect(existsSync(`${f}.lock`)).toBe(true);
    expect(readdirSync(d)).toEqual(['x.json.lock']);
  });
});

describe('atomic multi-file writes', () => {
  it('a failed rename of the second file restores the first: both old, or both new', () => {
    const d = fresh();
    const a = join(d, 'a.json');
    const b = join(d, 'b.csv');
    writeFileSync(a, 'old a');
    writeFileSync(b, 'old b');
    faults.push({ op: 'renameSync', match: (p) => p === b, code: 'EIO' });
    const e = thrown(() =>
      writeFilesAtomicSync([
        { path: a, data: 'new a' },
        { path: b, data: 'new b' },
      ]),
    );
    expect(e.kind).toBe('io');
    expect(e.message).toBe(`cannot write ${b}: the device reported an I/O error: check the disk (EIO)`);
    expect([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).toEqual(['old a', 'old b']);
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.csv']);
    writeFilesAtomicSync([
      { path: a, data: 'new a' },
      { path: b, data: 'new b' },
    ]);
    expect([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).toEqual(['new a', 'new b']);
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.csv']);
  });

  it('a file that did not exist before is removed again when a later one fails', () => {
    const d = fresh();
    const a = join(d, 'a.json');
    const b = join(d, 'b.csv');
    faults.push({ op: 'renameSync', match: (p) => p === b, code: 'ENOSPC' });
    thrown(() =>
      writeFilesAtomicSync([
        { path: a, data: 'a' },
        { path: b, data: 'b' },
      ]),
    );
    expect(readdirSync(d)).toEqual([]);
  });

  it('a full disk or a read-only file system: the message names the user’s path and what to do, never the temporary', () => {
    const d = fresh();
    const f = join(d, 'r.json');
    writeFileSync(f, 'old');
    faults.push({ op: 'writeSync', match: () => true, code: 'ENOSPC' });
    let e = thrown(() => writeFileAtomicSync(f, 'new'));
    expect(e.message).toBe(
      `cannot write ${f}: the disk is full: free some space (or choose another location) and run again (ENOSPC)`,
    );
    faults.push({ op: 'openSync', match: (p) => String(p).startsWith(`${f}.tmp-`), code: 'EROFS' });
    e = thrown(() => writeFileAtomicSync(f, 'new'));
    expect(e.message).toBe(`cannot write ${f}: the file system is read-only: choose a writable location (EROFS)`);
    expect(e.message).not.toContain('.tmp-');
    expect(readFileSync(f, 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['r.json']);
  });

  it('ioError: every mapped code says what to do; an unknown one keeps Node’s text with the user’s path', () => {
    const p = '/data/out.json';
    for (const code of ['ENOSPC', 'EROFS', 'EACCES', 'ENOTDIR', 'EISDIR', 'ENOENT', 'EDQUOT']) {
      const e = ioError(p, Object.assign(new Error(`${code}: x, open '${p}.tmp-12-3'`), { code }));
      expect(e.message).toMatch(new RegExp(`^cannot write /data/out\\.json: .+: .+ \\(${code}\\)$`));
      expect(e.kind).toBe('io');
    }
    const odd = ioError(p, Object.assign(new Error(`EWEIRD: strange, open '${p}.tmp-12-3'`), { code: 'EWEIRD' }));
    expect(odd.message).toBe(`cannot write ${p}: EWEIRD: strange, open '${p}'`);
    const own = new FsbayesError('already clear');
    expect(ioError(p, own)).toBe(own);
  });
});

describe('resumable runs', () => {
  it('an existing checkpoint without --resume is refused; with it the run resumes; one checkpoint, one run', () => {
    const d = fresh();
    const out = join(d, 'r.json');
    expect(thrown(() => ResumableRun.open({ resume: true })).message).toMatch(/--resume needs --out/);
    expect(thrown(() => ResumableRun.open({ out, checkpoint: out, resume: false })).message).toMatch(/is also --out/);
    writeFileSync(`${out}.ckpt`, '{}');
    expect(thrown(() => ResumableRun.open({ out, resume: false })).message).toBe(
      `${out}.ckpt exists: pass --resume to continue that run, or delete it`,
    );
    const run = ResumableRun.open({ out, resume: true });
    try {
      expect(run.resuming).toBe(true);
      expect(run.checkpointPath).toBe(`${out}.ckpt`);
      expect(thrown(() => ResumableRun.open({ out, resume: true })).message).toMatch(
        /checkpoint .*r\.json\.ckpt is used twice by this run/,
      );
      expect(thrown(() => run.load({ a: 1 })).message).toMatch(/not an fsbayes checkpoint/);
      expect(run.exitCode).toBeUndefined();
    } finally {
      run.close();
    }
    expect(readdirSync(d)).toEqual(['r.json.ckpt']);
  });

  it('the recorded command drops the flags that only steer the run', () => {
    expect(
      recordedCommand([
        'sgd',
        '--runs',
        '5',
        '--resume',
        '--checkpoint',
        'c.ckpt',
        '--checkpoint-every=3',
        '--force',
        '--json',
        '--quiet',
        '--time-limit',
        '9',
        '--stop-after',
        '2',
        '--out',
        'x.json',
      ]),
    ).toBe('fsbayes sgd --runs 5 --out x.json');
    expect(recordedCommand(['functions', '--force', '--json'], { '--force': false })).toBe('fsbayes functions --json');
  });
});
