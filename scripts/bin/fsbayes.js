#!/usr/bin/env node
// The `fsbayes` command: the built CLI (dist/cli.js). This file is committed so that package managers can link
// the command before the first build (`npx fsbayes` at the workspace root); until then it says how to build.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('fsbayes: the command line is not built yet: run `pnpm build` at the workspace root\n');
  process.exit(1);
}
await import(cli.href);
