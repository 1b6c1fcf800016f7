/**
 * Files: atomic writes (nothing half-written is ever left at the target
 * path; several files appear together or not at all), I/O errors that name
 * the user's path and what to do, and function-table files.
 */
import {
  closeSync,
  copyFileSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import { isProcessAlive } from '../run/locks.js';
import { FunctionTable } from './table.js';

let seq = 0;

/** The temporary sibling a write goes through: `path + '.tmp-<pid>-<n>'` (n unique within the process). */
export function tmpPath(path: string): string {
  seq += 1;
  return `${path}.tmp-${process.pid}-${seq}`;
}

/**
 * Remove the temporary siblings `<path>.tmp-<pid>-<n>` (files only) left by
 * processes that are gone, e.g. a run killed during its atomic write.
 * Best effort; returns the paths removed.
 */
export function cleanStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-\d+$/.exec(name.slice(prefix.length));
    if (!m || isProcessAlive(Number(m[1]))) continue;
    const p = join(dir, name);
    try {
      if (!lstatSync(p).isFile()) continue;
      unlinkSync(p);
      removed.push(p);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

/** What each error code means for the user, and what to do about it. */
const ADVICE: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space (or choose another location) and run again',
  EDQUOT: 'your disk quota is used up: free some space (or choose another location) and run again',
  EROFS: 'the file system is read-only: choose a writable location',
  EACCES: 'permission denied: choose a folder you can write to, or change its permissions',
  EPERM: 'the operation is not permitted there: choose a folder you can write to',
  ENOTDIR: 'a part of the path is a file, not a folder: choose another path',
  EISDIR: 'it is a folder: give a file name',
  ENOENT: 'its folder does not exist (or was removed meanwhile): create it, or choose another path',
  EEXIST: 'something else appeared there meanwhile: choose another path',
  ENAMETOOLONG: 'the name is too long: choose a shorter path',
  EMFILE: 'too many open files: raise the limit (ulimit -n) or close other programs',
  ENFILE: 'too many open files on the system: try again later',
  EIO: 'the device reported an I/O error: check the disk',
  EBUSY: 'the file is busy: close whatever uses it and run again',
  EXDEV: 'it is on another device than its temporary file: choose a path on one file system',
};

/**
 * An FsbayesError (kind 'io') for a failed file operation on the user's
 * `path`: names that path (never only the temporary file a write went
 * through), the error code, and what to do. An FsbayesError is returned as is.
 */
export function ioError(path: string, err: unknown, action = 'write'): FsbayesError {
  if (err instanceof FsbayesError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  const advice = code ? ADVICE[code] : undefined;
  // Node's own message names the temporary path; say the user's instead.
  const detail =
    advice ?? String(e?.message ?? err).replace(new RegExp(`${escapeRegExp(path)}\\.tmp-\\d+-\\d+`, 'g'), path);
  return new FsbayesError(`cannot ${action} ${path}: ${detail}${code && advice ? ` (${code})` : ''}`, {
    kind: 'io',
    cause: err,
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** fsync a directory so a rename in it is durable; not possible everywhere, so best effort. */
export function syncDirSync(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directories cannot be opened or fsynced on some platforms (Windows).
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never created, or gone
  }
}

/**
 * Give up on a file being written: close `fd` (if open; a second close is
 * harmless) and remove `path` (if it is there). Returns null, the closed fd.
 */
export function discardFile(fd: number | null, path: string): null {
  if (fd !== null) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
  }
  unlinkQuiet(path);
  return null;
}

/** Write `data` to a new file `tmp` and fsync it. */
function writeNewSync(tmp: string, data: string | Uint8Array): void {
  const fd = openSync(tmp, 'wx');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write `data` to `path` atomically: write `path + '.tmp-<pid>-<n>'`, fsync,
 * rename over `path`, then fsync the directory. On any failure the temporary
 * file is removed and an FsbayesError (kind 'io') naming `path` is thrown;
 * `path` then holds its old content (or does not exist). Temporary siblings
 * of dead processes are removed first.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  cleanStaleTemps(path);
  const tmp = tmpPath(path);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw ioError(path, err);
  }
  syncDirSync(dirname(path));
}

/** Synchronous {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  writeFilesAtomicSync([{ path, data }]);
}

/** One file of {@link writeFilesAtomicSync}. */
export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
}

/**
 * Write several files so that they appear together or not at all: every
 * file goes to its temporary sibling first (fsynced); only then are they
 * renamed into place, one by one. If a rename fails, the files already
 * renamed get their previous content back (or are removed if they did not
 * exist) before the error (an FsbayesError naming the user's path) is
 * thrown. A hard kill between two renames can still leave a mix; every
 * error, full disk included, cannot.
 */
export function writeFilesAtomicSync(files: readonly FileToWrite[]): void {
  const paths = checkDistinct(files.map((f) => f.path));
  const tmps: string[] = [];
  for (const f of files) {
    const tmp = tmpPath(f.path);
    tmps.push(tmp);
    try {
      writeNewSync(tmp, f.data);
    } catch (err) {
      for (const t of tmps) unlinkQuiet(t);
      throw ioError(f.path, err);
    }
  }
  commitTemps(paths, tmps);
}

/** One file of {@link writeFilesAtomic}: `write` creates the new file at the temporary path it is given and fsyncs it. */
export interface FileToStream {
  path: string;
  write: (tmp: string) => Promise<void>;
}

/**
 * {@link writeFilesAtomicSync} for files written as streams (tables too
 * large for one string): each goes to its temporary sibling first; only
 * when all are complete are they renamed into place, together.
 */
export async function writeFilesAtomic(files: readonly FileToStream[]): Promise<void> {
  const paths = checkDistinct(files.map((f) => f.path));
  const tmps: string[] = [];
  for (const f of files) {
    const tmp = tmpPath(f.path);
    tmps.push(tmp);
    try {
      await f.write(tmp);
    } catch (err) {
      for (const t of tmps) unlinkQuiet(t);
      throw ioError(f.path, err);
    }
  }
  commitTemps(paths, tmps);
}

function checkDistinct(paths: string[]): string[] {
  if (new Set(paths).size !== paths.length)
    throw new FsbayesError(`two outputs name the same file: ${paths.join(', ')}`);
  for (const p of paths) cleanStaleTemps(p);
  return paths;
}

/** Rename the written temporaries onto their paths, all or none (see {@link writeFilesAtomicSync}). */
function commitTemps(paths: string[], tmps: string[]): void {
  // Previous content of the files replaced so far, to restore if a later rename fails.
  const done: { path: string; backup: string | null }[] = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    let backup: string | null = null;
    try {
      if (paths.length > 1 && isFile(path)) {
        backup = tmpPath(path);
        keepCopy(path, backup);
      }
      renameSync(tmps[i], path);
      done.push({ path, backup });
    } catch (err) {
      if (backup) unlinkQuiet(backup);
      for (const t of tmps.slice(i)) unlinkQuiet(t);
      const failed = rollBack(done);
      const e = ioError(path, err);
      if (failed.length > 0)
        e.message += `; could not restore ${failed.join(', ')} (their new content is in place, the old in the .tmp-${process.pid}-* siblings)`;
      throw e;
    }
  }
  for (const d of done) if (d.backup) unlinkQuiet(d.backup);
  for (const dir of new Set(paths.map((p) => dirname(p)))) syncDirSync(dir);
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** A second name for `path`'s current content (a hard link; a copy where links are not supported). */
function keepCopy(path: string, backup: string): void {
  try {
    linkSync(path, backup);
  } catch {
    copyFileSync(path, backup);
  }
}

/** Undo renames, newest first; returns the paths that could not be restored. */
function rollBack(done: { path: string; backup: string | null }[]): string[] {
  const failed: string[] = [];
  for (const d of [...done].reverse()) {
    try {
      if (d.backup) renameSync(d.backup, d.path);
      else unlinkSync(d.path);
    } catch {
      failed.push(d.path);
    }
  }
  return failed;
}

/** The bytes of a table file: `table.toJSON()` on one line. */
export function tableText(table: FunctionTable): string {
  return `${JSON.stringify(table.toJSON())}\n`;
}

/** Write a table as JSON (`table.toJSON()`), atomically. */
export async function writeTable(path: string, table: FunctionTable): Promise<void> {
  await writeFileAtomic(path, tableText(table));
}

/** Synchronous {@link writeTable}. */
export function writeTableSync(path: string, table: FunctionTable): void {
  writeFileAtomicSync(path, tableText(table));
}

function parseTable(path: string, text: string): FunctionTable {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new FsbayesError(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  try {
    return FunctionTable.fromJSON(obj);
  } catch (err) {
    // Only our own errors are about the file; anything else is a bug and stays what it is.
    if (!(err instanceof FsbayesError)) throw err;
    throw new FsbayesError(`${path}: ${err.message}`, { kind: err.kind, cause: err });
  }
}

/** A path must be a string: `readFileSync` would take a number for a file descriptor (0 is stdin). */
function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '')
    throw new FsbayesError(
      `function table path must be a non-empty string, got ${typeof path === 'string' ? '""' : String(path)}`,
    );
}

/** Read and validate a table written by {@link writeTable}. Errors name the file. */
export async function readTable(path: string): Promise<FunctionTable> {
  checkPath(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FsbayesError(`${path}: cannot read function table (${(err as Error).message})`, {
      kind: 'io',
      cause: err,
    });
  }
  return parseTable(path, text);
}

/** Synchronous {@link readTable}. */
export function readTableSync(path: string): FunctionTable {
  checkPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FsbayesError(`${path}: cannot read function table (${(err as Error).message})`, {
      kind: 'io',
      cause: err,
    });
  }
  return parseTable(path, text);
}
