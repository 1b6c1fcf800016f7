/**
 * Checkpoints of long runs: the counts so far plus whatever state the run
 * needs to continue exactly (next item index, generator state, …), written
 * atomically so a killed run never leaves a half-written file and loses at
 * most the work since the last checkpoint — never a counted net.
 *
 * A checkpoint records the *identity* of its run (canonical JSON of every
 * setting that changes the result); resuming with other settings is refused
 * with an error that says what differs.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import { type ColumnarState, ColumnarTable, type ColumnarTableOptions } from '../functions/columnar-table.js';
import { writeFileAtomicSync } from '../functions/io.js';
import { canonicalJson, type Provenance, validateProvenance } from '../functions/provenance.js';
import { FunctionTable, type FunctionTableJSON } from '../functions/table.js';

export const CHECKPOINT_FORMAT = 'fsbayes.checkpoint';

export interface CheckpointFile<S> {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  /** Settings that must match to resume (compared as canonical JSON). */
  identity: unknown;
  /** Run-specific state needed to continue exactly. */
  state: S;
  table: FunctionTableJSON;
}

export interface Checkpoint<S, T = FunctionTable> {
  identity: unknown;
  state: S;
  table: T;
}

/**
 * A checkpoint of a run counted into a ColumnarTable: the table's header
 * and {@link ColumnarState} (its sorted runs and the snapshot of its
 * in-memory part, files in the folder `runDir` beside the checkpoint)
 * instead of the functions themselves.
 */
export interface ColumnarCheckpointFile<S> {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  identity: unknown;
  state: S;
  columnar: {
    m: number;
    labels: string | null;
    provenance: Provenance | null;
    /** The folder of the files, relative to the checkpoint's folder. */
    runDir: string;
    table: ColumnarState;
  };
}

/** Write a checkpoint atomically. */
export function writeCheckpoint<S>(path: string, cp: Checkpoint<S>): void {
  const file: CheckpointFile<S> = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    identity: cp.identity,
    state: cp.state,
    table: cp.table.toJSON(),
  };
  writeFileAtomicSync(path, `${JSON.stringify(file)}\n`);
}

/**
 * Read a checkpoint for resuming a run with the given identity. Returns null
 * when the file does not exist; throws (naming the file and the first
 * differing setting) when it belongs to another run or is corrupt.
 */
export function readCheckpoint<S>(path: string, identity: unknown): Checkpoint<S> | null {
  // A number would be read as a file descriptor.
  if (typeof path !== 'string' || path === '')
    throw new FsbayesError(`checkpoint path must be a non-empty string, got ${String(path)}`);
  if (!existsSync(path)) return null;
  let obj: CheckpointFile<S>;
  try {
    obj = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new FsbayesError(
      `${path}: not a readable checkpoint (${(err as Error).message}): delete it to start the run afresh`,
      { kind: 'io', cause: err },
    );
  }
  checkHead(path, obj, identity);
  if (obj.table === undefined && (obj as unknown as ColumnarCheckpointFile<S>).columnar !== undefined)
    throw new FsbayesError(
      `${path}: the checkpoint holds a columnar table (an Arrow run): resume it with the settings that wrote it, or delete it and ${columnarRunDir(path)}`,
    );
  let table: FunctionTable;
  try {
    table = FunctionTable.fromJSON(obj.table);
  } catch (err) {
    if (!(err instanceof FsbayesError)) throw err;
    throw new FsbayesError(`${path}: checkpoint table: ${err.message}`, { kind: err.kind, cause: err });
  }
  return { identity: obj.identity, state: obj.state, table };
}

/** Format, version and identity of a checkpoint, checked. */
function checkHead(path: string, obj: { format?: unknown; version?: unknown; identity?: unknown }, identity: unknown) {
  if (obj?.format !== CHECKPOINT_FORMAT || obj.version !== 1)
    throw new FsbayesError(
      `${path}: not an fsbayes checkpoint (format ${JSON.stringify(obj?.format)}, version ${JSON.stringify(obj?.version)}): give another --checkpoint, or move it away`,
    );
  const want = canonicalJson(identity);
  const have = canonicalJson(obj.identity);
  if (want !== have) {
    throw new FsbayesError(
      `${path}: checkpoint belongs to another run (${firstDifference(identity, obj.identity)}): resume with its settings, or delete it to start afresh`,
    );
  }
}

/** The folder of a columnar checkpoint's files: `<checkpoint>.runs`. */
export function columnarRunDir(checkpoint: string): string {
  return `${checkpoint}.runs`;
}

/** Names of the files a ColumnarTable writes in its runDir. */
const RUN_FILE = /^(run|snapshot)-\d+\.bin$/;

/**
 * Make ready the run folder of a fresh columnar run with checkpoint `path`:
 * one left by a run killed before its first checkpoint (only run files in
 * it) is removed; anything else there is refused, never deleted.
 */
export function prepareColumnarRunDir(path: string): string {
  const dir = columnarRunDir(path);
  if (!existsSync(dir)) return dir;
  const st = lstatSync(dir);
  const names = st.isDirectory() ? readdirSync(dir) : null;
  if (names === null || names.some((n) => !RUN_FILE.test(n)))
    throw new FsbayesError(
      `${dir} is in the way of the checkpoint ${path}'s run files and holds files fsbayes did not write: move it away, or give another --checkpoint/--out`,
    );
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/**
 * Write a columnar checkpoint: the table's snapshot (fsynced) first, then
 * the checkpoint file (atomically), then the previous snapshot goes.
 */
export function writeColumnarCheckpoint<S>(path: string, cp: Checkpoint<S, ColumnarTable>): void {
  const t = cp.table;
  const runDir = t.runFolder;
  if (runDir === null)
    throw new FsbayesError('a columnar checkpoint needs a table with a runDir', { kind: 'internal' });
  t.snapshot((state) => {
    const file: ColumnarCheckpointFile<S> = {
      format: CHECKPOINT_FORMAT,
      version: 1,
      identity: cp.identity,
      state: cp.state,
      columnar: {
        m: t.m,
        labels: t.labels === null ? null : Array.from(t.labels, (b) => (b ? '1' : '0')).join(''),
        provenance: t.provenance,
        runDir: relative(dirname(path), runDir),
        table: state,
      },
    };
    writeFileAtomicSync(path, `${JSON.stringify(file)}\n`);
  });
}

/**
 * Read a columnar checkpoint for resuming the run of this identity: the
 * table comes back with its runs and snapshot (`options` as the run gives
 * them; its runDir is the checkpoint's). Null when there is no file.
 */
export function readColumnarCheckpoint<S>(
  path: string,
  identity: unknown,
  options: ColumnarTableOptions = {},
): Checkpoint<S, ColumnarTable> | null {
  if (!existsSync(path)) return null;
  let obj: ColumnarCheckpointFile<S>;
  try {
    obj = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new FsbayesError(
      `${path}: not a readable checkpoint (${(err as Error).message}): delete it to start the run afresh`,
      { kind: 'io', cause: err },
    );
  }
  checkHead(path, obj, identity);
  const c = obj.columnar;
  if (typeof c !== 'object' || c === null)
    throw new FsbayesError(
      `${path}: the checkpoint holds a FunctionTable, not a columnar table: resume it with the settings that wrote it, or delete it`,
    );
  try {
    const labels = c.labels === null ? null : Uint8Array.from(c.labels, (ch) => (ch === '1' ? 1 : 0));
    const prov = c.provenance === null ? null : validateProvenance(c.provenance, 'provenance');
    const runDir = join(dirname(path), c.runDir);
    const table = ColumnarTable.restore(c.m, labels, prov, { ...options, runDir }, c.table);
    return { identity: obj.identity, state: obj.state, table };
  } catch (err) {
    if (!(err instanceof FsbayesError)) throw err;
    throw new FsbayesError(`${path}: checkpoint table: ${err.message}`, { kind: err.kind, cause: err });
  }
}

/** Remove a checkpoint once the run's final output is safely written. */
export function removeCheckpoint(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function firstDifference(want: unknown, have: unknown, at = ''): string {
  if (
    want !== null &&
    have !== null &&
    typeof want === 'object' &&
    typeof have === 'object' &&
    !Array.isArray(want) &&
    !Array.isArray(have)
  ) {
    const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
    for (const k of [...keys].sort()) {
      const a = (want as Record<string, unknown>)[k];
      const b = (have as Record<string, unknown>)[k];
      if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) return firstDifference(a, b, at ? `${at}.${k}` : k);
    }
  }
  return `${at || 'settings'}: this run has ${JSON.stringify(want)}, the checkpoint ${JSON.stringify(have)}`;
}
