/**
 * Running the built CLI (`scripts/dist/cli.js`; `pnpm build` first) in the
 * end-to-end tests, and a temporary folder per test file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';

export const CLI = new URL('../scripts/dist/cli.js', import.meta.url).pathname;

/** A fresh temporary folder, removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Run `fsbayes …args`; exit code and both streams. */
export function cli(args: string[], timeout = 120_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run `fsbayes …args --json --quiet`, expect exit 0 and exactly one JSON line, and parse it. */
export function cliJson(args: string[], timeout = 120_000) {
  const r = cli([...args, '--json', '--quiet'], timeout);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]);
}
