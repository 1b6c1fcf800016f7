/**
 * Output targets: what a run may write where, checked before any compute.
 *
 * The policy (never destroy what the user owns):
 * - a target that does not exist is written (its folder created);
 * - an existing file is replaced only with `force` (or when the caller says
 *   it is the partial output of the run being resumed); never a folder, a
 *   link or a device;
 * - an existing folder is replaced only with `force` and only if fsbayes
 *   made it: it holds the marker file `.fsbayes-output`, and nothing beside
 *   the files that marker lists; any other folder is refused even with
 *   `force`, and `.`, `/` and the folders above the current one always are;
 * - a file target is never turned into a folder, nor a folder into a file.
 *
 * {@link prepareOutputs} checks every target (parent creatable and not a
 * file, writable, disk not full), creates the missing parent folders and
 * takes each target's lock; the returned {@link PreparedOutputs} writes
 * files together ({@link writeFilesAtomicSync}) and folders whole (built in
 * a staging sibling and swapped in).
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import { cleanStaleTemps, type FileToWrite, ioError, tmpPath, writeFilesAtomicSync } from '../functions/io.js';
import { VERSION } from '../version.js';
import { acquireLock, type FileLock, isProcessAlive } from './locks.js';

/** A file (a table, a JSON result, a CSV) or a folder (a report). */
export type OutputKind = 'file' | 'folder';

/** The marker file of a folder fsbayes made. */
export const OUTPUT_MARKER = '.fsbayes-output';
export const OUTPUT_MARKER_FORMAT = 'fsbayes.output';

/** What the marker holds. */
export interface OutputMarker {
  format: typeof OUTPUT_MARKER_FORMAT;
  version: 1;
  tool: 'fsbayes';
  fsbayesVersion: string;
  /** The command that made the folder. */
  command: string | null;
  /** Every file fsbayes wrote there (relative, '/'-separated), so a replace never deletes anything else. */
  files: string[];
}

/** One output a command will write: a file or a report folder. */
export interface OutputTarget {
  path: string;
  kind: OutputKind;
  /** The option that named it, for messages (default '--out'). */
  flag?: string;
  /** An existing file here may be replaced without `force` (e.g. the partial table of the run being resumed). */
  replaceable?: boolean;
}

/** How {@link prepareOutputs} treats outputs that exist already. */
export interface OutputPolicy {
  /** Replace existing outputs (files; folders only with the marker). */
  force?: boolean;
  /** Recorded in a folder's marker. */
  command?: string;
}

/** A target that passed {@link checkOutput}: its normalised path, and whether something is there now. */
export interface CheckedOutput {
  path: string;
  kind: OutputKind;
  flag: string;
  exists: boolean;
}

function refuse(message: string, kind: 'input' | 'io' = 'input'): never {
  throw new FsbayesError(message, { kind });
}

function lstatOrNull(p: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return null; // a parent is a file: reported by the parent check
    throw e;
  }
}

/** Read a folder's marker; null when it is missing or not one of ours. */
export function readOutputMarker(dir: string): OutputMarker | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')) as OutputMarker;
    return m?.format === OUTPUT_MARKER_FORMAT && Array.isArray(m.files) ? m : null;
  } catch {
    return null;
  }
}

/** Every file under `dir`, relative and '/'-separated, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Check one target against the policy and the file system, with no side
 * effect but a probe file in the nearest existing folder. Throws an
 * FsbayesError that names the path and what to do.
 */
export function checkOutput(t: OutputTarget, policy: OutputPolicy = {}): CheckedOutput {
  const flag = t.flag ?? '--out';
  const given = t.path;
  if (given === '') refuse(`${flag} is empty: give a ${t.kind === 'file' ? 'file' : 'folder'} name`);
  const trailing = /[\\/]+$/.test(given) && given.replace(/[\\/]+$/, '') !== '';
  if (t.kind === 'file' && (trailing || given === '.' || given === '..'))
    refuse(
      `${flag} ${given} names a folder, but this writes a file: give a file name (e.g. ${join(given, 'result.json')})`,
    );
  const path = trailing ? given.replace(/[\\/]+$/, '') : given;
  const abs = resolve(path);
  const cwd = process.cwd();
  if (t.kind === 'folder' && (abs === cwd || cwd.startsWith(abs.endsWith(sep) ? abs : abs + sep)))
    refuse(
      `${flag} ${given} is the folder you are in${abs === cwd ? '' : ' or one above it'}: fsbayes never replaces it; give a new folder name (e.g. out/run1)`,
    );
  const st = lstatOrNull(path);
  if (st) {
    if (t.kind === 'file') {
      if (st.isDirectory())
        refuse(
          `${flag} ${path} is a folder: fsbayes never replaces a folder with a file; give a file name (e.g. ${join(path, 'result.json')})`,
        );
      if (!st.isFile())
        refuse(
          `${flag} ${path} is not a plain file (a link, device or pipe): fsbayes does not replace it; give another path`,
        );
      if (!policy.force && !t.replaceable)
        refuse(`${flag} ${path} exists: pass --force to replace it, or choose another name`);
    } else {
      if (!st.isDirectory())
        refuse(
          `${flag} ${path} is ${st.isFile() ? 'a file' : 'not a folder'}: fsbayes never turns it into a folder; give a new folder name`,
        );
      const marker = readOutputMarker(path);
      if (!marker)
        refuse(
          `${flag} ${path} is a folder fsbayes did not make (no ${OUTPUT_MARKER} in it): fsbayes never deletes what is in it, even with --force; give a new folder name`,
        );
      const known = new Set([OUTPUT_MARKER, ...marker.files]);
      const extra = listFiles(path).filter((f) => !known.has(f));
      if (extra.length > 0)
        refuse(
          `${flag} ${path} holds files fsbayes did not write (${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}): move them out, or give a new folder name`,
        );
      if (!policy.force)
        refuse(
          `${flag} ${path} exists (an earlier fsbayes output): pass --force to replace it (its files are deleted), or give a new folder name`,
        );
    }
  }
  checkParent(path, flag);
  return { path, kind: t.kind, flag, exists: st !== null };
}

let probes = 0;

/** The nearest existing folder above `path` must be a folder, writable, and its disk not full. */
function checkParent(path: string, flag: string): void {
  let dir = dirname(resolve(path));
  for (;;) {
    const st = lstatOrNull(dir);
    if (st) {
      if (!isDirectory(dir))
        refuse(`cannot write ${flag} ${path}: ${dir} is a file, not a folder; choose another path`, 'io');
      break;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  probes += 1;
  const probe = join(dir, `.fsbayes-probe-${process.pid}-${probes}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw ioError(`${flag} ${path}`, e);
  }
  let free: number | null = null;
  try {
    const s = statfsSync(dir);
    free = (process.getuid?.() === 0 ? s.bfree : s.bavail) * s.bsize;
  } catch {
    // statfs is not available everywhere
  }
  if (free === 0)
    refuse(
      `cannot write ${flag} ${path}: the disk is full: free some space (or choose another location) and run again`,
      'io',
    );
}

/** Whether `p` is a folder (following links). */
function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Remove staging folders `<path>.tmp-<pid>-<n>` of dead processes (ours: they hold the marker). */
function cleanStaleStaging(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)-\d+$/.exec(name.slice(prefix.length)) : null;
    if (!m || isProcessAlive(Number(m[1]))) continue;
    const p = join(dir, name);
    if (isDirectory(p) && existsSync(join(p, OUTPUT_MARKER))) rmSync(p, { recursive: true, force: true });
  }
}

/** Create `dir` and its missing parents; returns the folders created, outermost first. */
function makeDirs(dir: string, flag: string, target: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(target, e, `create the folder of ${flag}`);
  }
  return missing;
}

/** Targets checked, parent folders made and locks held, ready to be written. */
export class PreparedOutputs {
  private constructor(
    readonly targets: CheckedOutput[],
    private readonly targetSpecs: OutputTarget[],
    private readonly policy: OutputPolicy,
    private readonly locks: FileLock[],
    private readonly createdDirs: string[],
  ) {}

  /** See {@link prepareOutputs}. */
  static prepare(targets: readonly OutputTarget[], policy: OutputPolicy = {}): PreparedOutputs {
    const checked = targets.map((t) => checkOutput(t, policy));
    const seen = new Map<string, string>();
    for (const c of checked) {
      const abs = resolve(c.path);
      const other = seen.get(abs);
      if (other) refuse(`${other} and ${c.flag} name the same path ${c.path}: give each output its own`);
      seen.set(abs, c.flag);
    }
    const locks: FileLock[] = [];
    const created: string[] = [];
    try {
      for (const c of checked) {
        created.push(...makeDirs(dirname(c.path), c.flag, c.path));
        locks.push(acquireLock(c.path, `${c.flag} ${c.path}`));
        cleanStaleTemps(c.path);
        if (c.kind === 'folder') cleanStaleStaging(c.path);
      }
    } catch (e) {
      for (const l of locks) l.release();
      removeEmptyDirs(created);
      throw e;
    }
    return new PreparedOutputs(checked, [...targets], policy, locks, created);
  }

  /** The prepared target of this path (as given or normalised), or null. */
  find(path: string): CheckedOutput | null {
    const abs = resolve(path);
    return this.targets.find((t) => resolve(t.path) === abs) ?? null;
  }

  private recheck(path: string, kind: OutputKind): CheckedOutput {
    const i = this.targets.findIndex((t) => resolve(t.path) === resolve(path));
    if (i < 0 || this.targets[i].kind !== kind)
      throw new FsbayesError(`internal: ${path} was not prepared as an output ${kind}`, { kind: 'internal' });
    // Re-check at write time: something may have appeared there during the run.
    return checkOutput(this.targetSpecs[i], this.policy);
  }

  /** Write prepared file targets together: all of them, or none (see {@link writeFilesAtomicSync}). */
  writeFiles(files: readonly FileToWrite[]): void {
    const checked = files.map((f) => ({ path: this.recheck(f.path, 'file').path, data: f.data }));
    writeFilesAtomicSync(checked);
  }

  /**
   * Write a prepared folder target whole: `build` fills a staging sibling
   * (`<path>.tmp-<pid>-<n>`), which is then swapped in. On failure the
   * staging folder is removed and the target left as it was.
   */
  async writeFolder(path: string, build: (dir: string) => void | Promise<void>): Promise<void> {
    const target = this.recheck(path, 'folder');
    const staging = tmpPath(target.path);
    try {
      mkdirSync(staging);
      writeMarker(staging, this.policy.command ?? null);
      await build(staging);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw (e as NodeJS.ErrnoException)?.code ? ioError(target.path, e, 'write the folder') : e;
    }
    this.swapIn(staging, target.path);
  }

  /**
   * Swap a finished folder (built elsewhere, e.g. a resumable work folder
   * beside the target) in as the prepared target, marking it as fsbayes's.
   */
  commitFolder(built: string, path: string): void {
    const target = this.recheck(path, 'folder');
    this.swapIn(built, target.path);
  }

  private swapIn(built: string, path: string): void {
    try {
      writeMarker(built, this.policy.command ?? null);
    } catch (e) {
      throw ioError(path, e, 'write the folder');
    }
    if (!existsSync(path)) {
      try {
        renameSync(built, path);
      } catch (e) {
        throw ioError(path, e, 'move the finished folder to');
      }
      return;
    }
    // Replace an earlier fsbayes folder (checked: marker, nothing else in it, --force).
    const old = tmpPath(path);
    try {
      renameSync(path, old);
    } catch (e) {
      throw ioError(path, e, 'move aside the earlier');
    }
    try {
      renameSync(built, path);
    } catch (e) {
      renameSync(old, path);
      throw ioError(path, e, 'move the finished folder to');
    }
    rmSync(old, { recursive: true, force: true });
  }

  /** Release the locks (after the outputs are written). */
  release(): void {
    for (const l of this.locks) l.release();
    this.locks.length = 0;
  }

  /** Release the locks and remove the parent folders this run created if they are still empty (after a failure). */
  abandon(): void {
    this.release();
    removeEmptyDirs(this.createdDirs);
  }
}

/** Write the marker listing every file now in `dir`. */
function writeMarker(dir: string, command: string | null): void {
  const marker: OutputMarker = {
    format: OUTPUT_MARKER_FORMAT,
    version: 1,
    tool: 'fsbayes',
    fsbayesVersion: VERSION,
    command,
    files: listFiles(dir).filter((f) => f !== OUTPUT_MARKER),
  };
  writeFileSync(join(dir, OUTPUT_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

function removeEmptyDirs(dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (something else was put there) or already gone
    }
  }
}

/**
 * Check every target against the policy before any compute, create their
 * missing parent folders and take their locks (`<path>.lock`). Throws an
 * FsbayesError naming the first bad target and what to do.
 */
export function prepareOutputs(targets: readonly OutputTarget[], policy: OutputPolicy = {}): PreparedOutputs {
  return PreparedOutputs.prepare(targets, policy);
}
