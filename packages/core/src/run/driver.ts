/**
 * The resumable-run driver of every long run (the ensembles of `sample` and
 * `sgd`, also run as experiment steps; `drive` runs one to its end or stop):
 * where the checkpoint lives (`--checkpoint`, else `<out>.ckpt`), refusing an
 * existing checkpoint without `--resume` (never silently discarding work),
 * the identity check on resume, a lock so two runs never share one
 * checkpoint, SIGINT/SIGTERM → stop at the next safe point, write the
 * checkpoint, exit 130/143, and the command line recorded in provenance
 * without the flags that only steer the run (so a resumed run writes the
 * same bytes as an uninterrupted one).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FsbayesError } from '../errors/index.js';
import type { Provenance } from '../functions/provenance.js';
import type { FunctionTable } from '../functions/table.js';
import { type Checkpoint, readCheckpoint, removeCheckpoint, writeCheckpoint } from './checkpoint.js';
import { type PreparedOutputs, prepareOutputs } from './outputs.js';

/** Flags that steer a run but do not change its result (→ whether each takes a value). */
export const RUN_CONTROL_FLAGS: Readonly<Record<string, boolean>> = {
  '--resume': false,
  '--quiet': false,
  '--json': false,
  '--force': false,
  '--time-limit': true,
  '--checkpoint-every': true,
  '--checkpoint': true,
  '--stop-after': true,
};

/** The command recorded in provenance: `fsbayes …argv` without the run-control flags. */
export function recordedCommand(
  argv: readonly string[],
  runControl: Readonly<Record<string, boolean>> = RUN_CONTROL_FLAGS,
): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (Object.hasOwn(runControl, flag)) {
      if (runControl[flag] && inline === undefined) i++;
      continue;
    }
    out.push(argv[i]);
  }
  return `fsbayes ${out.join(' ')}`;
}

/** Options of a {@link ResumableRun}: where it writes, whether it resumes, and how it handles signals. */
export interface ResumableRunOptions {
  /** The run's output file: the checkpoint defaults to `<out>.ckpt`. */
  out?: string | null;
  /** `--checkpoint FILE`. */
  checkpoint?: string | null;
  /** `--resume`: continue from the checkpoint (start fresh if there is none). */
  resume: boolean;
  /** Log lines (resuming, starting fresh, stopped). */
  log?: (msg: string) => void;
  /**
   * Catch SIGINT/SIGTERM and stop at the next safe point (default true).
   * False for a run inside a process that handles the signals itself (an
   * experiment, which keeps its finished steps and exits).
   */
  signals?: boolean;
}

/** What the compute of a run gets from {@link ResumableRun.drive}. */
export interface RunHooks<S> {
  /** The checkpoint to continue from, if resuming. */
  resume: Checkpoint<S> | undefined;
  /** Save a checkpoint (undefined for a run without one). */
  onCheckpoint: ((state: S, table: FunctionTable) => void) | undefined;
  /** Whether SIGINT/SIGTERM asked the run to stop (poll at safe points). */
  shouldStop: () => boolean;
}

/** One resumable computation of a table, as {@link ResumableRun.drive} runs it. */
export interface DriveOptions<S, R extends { state: S; table: FunctionTable }> {
  /** Every setting that changes the result: a checkpoint of other settings is refused. */
  identity: unknown;
  /** The log line when resuming from a checkpoint with this state. */
  resumed: (state: S) => string;
  /** The table's provenance in a checkpoint of this state (default: the table's own). */
  checkpointProvenance?: (state: S) => Provenance;
  /** The compute: continue from `resume`, call `onCheckpoint` now and then, stop when `shouldStop()`. */
  compute: (hooks: RunHooks<S>) => Promise<R>;
  /** Whether the computed run reached its end (else it stopped early: time limit, signal, …). */
  finished: (r: R) => boolean;
  /** Write the run's outputs (when finished, before the checkpoint is removed). */
  write: (r: R) => void;
  /** Also write the outputs of a run stopped early other than by a signal (a time-limited leg). */
  writeStopped?: boolean;
  /** The log line of a run stopped early (`checkpoint`: where it was saved, or null); may throw. */
  stopped: (r: R, checkpoint: string | null) => string | null;
}

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * One resumable run. {@link ResumableRun.open} checks the checkpoint path
 * and takes its lock before any compute; {@link ResumableRun.load} reads the
 * checkpoint once the run's identity is known; {@link ResumableRun.close}
 * (always, in a finally) releases the lock and the signal handlers.
 */
export class ResumableRun {
  private signal: NodeJS.Signals | null = null;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (this.signal) {
      // A second signal: stop now; the last checkpoint (written atomically) is kept.
      process.stderr.write(`stopping at once (${sig}); the last checkpoint is kept\n`);
      process.exit(EXIT_CODES[sig] ?? 1);
    }
    this.signal = sig;
  };

  private constructor(
    /** The checkpoint file, or null when the run cannot be resumed (no --out, no --checkpoint). */
    readonly checkpointPath: string | null,
    /** Whether a checkpoint exists and --resume continues it. */
    readonly resuming: boolean,
    private readonly resume: boolean,
    private outputs: PreparedOutputs | null,
    private readonly log: (msg: string) => void,
    private readonly signals: boolean,
  ) {
    if (signals) {
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
    }
  }

  /** Check the checkpoint path, refuse an existing checkpoint without --resume, lock it, catch signals. */
  static open(o: ResumableRunOptions): ResumableRun {
    const log = o.log ?? (() => {});
    const signals = o.signals ?? true;
    const path = o.checkpoint ?? (o.out ? `${o.out}.ckpt` : null);
    if (o.resume && !path) throw new FsbayesError('--resume needs --out (checkpoint <out>.ckpt) or --checkpoint FILE');
    if (path === null) return new ResumableRun(null, false, o.resume, null, log, signals);
    if (o.out && resolve(path) === resolve(o.out))
      throw new FsbayesError(`--checkpoint ${path} is also --out: give the checkpoint its own file`);
    const exists = existsSync(path);
    if (exists && !o.resume) throw new FsbayesError(`${path} exists: pass --resume to continue that run, or delete it`);
    // The checkpoint is a file of this run: the same checks as an output (not a folder, parent writable) and a lock.
    const flag = o.checkpoint ? '--checkpoint' : 'checkpoint';
    const outputs = prepareOutputs([{ path, kind: 'file', flag, replaceable: true }]);
    return new ResumableRun(path, exists, o.resume, outputs, log, signals);
  }

  /** A run without checkpoint or signal handling (one step of a larger run, in memory). */
  static inMemory(): ResumableRun {
    return ResumableRun.open({ resume: false, signals: false });
  }

  /**
   * The checkpoint to continue from, or null (fresh start). Throws, naming
   * the file and the first differing setting, when it belongs to another run.
   */
  load<S>(identity: unknown): Checkpoint<S> | null {
    if (!this.checkpointPath) return null;
    if (!this.resuming) {
      if (this.resume) this.log(`no checkpoint at ${this.checkpointPath}: starting fresh`);
      return null;
    }
    return readCheckpoint<S>(this.checkpointPath, identity);
  }

  /** Write the checkpoint (atomically); a no-op for a run without one. */
  save<S>(cp: Checkpoint<S>): void {
    if (this.checkpointPath) writeCheckpoint(this.checkpointPath, cp);
  }

  /** For the compute loop: whether SIGINT/SIGTERM asked the run to stop. */
  readonly shouldStop = (): boolean => this.signal !== null;

  /** The signal that stopped the run, if any. */
  get stoppedBy(): NodeJS.Signals | null {
    return this.signal;
  }

  /** 130 after SIGINT, 143 after SIGTERM, else undefined. */
  get exitCode(): number | undefined {
    return this.signal ? EXIT_CODES[this.signal] : undefined;
  }

  /**
   * Run a computation to its end or to a stop: resume from the checkpoint
   * of this identity (refused if it belongs to another run), checkpoint as
   * the compute asks, then either write the outputs and remove the
   * checkpoint (finished), or save the checkpoint and say how to continue
   * (stopped; the process exits 130/143 after a signal).
   */
  async drive<S, R extends { state: S; table: FunctionTable }>(o: DriveOptions<S, R>): Promise<R> {
    const resume = this.load<S>(o.identity) ?? undefined;
    if (resume) this.log(o.resumed(resume.state));
    const save = (state: S, table: FunctionTable) => {
      if (o.checkpointProvenance) table.provenance = o.checkpointProvenance(state);
      this.save({ identity: o.identity, state, table });
    };
    const r = await o.compute({
      resume,
      onCheckpoint: this.checkpointPath ? save : undefined,
      shouldStop: this.shouldStop,
    });
    const finished = o.finished(r);
    if (finished || (o.writeStopped && !this.signal)) o.write(r);
    if (finished) {
      this.finish();
      return r;
    }
    if (this.checkpointPath) save(r.state, r.table);
    const msg = o.stopped(r, this.checkpointPath);
    if (msg !== null) this.log(msg);
    if (this.signal) process.exitCode = this.exitCode;
    return r;
  }

  /** The run is complete and its output written: remove the checkpoint. */
  finish(): void {
    if (this.checkpointPath) removeCheckpoint(this.checkpointPath);
  }

  /** Release the lock and the signal handlers (always call, in a finally); a folder made for the checkpoint goes if still empty. */
  close(): void {
    if (this.signals) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    }
    this.outputs?.abandon();
    this.outputs = null;
  }
}
