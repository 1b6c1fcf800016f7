/**
 * The resumable-run driver shared by the long commands (`sample`, `sgd`):
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

export interface ResumableRunOptions {
  /** The run's output file: the checkpoint defaults to `<out>.ckpt`. */
  out?: string | null;
  /** `--checkpoint FILE`. */
  checkpoint?: string | null;
  /** `--resume`: continue from the checkpoint (start fresh if there is none). */
  resume: boolean;
  /** Log lines (resuming, starting fresh). */
  log?: (msg: string) => void;
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
  ) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Check the checkpoint path, refuse an existing checkpoint without --resume, lock it, catch signals. */
  static open(o: ResumableRunOptions): ResumableRun {
    const log = o.log ?? (() => {});
    const path = o.checkpoint ?? (o.out ? `${o.out}.ckpt` : null);
    if (o.resume && !path) throw new FsbayesError('--resume needs --out (checkpoint <out>.ckpt) or --checkpoint FILE');
    if (path === null) return new ResumableRun(null, false, o.resume, null, log);
    if (o.out && resolve(path) === resolve(o.out))
      throw new FsbayesError(`--checkpoint ${path} is also --out: give the checkpoint its own file`);
    const exists = existsSync(path);
    if (exists && !o.resume) throw new FsbayesError(`${path} exists: pass --resume to continue that run, or delete it`);
    // The checkpoint is a file of this run: the same checks as an output (not a folder, parent writable) and a lock.
    const flag = o.checkpoint ? '--checkpoint' : 'checkpoint';
    const outputs = prepareOutputs([{ path, kind: 'file', flag, replaceable: true }]);
    return new ResumableRun(path, exists, o.resume, outputs, log);
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

  /** The run is complete and its output written: remove the checkpoint. */
  finish(): void {
    if (this.checkpointPath) removeCheckpoint(this.checkpointPath);
  }

  /** Release the lock and the signal handlers (always call, in a finally); a folder made for the checkpoint goes if still empty. */
  close(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.outputs?.abandon();
    this.outputs = null;
  }
}
