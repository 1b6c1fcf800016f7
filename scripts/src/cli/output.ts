import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '@fsbayes/core';

/** Create the folder that will hold `file` (like mkdir -p), so --out can name a new folder. */
export function ensureDirFor(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

/** Arguments every command has. */
export interface OutputArgs {
  json: boolean;
  out?: string;
  quiet: boolean;
}

/** Log to stderr unless --quiet; stdout is reserved for the result. */
export function log(args: { quiet: boolean }, msg: string): void {
  if (!args.quiet) process.stderr.write(`${msg}\n`);
}

/**
 * Print a command's result: one JSON object with --json, else the human text.
 * With `writeOut`, --out receives the JSON result too (commands whose --out
 * is a richer artifact, like a function table, write it themselves).
 */
export function emit(args: OutputArgs, result: object, human: string, writeOut = true): void {
  if (writeOut && args.out) writeFileAtomicSync(ensureDirFor(args.out), `${JSON.stringify(result, null, 2)}\n`);
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
}

/** Wrap a command handler: errors become one clear line on stderr and exit code 1. */
export function run<A>(command: string, fn: (args: A) => Promise<void> | void): (args: A) => Promise<void> {
  return async (args: A) => {
    try {
      await fn(args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`fsbayes ${command}: error: ${msg}\n`);
      if (process.env.FSBAYES_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    }
  };
}
