/**
 * The work folder of a run made of steps (an experiment: SGD ensembles,
 * rejection runs, P_B files, …): each finished step is kept as
 * `stages/<key>.json`, written atomically as soon as it is done, so a killed
 * run continues with `--resume`. A long step also checkpoints inside itself
 * ({@link StepFolder.stepRun}: `stages/<key>.ckpt`), so a kill loses at
 * most the minutes since its last checkpoint. Like
 * a checkpoint ({@link ResumableRun}), the folder records the identity of
 * its run (`run.json`: canonical JSON of every setting that changes the
 * result), is never reused by a run of other settings nor without
 * `--resume`, and is locked while a run works in it.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import { writeFileAtomicSync } from '../functions/io.js';
import { canonicalJson } from '../functions/provenance.js';
import { ResumableRun } from './driver.js';
import { acquireLock, type FileLock } from './locks.js';

/** Where {@link StepFolder} keeps its steps. */
const STEPS = 'stages';
/** Where it keeps the identity of its run. */
const IDENTITY = 'run.json';

/** Options of a {@link StepFolder}. */
export interface StepFolderOptions {
  /** The work folder (created if missing). */
  dir: string;
  /** Every setting that changes the result. */
  identity: unknown;
  /** Continue the unfinished run in `dir` (else an existing folder is refused). */
  resume: boolean;
  /** What the folder is, for messages (e.g. `the work folder of --out out/run`). */
  what: string;
}

/** Whether any step has finished or checkpointed in `dir` (then it is worth keeping for --resume). */
export function hasSteps(dir: string): boolean {
  try {
    return readdirSync(join(dir, STEPS)).length > 0;
  } catch {
    return false;
  }
}

/** A locked work folder of finished steps (see the module comment); {@link StepFolder.close} in a finally. */
export class StepFolder {
  private constructor(
    readonly dir: string,
    /** Whether the folder held an unfinished run of this identity (its steps are read back). */
    readonly resuming: boolean,
    private lock: FileLock | null,
  ) {}

  /**
   * Check the folder (a folder, not a file; not an unfinished run unless
   * resuming; the same identity), lock it, create it and record the
   * identity. Throws an FsbayesError naming the folder and what to do.
   */
  static open(o: StepFolderOptions): StepFolder {
    const identity = canonicalJson(o.identity);
    const exists = existsSync(o.dir);
    if (exists) {
      if (!lstatSync(o.dir).isDirectory())
        throw new FsbayesError(`${o.dir} (${o.what}) is a file: move it away, or give another --out`);
      if (!o.resume)
        throw new FsbayesError(`${o.dir} holds an unfinished run: continue it with --resume, or delete that folder`);
      const file = join(o.dir, IDENTITY);
      const saved = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (saved !== identity)
        throw new FsbayesError(`${o.dir} belongs to another run (${saved || 'no run.json'}); this one is ${identity}`);
    }
    const lock = acquireLock(o.dir, o.what);
    try {
      mkdirSync(o.dir, { recursive: true });
      writeFileAtomicSync(join(o.dir, IDENTITY), identity);
    } catch (e) {
      lock.release();
      throw e;
    }
    return new StepFolder(o.dir, exists, lock);
  }

  private file(key: string, ext = 'json'): string {
    return join(this.dir, STEPS, `${key.replace(/[^A-Za-z0-9_.-]+/g, '_')}.${ext}`);
  }

  /**
   * Where step `key` keeps a file of its own beside its JSON (e.g. a large
   * table: `stages/<key>.arrow`), its folder made. Write it (atomically)
   * before the step's JSON, which then names it: a step is finished only
   * when its JSON is there.
   */
  artifact(key: string, ext: string): string {
    mkdirSync(join(this.dir, STEPS), { recursive: true });
    return this.file(key, ext);
  }

  /**
   * The saved result of step `key`, revived by `revive`, or undefined when
   * the run is not resumed or the step has not finished. Throws, naming the
   * file, when it cannot be read back.
   */
  read<T>(key: string, revive: (saved: Record<string, unknown>) => T): T | undefined {
    const file = this.file(key);
    if (!this.resuming || !existsSync(file)) return undefined;
    try {
      return revive(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
    } catch (e) {
      throw new FsbayesError(
        `${file}: the saved step '${key}' of the interrupted run is unreadable (${(e as Error).message}): delete that file to recompute the step, or delete ${this.dir} to start afresh`,
        { kind: 'io', cause: e },
      );
    }
  }

  /**
   * The resumable run inside step `key`: its checkpoint is
   * `stages/<key>.ckpt` (rewritten atomically as the step goes), continued
   * when this folder's run is resumed, removed when the step finishes.
   * Signals stay with the caller: an experiment exits at once on SIGINT and
   * the last checkpoint is what `--resume` continues from. `log` gets the
   * line saying where it resumed. Close it in a finally.
   */
  stepRun(key: string, log?: (msg: string) => void): ResumableRun {
    mkdirSync(join(this.dir, STEPS), { recursive: true });
    const checkpoint = this.file(key, 'ckpt');
    // A step not reached before the interruption just starts: nothing to say.
    const resume = this.resuming && existsSync(checkpoint);
    return ResumableRun.open({ checkpoint, resume, signals: false, log });
  }

  /** Keep the result of step `key` (plain JSON), atomically. */
  write(key: string, value: unknown): void {
    mkdirSync(join(this.dir, STEPS), { recursive: true });
    writeFileAtomicSync(this.file(key), JSON.stringify(value));
  }

  /** The run is complete: remove the steps and the identity (what is left is the result). */
  complete(): void {
    rmSync(join(this.dir, STEPS), { recursive: true, force: true });
    rmSync(join(this.dir, IDENTITY), { force: true });
  }

  /** Release the lock (always call, in a finally); with `discardEmpty`, remove the folder if no step finished. */
  close(discardEmpty = false): void {
    if (discardEmpty && !hasSteps(this.dir)) rmSync(this.dir, { recursive: true, force: true });
    this.lock?.release();
    this.lock = null;
  }
}
