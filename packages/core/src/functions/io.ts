/**
 * Files: atomic writes (nothing half-written is ever left at the target path)
 * and function-table files.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import { FunctionTable } from './table.js';

let seq = 0;

/** The temporary sibling a write goes through: `path + '.tmp-<pid>-<n>'` (n unique within the process). */
function tmpPath(path: string): string {
  seq += 1;
  return `${path}.tmp-${process.pid}-${seq}`;
}

/** fsync the directory so the rename itself is durable; not possible everywhere, so best effort. */
function syncDirSync(path: string): void {
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directories cannot be opened or fsynced on some platforms (Windows).
  }
}

/**
 * Write `data` to `path` atomically: write `path + '.tmp-<pid>-<n>'`, fsync,
 * rename over `path`, then fsync the directory. On any failure the temporary
 * file is removed and the error rethrown; `path` then holds its old content
 * (or does not exist).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tmpPath(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  syncDirSync(path);
}

/** Synchronous {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tmpPath(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw err;
  }
  syncDirSync(path);
}

/** Write a table as JSON (`table.toJSON()`), atomically. */
export async function writeTable(path: string, table: FunctionTable): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(table.toJSON()) + '\n');
}

/** Synchronous {@link writeTable}. */
export function writeTableSync(path: string, table: FunctionTable): void {
  writeFileAtomicSync(path, JSON.stringify(table.toJSON()) + '\n');
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
