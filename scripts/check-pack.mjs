#!/usr/bin/env node
/**
 * `prepack` of every published package (run by `pnpm pack` / `pnpm publish` in the package's folder): refuse to
 * pack a package whose build is missing, since npm and pnpm silently leave out a `files` entry that matches
 * nothing (a tarball without `wasm/build/*.wasm` installs fine and fails at the first call). Each plain entry of
 * `files` must exist, each glob must match a file, and LICENSE must equal the workspace root's.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const problems = [];
for (const entry of pkg.files ?? []) {
  if (entry.startsWith('!')) continue;
  const star = entry.indexOf('*');
  if (star < 0) {
    if (!existsSync(path.join(dir, entry))) problems.push(`${entry} is missing`);
    continue;
  }
  // "a/b/*.ext" or "a/**/*.ext": some file under the fixed prefix ends with the suffix
  const base = path.join(dir, entry.slice(0, entry.lastIndexOf('/', star) + 1));
  const suffix = entry.slice(entry.lastIndexOf('*') + 1);
  const found =
    existsSync(base) && readdirSync(base, { recursive: entry.includes('**') }).some((f) => String(f).endsWith(suffix));
  if (!found) problems.push(`nothing matches ${entry}`);
}
const rootLicense = path.join(findRoot(dir), 'LICENSE');
if (
  existsSync(path.join(dir, 'LICENSE')) &&
  readFileSync(path.join(dir, 'LICENSE'), 'utf8') !== readFileSync(rootLicense, 'utf8')
)
  problems.push(`LICENSE differs from the workspace root's (${rootLicense}): copy it`);
if (problems.length > 0) {
  console.error(`${pkg.name}: cannot pack: ${problems.join('; ')}. Run \`pnpm build\` at the workspace root first.`);
  process.exit(1);
}

function findRoot(from) {
  let d = from;
  while (!existsSync(path.join(d, 'pnpm-workspace.yaml'))) {
    const up = path.dirname(d);
    if (up === d) return from;
    d = up;
  }
  return d;
}
