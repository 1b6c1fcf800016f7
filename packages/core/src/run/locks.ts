/**
 * Lock files: `<path>.lock`, created exclusively and holding the owner's pid
 * and host, so two runs that would write the same output or checkpoint
 * refuse clearly instead of mixing their files. A lock whose process is gone
 * (same host, dead pid) is stale and is taken over; locks held by this
 * process are released when it exits normally.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { FsbayesError } from '../errors/index.js';

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken (for the message a waiting run prints). */
  since: string;
}

/** A held lock; {@link FileLock.release} removes the file (only if it is still ours). */
export interface FileLock {
  /** The lock file, `<locked path>.lock`. */
  readonly file: string;
  release(): void;
}

/** Whether process `pid` on this host is alive (a process of another user counts as alive). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Map<string, LockInfo>();
let exitHookInstalled = false;

function readLock(file: string): LockInfo | null | 'gone' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return null;
  }
  try {
    const o = JSON.parse(text) as LockInfo;
    return typeof o?.pid === 'number' && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

let seq = 0;

/**
 * Create `file` holding `text`, failing with EEXIST if it exists. Written to
 * a temporary name and hard-linked into place, so a lock is never seen
 * half-written; where hard links are not supported, an exclusive create.
 */
function createExclusive(file: string, text: string): void {
  seq += 1;
  const tmp = `${file}.tmp-${process.pid}-${seq}`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw e;
    writeFileSync(file, text, { flag: 'wx' });
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/** Move a stale lock aside and delete it; false if it changed meanwhile (another run took it over first). */
function takeOver(file: string, stale: LockInfo): boolean {
  seq += 1;
  const aside = `${file}.stale-${process.pid}-${seq}`;
  try {
    renameSync(file, aside);
  } catch {
    return false; // gone already: just try again
  }
  const moved = readLock(aside);
  if (moved !== 'gone' && moved !== null && (moved.pid !== stale.pid || moved.host !== stale.host)) {
    // We moved a fresh lock of another run: put it back (unless yet another run holds the name now).
    try {
      linkSync(aside, file);
    } catch {
      // the name is taken again; that run holds it
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
  return true;
}

function describeOwner(o: LockInfo): string {
  return `pid ${o.pid} on ${o.host === hostname() ? 'this host' : `host ${o.host}`}, since ${o.since}`;
}

/**
 * Take the lock of `path` (the file `<path>.lock`). Throws an FsbayesError
 * naming the owner when another live run holds it; a stale lock (same host,
 * dead pid) is taken over. `what` names the locked thing in messages.
 */
export function acquireLock(path: string, what = path): FileLock {
  const file = `${path}.lock`;
  const me: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      createExclusive(file, `${JSON.stringify(me)}\n`);
      held.set(file, me);
      installExitHook();
      return { file, release: () => releaseLock(file) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw lockIoError(file, what, e);
    }
    const owner = readLock(file);
    if (owner === 'gone') continue;
    if (owner === null)
      throw new FsbayesError(
        `${what} is locked by ${file}, which is not a readable fsbayes lock: if no fsbayes run is using ${what}, delete ${file} and run again`,
        { kind: 'io' },
      );
    if (owner.host === me.host && owner.pid === me.pid)
      throw new FsbayesError(`${what} is used twice by this run (lock ${file}): give each output its own path`);
    if (owner.host === me.host && !isProcessAlive(owner.pid)) {
      takeOver(file, owner);
      continue;
    }
    throw new FsbayesError(
      `${what} is in use by another fsbayes run (${describeOwner(owner)}): wait for it to finish, or delete ${file} if that run is gone`,
      { kind: 'io' },
    );
  }
  throw new FsbayesError(`${what}: could not take the lock ${file} (other runs keep taking it): try again`, {
    kind: 'io',
  });
}

function lockIoError(file: string, what: string, e: unknown): FsbayesError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return new FsbayesError(
    `cannot create the lock file ${file} for ${what} (${code}): check that its folder exists and is writable`,
    { kind: 'io', cause: e },
  );
}

function releaseLock(file: string): void {
  const mine = held.get(file);
  if (!mine) return;
  held.delete(file);
  const now = readLock(file);
  if (now !== 'gone' && now !== null && now.pid === mine.pid && now.host === mine.host) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // process.exit() and a normal end run 'exit' handlers; a hard kill leaves a stale lock that the next run takes over.
  process.on('exit', () => {
    for (const file of [...held.keys()]) releaseLock(file);
  });
}
