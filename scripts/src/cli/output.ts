/**
 * Output of a command: the result on stdout (human text or one JSON object),
 * log lines on stderr, and the files of --out / --csv-out, which are checked
 * and locked before any compute (see core's run/outputs) and written
 * together at the end, atomically.
 */
import {
  type FileToWrite,
  FsbayesError,
  type OutputKind,
  type OutputTarget,
  type PreparedOutputs,
  prepareOutputs as prepareTargets,
  ResumableRun,
  recordedCommand,
} from '@fsbayes/core';

/** Arguments every command has. */
export interface OutputArgs {
  json: boolean;
  out?: string;
  quiet: boolean;
  force?: boolean;
}

/**
 * The command line recorded in a result's provenance: as typed, less
 * --force, --json and --quiet (they steer how the run reports and where it may
 * write, never what it computes), so the same run records the same bytes.
 */
export function commandLine(): string {
  return recordedCommand(process.argv.slice(2), { '--force': false, '--json': false, '--quiet': false });
}

/** Log to stderr unless --quiet; stdout is reserved for the result. */
export function log(args: { quiet: boolean }, msg: string): void {
  if (!args.quiet) process.stderr.write(`${msg}\n`);
}

/** The outputs this command invocation prepared (one command per process). */
const prepared: PreparedOutputs[] = [];

/**
 * Check, create the folders of and lock this command's output targets —
 * call before any compute. Targets that are null/undefined are skipped.
 */
export function prepareOutputs(
  a: { force?: boolean },
  targets: (OutputTarget | null | undefined | false)[],
): PreparedOutputs {
  const list = targets.filter((t): t is OutputTarget => !!t);
  const p = prepareTargets(list, { force: a.force ?? false, command: recordedCommand(process.argv.slice(2)) });
  prepared.push(p);
  return p;
}

/** Write files together: all of them or none. Targets not prepared before are checked and locked now. */
export function writeOutputs(a: { force?: boolean }, files: FileToWrite[]): void {
  const p =
    prepared.find((s) => files.every((f) => s.find(f.path)?.kind === 'file')) ??
    prepareOutputs(
      a,
      files.map((f) => ({ path: f.path, kind: 'file' })),
    );
  p.writeFiles(files);
}

/**
 * Print a command's result: one JSON object with --json, else the human text.
 * With `writeOut`, --out receives the JSON result too (commands whose --out
 * is a richer artifact, like a function table, write it themselves).
 */
export function emit(args: OutputArgs, result: object, human: string, writeOut = true): void {
  if (writeOut && args.out) writeOutputs(args, [{ path: args.out, data: `${JSON.stringify(result, null, 2)}\n` }]);
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
}

/** Which options name output targets, and of what kind. */
export type OutputOptions = Record<string, OutputKind>;

/** The default: --out and --csv-out are files. */
const FILE_OUTPUTS: OutputOptions = { out: 'file', 'csv-out': 'file' };

/** Run-scoped cleanups (checkpoint locks, signal handlers), done when the command ends. */
const cleanups: (() => void)[] = [];

/**
 * The resumable run of a long command (`sample`, `sgd`): checks its
 * checkpoint before any compute, refuses an existing one without --resume,
 * locks it and catches SIGINT/SIGTERM (see core's ResumableRun); released
 * when the command ends.
 */
export function resumableRun(a: OutputArgs & { checkpoint?: string; resume: boolean }): ResumableRun {
  const driver = ResumableRun.open({ out: a.out, checkpoint: a.checkpoint, resume: a.resume, log: (m) => log(a, m) });
  cleanups.push(() => driver.close());
  return driver;
}

type Handler<A> = (args: A) => Promise<void> | void;

/**
 * Wrap a command handler. Before it runs, the targets named by `outputs`
 * (default: --out and --csv-out, files) are checked and locked; pass null
 * for a command that prepares its own (e.g. after its checkpoint check).
 * An FsbayesError becomes one line `fsbayes <cmd>: error: …` and exit code
 * 1; anything else is a bug and is reported as one (stack with
 * FSBAYES_DEBUG=1). After a failure the prepared targets are left as they
 * were (folders this run created are removed again).
 */
export function run<A>(command: string, fn: Handler<A>): (args: A) => Promise<void>;
export function run<A>(command: string, outputs: OutputOptions | null, fn: Handler<A>): (args: A) => Promise<void>;
export function run<A>(
  command: string,
  second: OutputOptions | null | Handler<A>,
  third?: Handler<A>,
): (args: A) => Promise<void> {
  const fn = (typeof second === 'function' ? second : third) as Handler<A>;
  const outputs = typeof second === 'function' ? FILE_OUTPUTS : second;
  return async (args: A) => {
    try {
      if (outputs) {
        const a = args as Record<string, unknown> & { force?: boolean };
        prepareOutputs(
          a,
          Object.entries(outputs).map(([k, kind]) =>
            typeof a[k] === 'string' ? { path: a[k] as string, kind, flag: `--${k}` } : null,
          ),
        );
      }
      await fn(args);
      for (const p of prepared) p.release();
    } catch (e) {
      for (const p of prepared) p.abandon();
      const msg = e instanceof Error ? e.message : String(e);
      if (e instanceof FsbayesError) process.stderr.write(`fsbayes ${command}: error: ${msg}\n`);
      else
        process.stderr.write(
          `fsbayes ${command}: internal error (a bug; please report it with the command line): ${msg}\n${process.env.FSBAYES_DEBUG ? '' : 'Run with FSBAYES_DEBUG=1 for the stack trace.\n'}`,
        );
      if (process.env.FSBAYES_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    } finally {
      prepared.length = 0;
      for (const c of cleanups.splice(0).reverse()) c();
    }
  };
}
