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
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { FsbayesError } from '../errors/index.js';
import { writeFileAtomicSync } from '../functions/io.js';
import { canonicalJson } from '../functions/provenance.js';
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

export interface Checkpoint<S> {
  identity: unknown;
  state: S;
  table: FunctionTable;
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
  let table: FunctionTable;
  try {
    table = FunctionTable.fromJSON(obj.table);
  } catch (err) {
    if (!(err instanceof FsbayesError)) throw err;
    throw new FsbayesError(`${path}: checkpoint table: ${err.message}`, { kind: err.kind, cause: err });
  }
  return { identity: obj.identity, state: obj.state, table };
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
