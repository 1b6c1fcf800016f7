#!/usr/bin/env node
/**
 * The fsbayes command line. Every command has --help, --json (exactly one
 * JSON object on stdout) and --out FILE; progress and logs go to stderr.
 */
import { VERSION } from '@fsbayes/core';
import yargs, { type Arguments, type MiddlewareFunction } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkThreadsFlag, type FlagTypes, findRepeatedFlag, repeatedFlagMessage } from './cli/flags.js';
import { boundCommand } from './commands/bound.js';
import { compareCommand } from './commands/compare.js';
import { dataCommand } from './commands/data.js';
import { demoCommand } from './commands/demo.js';
import { functionsCommand } from './commands/functions.js';
import { kernelCommand } from './commands/kernel.js';
import { lzCommand } from './commands/lz.js';
import { marginalCommand } from './commands/marginal.js';
import { mergeCommand } from './commands/merge.js';
import { pbCommand } from './commands/pb.js';
import { planCommand } from './commands/plan.js';
import { reproCommand } from './commands/repro.js';
import { runPlanCommand } from './commands/run-plan.js';
import { sampleCommand } from './commands/sample.js';
import { sgdCommand } from './commands/sgd.js';

const argv = hideBin(process.argv);

/** A usage error: one line, a hint, exit code 2 (as yargs' own, e.g. an unknown flag). */
function usageError(msg: string): never {
  process.stderr.write(`fsbayes: ${msg}\nRun with --help for usage.\n`);
  process.exit(2);
}

/**
 * Refuse a repeated scalar flag and a bad --threads, and say when --threads
 * is capped. yargs passes itself as a second argument (missing from
 * @types/yargs 17): its getOptions() are the command's option types.
 */
const checkFlags = ((args: Arguments, y: { getOptions(): FlagTypes }) => {
  const repeated = findRepeatedFlag(argv, y.getOptions());
  if (repeated) usageError(repeatedFlagMessage(repeated));
  let note: string | undefined;
  try {
    note = checkThreadsFlag(args.threads);
  } catch (e) {
    process.stderr.write(`fsbayes ${String(args._[0] ?? '')}: error: ${(e as Error).message}\n`);
    process.exit(1);
  }
  if (note && !args.quiet) process.stderr.write(`fsbayes: ${note}\n`);
}) as unknown as MiddlewareFunction;

await yargs(argv)
  .scriptName('fsbayes')
  .usage(
    '$0 <command> [options]\n\nFunction-space Bayesian research on neural networks: does SGD pick functions the way the Bayesian posterior with the network’s own prior does?',
  )
  .command(demoCommand)
  .command(reproCommand)
  .command(planCommand)
  .command(runPlanCommand)
  .command(functionsCommand)
  .command(sampleCommand)
  .command(sgdCommand)
  .command(compareCommand)
  .command(mergeCommand)
  .command(kernelCommand)
  .command(marginalCommand)
  .command(pbCommand)
  .command(boundCommand)
  .command(dataCommand)
  .command(lzCommand)
  // Before yargs' validation and every handler: the same refusal in every command.
  .middleware(checkFlags, true)
  .epilogue(
    'The main job: `pnpm repro:boolean` (`fsbayes repro boolean`): P_SGD against the Bayesian posterior P_B and rejection sampling on the Boolean system of Mingard et al. (2021), end to end in about 2½ minutes on 2 cores, report and plots in out/repro-boolean-small/. The other experiments: `fsbayes repro --help`.',
  )
  .demandCommand(1, 'name a command (see the list above)')
  .strict()
  .recommendCommands()
  .version(VERSION)
  .help()
  .alias('h', 'help')
  .wrap(Math.min(110, process.stdout.columns || 110))
  .fail((msg, err) => {
    if (err) throw err;
    usageError(msg);
  })
  .parseAsync();
