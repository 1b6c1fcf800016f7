#!/usr/bin/env node
/**
 * The fsbayes command line. Every command has --help, --json (exactly one
 * JSON object on stdout) and --out FILE; progress and logs go to stderr.
 */
import { VERSION } from '@fsbayes/core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
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
import { reproCommand } from './commands/repro.js';
import { sampleCommand } from './commands/sample.js';
import { sgdCommand } from './commands/sgd.js';

await yargs(hideBin(process.argv))
  .scriptName('fsbayes')
  .usage(
    '$0 <command> [options]\n\nFunction-space Bayesian research on neural networks: does SGD pick functions the way the Bayesian posterior with the network’s own prior does?',
  )
  .command(demoCommand)
  .command(reproCommand)
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
  .demandCommand(1, 'name a command (see the list above)')
  .strict()
  .recommendCommands()
  .version(VERSION)
  .help()
  .alias('h', 'help')
  .wrap(Math.min(110, process.stdout.columns || 110))
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`fsbayes: ${msg}\nRun with --help for usage.\n`);
    process.exit(2);
  })
  .parseAsync();
